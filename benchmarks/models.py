"""Benchmark: fifteen models against scikit-learn, fit + predict on the same data (issue 19).

    TINYGRAD_EDU_DATA=/path/to/datasets python -m benchmarks --only models

Each row fits one of our models and scikit-learn's model of the same name with the
same hyperparameters on the same data, and predicts the test rows; that is what is
timed. Ours and scikit-learn's run alternated in this one process (ours, theirs,
ours, ...) and the table gives the median of the rounds, the ratio of the medians,
and both test scores (accuracy for a classifier, R² for a regressor). A clustering
has no test score: its row gives the adjusted Rand index between our labels and
scikit-learn's (1: the same partition).

The data, from $TINYGRAD_EDU_DATA (rows whose data is absent are skipped, with a note):

    MNIST        the first 10,000 training and 2,000 test digits, pixels scaled to [0, 1]
                 (SVC: the first 5,000 training digits; agglomerative: the first 3,000)
    power plant  (AT, V, AP, RH) → PE in MW, 80/20 split (random_state 0), the features
                 standardised on the training part, the target left in MW

`--quick` shrinks every set to a few hundred rows: a smoke test, not a measurement.
`--model NAME` (repeatable) runs only the rows whose name contains NAME.
"""

from __future__ import annotations

import os
import statistics
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn import cluster, ensemble, linear_model, naive_bayes, neighbors, neural_network
from sklearn import svm as sklearn_svm
from sklearn import tree as sklearn_tree
from sklearn.metrics import adjusted_rand_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import models
from benchmarks import Settings
from benchmarks.report import Report, Section
from benchmarks.timing import alternate

NAME = "models"
ROUNDS = 3
MARKERS = ("<!-- models-benchmark:start -->", "<!-- models-benchmark:end -->")
HEADER = ["model", "data", "ours", "scikit-learn", "ratio", "our score", "scikit-learn's score"]
FULL_SIZES = {"train": 10_000, "test": 2_000, "svc": 5_000, "agglomerative": 3_000,
              "power": None}
QUICK_SIZES = {"train": 200, "test": 100, "svc": 150, "agglomerative": 100, "power": 300}


@dataclass
class Data:
    """A training and a test part (a clustering uses the training part only)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    label: str


@dataclass(frozen=True)
class Case:
    """One row: our model and scikit-learn's, built with the same hyperparameters.
    `task` is "classify", "regress" or "cluster"; `data` a key of `load_data`'s sets."""

    name: str
    data: str
    task: str
    ours: Callable[[], Any]
    theirs: Callable[[], Any]


CASES = [
    Case("LinearRegression", "power", "regress",
         models.LinearRegression, linear_model.LinearRegression),
    Case("LogisticRegression", "mnist", "classify",
         models.LogisticRegression, linear_model.LogisticRegression),
    Case("LinearSVC", "mnist", "classify", models.LinearSVC, sklearn_svm.LinearSVC),
    Case("SVC rbf", "mnist_svc", "classify", models.SVC, sklearn_svm.SVC),
    Case("SVR rbf", "power", "regress", models.SVR, sklearn_svm.SVR),
    Case("MLPClassifier (100,) 10 epochs", "mnist", "classify",
         lambda: models.MLPClassifier((100,), max_iter=10, random_state=0),
         lambda: neural_network.MLPClassifier((100,), max_iter=10, random_state=0)),
    Case("KNeighborsClassifier", "mnist", "classify",
         models.KNeighborsClassifier, neighbors.KNeighborsClassifier),
    Case("KNeighborsRegressor", "power", "regress",
         models.KNeighborsRegressor, neighbors.KNeighborsRegressor),
    Case("GaussianNB", "mnist", "classify", models.GaussianNB, naive_bayes.GaussianNB),
    Case("DecisionTreeClassifier", "mnist", "classify",
         lambda: models.DecisionTreeClassifier(random_state=0),
         lambda: sklearn_tree.DecisionTreeClassifier(random_state=0)),
    Case("DecisionTreeRegressor", "power", "regress",
         lambda: models.DecisionTreeRegressor(random_state=0),
         lambda: sklearn_tree.DecisionTreeRegressor(random_state=0)),
    Case("RandomForestClassifier 50 trees", "mnist", "classify",
         lambda: models.RandomForestClassifier(50, random_state=0),
         lambda: ensemble.RandomForestClassifier(50, random_state=0)),
    Case("RandomForestRegressor 50 trees", "power", "regress",
         lambda: models.RandomForestRegressor(50, random_state=0),
         lambda: ensemble.RandomForestRegressor(50, random_state=0)),
    Case("KMeans k=10 n_init=1", "mnist", "cluster",
         lambda: models.KMeans(10, n_init=1, random_state=0),
         lambda: cluster.KMeans(10, n_init=1, random_state=0)),
    Case("AgglomerativeClustering ward", "mnist_agglomerative", "cluster",
         lambda: models.AgglomerativeClustering(10, linkage="ward"),
         lambda: cluster.AgglomerativeClustering(10, linkage="ward")),
]


