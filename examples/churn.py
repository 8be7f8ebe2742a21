"""Case study 2: which bank customers will leave? A 12 → 12 → 1 network on Churn_Modelling.

    python examples/churn.py [--out DIR] [--quick]

10,000 customers of a bank, each with a credit score, country, gender, age,
tenure, balance, number of products, credit-card and activity flags, and
salary; the target says whether they left the bank (20% did). The country
becomes three 0/1 columns (one-hot), the gender one 0/1 column, and every
column is standardized with the training rows' mean and standard deviation:
12 inputs. models.MLPClassifier trains one hidden layer of 12 ReLU units and a
sigmoid output on the binary cross-entropy, holding out 10% of the training
rows to stop early; scikit-learn's MLPClassifier gets the same settings.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_table
from _plotting import confusion_matrix_figure, loss_curves_figure, save_figure
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from models import MLPClassifier
from tinygrad_edu.data import OneHotEncoder, StandardScaler, train_test_split

NUMERIC = ["CreditScore", "Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard",
           "IsActiveMember", "EstimatedSalary"]
CLASS_NAMES = ["stayed", "left"]


def load_churn() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The 12 input columns, the target (1 = left the bank) and the columns' names."""
    table = load_table("churn", "Churn_Modelling.csv", [*NUMERIC, "Geography", "Gender",
                                                        "Exited"])
    countries = OneHotEncoder().fit(table["Geography"][:, None])
    X = np.column_stack([
        countries.transform(table["Geography"][:, None]),
        table["Gender"] == "Male",
        *(table[name] for name in NUMERIC),
    ]).astype(np.float64)
    names = [f"Geography={c}" for c in countries.categories_[0]] + ["Male", *NUMERIC]
    return X, table["Exited"], names


def churn_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """X_train, X_test, y_train, y_test (80/20, stratified), every column standardized with
    the training rows' mean and deviation; and the columns' names."""
    X, y, names = load_churn()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test, names


def networks(quick: bool) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Factories for our network and scikit-learn's, with the same settings."""
    settings = dict(hidden_layer_sizes=(12,), activation="relu", batch_size=64,
                    early_stopping=True, n_iter_no_change=10, random_state=0,
                    learning_rate_init=1e-3, max_iter=8 if quick else 60)
    return lambda: MLPClassifier(**settings), lambda: SkMLPClassifier(**settings)


def recall(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The share of customers who left that the model flagged."""
    return float(np.mean(y_pred[y_true == 1] == 1))


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Train both networks and compare; returns the test accuracies."""
    args = parse_args("churn", __doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test, names = churn_split()
    print(f"{len(X_train)} training and {len(X_test)} test customers, {len(names)} inputs: "
          f"{', '.join(names)}")

    make_ours, make_reference = networks(quick=args.quick)
    ours = make_ours().fit(X_train, y_train)
    reference = make_reference()
    with warnings.catch_warnings():  # the quick run stops before converging, on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X_train, y_train)

    predictions = {"tinygrad_edu": ours.predict(X_test), "scikit-learn": reference.predict(X_test)}
    rows = [["test accuracy", *(float(np.mean(p == y_test)) for p in predictions.values())],
            ["share of leavers caught (recall)", *(recall(y_test, p)
                                                   for p in predictions.values())],
            ["epochs run", ours.n_iter_, reference.n_iter_]]
    print_table("Churn_Modelling, 12 → 12 → 1", ["", *predictions], rows)
    print(f"(Always answering 'stayed' would score {1 - y_test.mean():.4f}.)")

    curves = loss_curves_figure(
        {"training (tinygrad_edu)": ours.loss_curve_,
         "validation (tinygrad_edu)": ours.validation_loss_curve_,
         "training (scikit-learn)": reference.loss_curve_},
        title="Churn network: loss per epoch", ylabel="binary cross-entropy")
    stopping = loss_curves_figure(
        {"tinygrad_edu": ours.validation_scores_, "scikit-learn": reference.validation_scores_},
        title="Churn network: accuracy on the held-out 10%",
        ylabel="validation accuracy")
    matrix = confusion_matrix_figure(y_test, predictions["tinygrad_edu"], CLASS_NAMES,
                                     title="Churn: confusion matrix on the test customers")
    print_figures([save_figure(curves, args.out, "loss_curves"),
                   save_figure(stopping, args.out, "validation_accuracy"),
                   save_figure(matrix, args.out, "confusion_matrix")])
    return {"accuracy": rows[0][1], "sklearn_accuracy": rows[0][2],
            "baseline_accuracy": float(1 - y_test.mean())}


if __name__ == "__main__":
    main()
