"""Case study 3: seven classifiers on one question, who buys after a social-network ad?

    python examples/social_network_ads.py [--out DIR] [--quick]

400 users, each with an age and an estimated salary; the label says whether
they bought the advertised product. With only two inputs every classifier's
decision can be drawn as regions of the plane. Seven classifiers are trained
on the same 75/25 split of standardized inputs: logistic regression, k nearest
neighbours (k = 5), a linear support vector machine, a kernel (RBF) support
vector machine, Gaussian naive Bayes, a decision tree and a random forest
(10 trees), the last two splitting on entropy. Each is compared with
scikit-learn's model of the same name and settings: test accuracy, and the
share of test users on which the two predict the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import social_network_ads_split
from _plotting import decision_boundary, save_figure
from sklearn import ensemble, linear_model, naive_bayes, neighbors, svm, tree

import models
from tinygrad_edu.data import StandardScaler

AXIS_LABELS = ("age (years)", "estimated salary (k$)")
PLOT_UNITS = np.array([1.0, 1000.0])
"""The plots show salary in thousands of dollars: a plotted point times PLOT_UNITS is a row."""


def classifiers(quick: bool) -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    """For each model: a factory for ours and one for scikit-learn's, with the same settings."""
    trees = 3 if quick else 10
    forest = dict(n_estimators=trees, criterion="entropy", random_state=0)
    return {
        "logistic regression": (models.LogisticRegression, linear_model.LogisticRegression),
        "k-NN (k = 5)": (lambda: models.KNeighborsClassifier(n_neighbors=5),
                         lambda: neighbors.KNeighborsClassifier(n_neighbors=5)),
        "linear SVM": (models.LinearSVC, svm.LinearSVC),
        "kernel SVM (RBF)": (lambda: models.SVC(kernel="rbf"), lambda: svm.SVC(kernel="rbf")),
        "naive Bayes": (models.GaussianNB, naive_bayes.GaussianNB),
        "decision tree": (
            lambda: models.DecisionTreeClassifier(criterion="entropy", random_state=0),
            lambda: tree.DecisionTreeClassifier(criterion="entropy", random_state=0)),
        f"random forest ({trees} trees)": (
            lambda: models.RandomForestClassifier(**forest),
            lambda: ensemble.RandomForestClassifier(**forest)),
    }


def boundaries_figure(fitted: dict[str, Any], scaler: StandardScaler, X: np.ndarray,
                      y: np.ndarray, accuracies: list[tuple[float, float]],
                      resolution: int) -> plt.Figure:
    """The seven decision regions with the test users on top, and an accuracy chart."""
    fig, axes = plt.subplots(2, 4, figsize=(17, 8.5), layout="constrained")
    for ax, (name, model) in zip(axes.ravel(), fitted.items()):
        decision_boundary(ax, lambda grid, m=model: m.predict(scaler.transform(grid * PLOT_UNITS)),
                          X / PLOT_UNITS, y, title=name, labels=AXIS_LABELS,
                          resolution=resolution)
    chart = axes[1, 3]
    positions = np.arange(len(fitted))
    chart.barh(positions + 0.2, [a for a, _ in accuracies], height=0.4, label="tinygrad_edu")
    chart.barh(positions - 0.2, [b for _, b in accuracies], height=0.4, label="scikit-learn")
    chart.set_yticks(positions, list(fitted))
    chart.invert_yaxis()
    chart.set(title="Test accuracy", xlabel="accuracy", xlim=(0.5, 1.0))
    chart.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    fig.suptitle("Decision regions on the test users (blue: did not buy, red: bought)")
    return fig


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Fit the seven pairs of classifiers and compare; returns every test accuracy."""
    args = parse_args("social_network_ads", __doc__.splitlines()[0], argv)
    ads = social_network_ads_split()
    X_test, Z_train, Z_test = ads.X_test, ads.Z_train, ads.Z_test
    y_train, y_test, scaler = ads.y_train, ads.y_test, ads.scaler

    rows, fitted, accuracies, results = [], {}, [], {}
    for name, (make_ours, make_reference) in classifiers(args.quick).items():
        ours = make_ours().fit(Z_train, y_train)
        reference = make_reference().fit(Z_train, y_train)
        predicted, expected = ours.predict(Z_test), reference.predict(Z_test)
        accuracies.append((float(np.mean(predicted == y_test)),
                           float(np.mean(expected == y_test))))
        rows.append([name, *accuracies[-1], float(np.mean(predicted == expected))])
        fitted[name] = ours
        results[name], results[f"sklearn {name}"] = accuracies[-1]
    print_table(f"Social_Network_Ads: {len(y_test)} test users",
                ["classifier", "tinygrad_edu", "scikit-learn", "same prediction"], rows)
    figure = boundaries_figure(fitted, scaler, X_test, y_test, accuracies,
                               resolution=60 if args.quick else 250)
    print_figures([save_figure(figure, args.out, "decision_boundaries")])
    return results


if __name__ == "__main__":
    main()