def load_data(root: Path | None, quick: bool) -> tuple[dict[str, Data], list[str]]:
    """The data sets the cases name, and a note for each one that is absent."""
    sizes = QUICK_SIZES if quick else FULL_SIZES
    found: dict[str, Data] = {}
    notes: list[str] = []
    mnist = root / "mnist" if root else None
    if mnist is not None and mnist.is_dir():
        from tinygrad_edu.data.datasets import load_mnist
        train_images, train_labels = load_mnist(mnist, split="train", download=False)
        test_images, test_labels = load_mnist(mnist, split="test", download=False)
        X_test = test_images[:sizes["test"]].reshape(-1, 784) / 255.0
        y_test = test_labels[:sizes["test"]]
        for key, count in (("mnist", "train"), ("mnist_svc", "svc"),
                           ("mnist_agglomerative", "agglomerative")):
            n = sizes[count]
            found[key] = Data(train_images[:n].reshape(-1, 784) / 255.0, train_labels[:n],
                              X_test, y_test, f"MNIST {n:,}" + ("" if key == "mnist_agglomerative"
                                                                else f" / {len(y_test):,}"))
    else:
        notes.append("models: MNIST is not in $TINYGRAD_EDU_DATA/mnist, so its rows were "
                     "skipped.")
    table = root / "power-plant" / "Folds5x2_pp.csv" if root else None
    if table is not None and table.is_file():
        from tinygrad_edu.data.datasets import load_csv
        columns = load_csv(table)
        X = np.column_stack([columns[c] for c in ("AT", "V", "AP", "RH")])[:sizes["power"]]
        y = columns["PE"][:sizes["power"]]
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
        scaler = StandardScaler().fit(X_train)
        found["power"] = Data(scaler.transform(X_train), y_train, scaler.transform(X_test),
                              y_test, f"power {len(y_train):,} / {len(y_test):,}")
    else:
        notes.append("models: the power plant is not in $TINYGRAD_EDU_DATA/power-plant, so "
                     "its rows were skipped.")
    return found, notes


def fit_predict(model: Any, data: Data, task: str) -> np.ndarray:
    """What is timed: fit, then predict the test rows (a clustering: its training labels)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both libraries warn when max_iter stops them
        if task == "cluster":
            return model.fit(data.X_train).labels_
        return model.fit(data.X_train, data.y_train).predict(data.X_test)


def scores(case: Case, data: Data, ours: np.ndarray, theirs: np.ndarray) -> tuple[str, str]:
    """Test accuracy or R² of each; for a clustering, the adjusted Rand index between them."""
    if case.task == "cluster":
        agreement = adjusted_rand_score(theirs, ours)
        return ("same labels" if agreement == 1.0 else f"ARI {agreement:.3f} vs theirs"), "—"
    if case.task == "classify":
        return f"{np.mean(ours == data.y_test):.4f}", f"{np.mean(theirs == data.y_test):.4f}"
    return f"{r2_score(data.y_test, ours):.4f}", f"{r2_score(data.y_test, theirs):.4f}"


def measure(case: Case, data: Data, rounds: int, warmup_rounds: int = 0) -> dict[str, Any]:
    """Ours and theirs alternated `rounds` times (after `warmup_rounds` untimed ones);
    medians, ratio and scores."""
    contenders = {side: (lambda build=build: lambda: fit_predict(build(), data, case.task))
                  for side, build in (("ours", case.ours), ("theirs", case.theirs))}
    timings = alternate(contenders, rounds, warmup_rounds)
    ours, theirs = timings["ours"].median, timings["theirs"].median
    our_score, their_score = scores(case, data, timings["ours"].result,
                                    timings["theirs"].result)
    return {"ours": ours, "theirs": theirs, "ratio": ours / theirs, "our_score": our_score,
            "their_score": their_score, "seconds": {k: t.seconds for k, t in timings.items()}}


def selected(cases: list[Case], settings: Settings) -> list[Case]:
    """The cases whose names contain one of `--model`'s (all of them without it)."""
    return [case for case in cases if not settings.models
            or any(name.lower() in case.name.lower() for name in settings.models)]


def format_seconds(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 1 else f"{1000 * seconds:.1f} ms"


def table_row(case: Case, data: Data, result: dict[str, Any]) -> list[str]:
    return [case.name, data.label, format_seconds(result["ours"]),
            format_seconds(result["theirs"]), f"{result['ratio']:.2f}×", result["our_score"],
            result["their_score"]]


def ratio_summary(results: dict[str, dict[str, Any]]) -> list[str]:
    """The median and the worst ratio of a table's rows."""
    if not results:
        return []
    ratios = {name: result["ratio"] for name, result in results.items()}
    worst = max(ratios, key=ratios.get)
    return [f"Median ratio {statistics.median(ratios.values()):.2f}×; the worst "
            f"{ratios[worst]:.2f}× ({worst})."]


def run(settings: Settings) -> Report:
    root = os.environ.get("TINYGRAD_EDU_DATA")
    data, notes = load_data(Path(root) if root else None, settings.quick)
    rounds = settings.rounds_or(ROUNDS)
    report = Report(notes=notes)
    cells = []
    for case in selected(CASES, settings):
        if case.data not in data:
            continue
        result = report.raw[case.name] = measure(case, data[case.data], rounds)
        cells.append(table_row(case, data[case.data], result))
    report.notes += [
        f"models: fit + predict (a clustering: fit), ours and scikit-learn's alternated, "
        f"median of {rounds} round(s); ratio = ours / scikit-learn's. Scores on the test "
        "part: accuracy (classifiers), R² (regressors); clusterings: the adjusted Rand "
        "index between our labels and scikit-learn's.",
        "models: hyperparameters are each library's defaults except those in the row's name "
        "and random_state=0; MNIST pixels are scaled to [0, 1]; the power plant's features "
        "are standardised on the training part and its target is in MW.",
    ]
    report.section = Section("Models against scikit-learn", MARKERS, HEADER, cells,
                             ratio_summary(report.raw))
    return report
