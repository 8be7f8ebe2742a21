"""Case study 5: how much power will the plant make? Six regressors, one power plant.

    python examples/power_plant.py [--out DIR] [--quick]

9,568 hourly readings of a gas-and-steam power plant: ambient temperature (AT),
exhaust vacuum (V), ambient pressure (AP) and relative humidity (RH), and the
net electrical output PE (MW) to predict. Six regressors learn PE from the four
readings on the same 80/20 split: multiple linear regression, polynomial
regression (degree 4), support vector regression (RBF kernel), a neural network
with one hidden layer of 100 ReLU units (these three on standardized inputs and
target), a decision tree and a random forest of 10 trees. Each is compared with
scikit-learn's model of the same name and settings by R² on the test rows.

The figure shows, for each reading, the test data and each model's prediction
as that reading sweeps its range while the other three stay at their medians.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_table
from _plotting import CLASS_COLORS, save_figure
from sklearn import ensemble, linear_model, neural_network, preprocessing, svm, tree
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline

import models
from tinygrad_edu.data import train_test_split

FEATURES = ["AT", "V", "AP", "RH"]
FEATURE_LABELS = {"AT": "ambient temperature (°C)", "V": "exhaust vacuum (cm Hg)",
                  "AP": "ambient pressure (mbar)", "RH": "relative humidity (%)"}


def standardized(regressor: Any) -> TransformedTargetRegressor:
    """`regressor` on standardized inputs, predicting a standardized target."""
    return TransformedTargetRegressor(
        make_pipeline(preprocessing.StandardScaler(), regressor),
        transformer=preprocessing.StandardScaler())


def regressors(quick: bool) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    """For each model: a factory for ours and one for scikit-learn's, with the same settings."""
    trees = 3 if quick else 10
    return {
        "linear regression": (models.LinearRegression, linear_model.LinearRegression),
        "polynomial regression (degree 4)": (
            lambda: standardized(models.PolynomialRegression(degree=4)),
            lambda: standardized(make_pipeline(preprocessing.PolynomialFeatures(4),
                                               linear_model.LinearRegression()))),
        "SVR (RBF kernel)": (lambda: standardized(models.SVR(kernel="rbf")),
                             lambda: standardized(svm.SVR(kernel="rbf"))),
        "MLP (100 ReLU units)": (
            lambda: standardized(models.MLPRegressor(random_state=0)),
            lambda: standardized(neural_network.MLPRegressor(random_state=0))),
        "decision tree": (lambda: models.DecisionTreeRegressor(random_state=0),
                          lambda: tree.DecisionTreeRegressor(random_state=0)),
        f"random forest ({trees} trees)": (
            lambda: models.RandomForestRegressor(n_estimators=trees, random_state=0),
            lambda: ensemble.RandomForestRegressor(n_estimators=trees, random_state=0)),
    }


def power_plant_split(quick: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X_train, X_test, y_train, y_test: the four readings and the output in MW, 80/20
    (`quick`: 800 and 400 of them)."""
    table = load_table("power-plant", "Folds5x2_pp.csv", [*FEATURES, "PE"])
    X = np.column_stack([table[name] for name in FEATURES]).astype(np.float64)
    y = table["PE"].astype(np.float64)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    if quick:
        return X_train[:800], X_test[:400], y_train[:800], y_test[:400]
    return X_train, X_test, y_train, y_test


def r2(model: Any, X: np.ndarray, y: np.ndarray) -> float:
    """The coefficient of determination, 1 − Σ(y − ŷ)² / Σ(y − ȳ)²."""
    residual = y - model.predict(X)
    return float(1 - (residual ** 2).sum() / ((y - y.mean()) ** 2).sum())


def sweep(model: Any, X: np.ndarray, feature: int, values: np.ndarray) -> np.ndarray:
    """Predictions as one feature takes `values` and the others stay at their medians."""
    rows = np.tile(np.median(X, axis=0), (len(values), 1))
    rows[:, feature] = values
    return model.predict(rows)


def curves_figure(fitted: dict[str, Any], X_train: np.ndarray, X_test: np.ndarray,
                  y_test: np.ndarray) -> plt.Figure:
    """One panel per reading: test points and every model's sweep across it."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharey=True)
    for feature, (ax, name) in enumerate(zip(axes.ravel(), FEATURES)):
        ax.scatter(X_test[:, feature], y_test, s=3, color="lightgray", label="test readings")
        values = np.linspace(X_train[:, feature].min(), X_train[:, feature].max(), 200)
        for color, (label, model) in zip(CLASS_COLORS, fitted.items()):
            ax.plot(values, sweep(model, X_train, feature, values), color=color, label=label)
        ax.set(title=f"Output against {FEATURE_LABELS[name].split(' (')[0]}",
               xlabel=FEATURE_LABELS[name], ylabel="net output PE (MW)")
    axes[0, 0].legend(loc="lower left", markerscale=4)
    fig.suptitle("Each model's prediction as one reading varies, the others at their medians")
    fig.tight_layout()
    return fig


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Fit the six pairs of models and compare; returns every R² score."""
    args = parse_args("power_plant", __doc__.splitlines()[0], argv)
    X_train, X_test, y_train, y_test = power_plant_split(args.quick)
    print(f"{len(X_train)} training and {len(X_test)} test readings")

    rows, fitted, results = [], {}, {}
    for name, (make_ours, make_reference) in regressors(args.quick).items():
        ours = make_ours().fit(X_train, y_train)
        reference = make_reference().fit(X_train, y_train)
        rows.append([name, r2(ours, X_test, y_test), r2(reference, X_test, y_test)])
        fitted[name] = ours
        results[name], results[f"sklearn {name}"] = rows[-1][1], rows[-1][2]
    print_table("Combined Cycle Power Plant: R² on the test readings",
                ["model", "tinygrad_edu", "scikit-learn"], rows)
    print_figures([save_figure(curves_figure(fitted, X_train, X_test, y_test), args.out,
                               "fitted_curves")])
    return results


if __name__ == "__main__":
    main()
