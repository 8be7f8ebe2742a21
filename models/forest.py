"""Random forests: average many decorrelated decision trees.

Tree b is grown on a bootstrap sample (n rows drawn with replacement) and, at
every node, looks at only `max_features` randomly chosen features. Averaging B
such trees keeps their low bias and divides the part of their variance that is
not shared:

    classifier  P(c | x) = (1/B) Σ_b P_b(c | x),  predict argmax_c
    regressor   ŷ(x)     = (1/B) Σ_b ŷ_b(x)

A row left out of tree b's bootstrap (about e⁻¹ ≈ 37% of rows are) is
"out of bag" for b: predicting each row with only the trees that did not see it
gives a validation score for free (`oob_score_`).

Tree b is grown on the distinct rows of its bootstrap sample, weighted by how often
each was drawn (as scikit-learn does), from one presort of X shared by all trees;
`n_jobs` grows trees in threads. Cost: one O(d · n log n) presort, then B trees of
O(max_features · n log n · log n) each (see models/_tree_growth.py).
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import check_random_state

from models._tree_growth import CRITERIA, ClassStats, Presorted, ValueStats
from models._validation import check_positive_int, encode_classes, fit_input, predict_input
from models.tree import DecisionTreeClassifier, DecisionTreeRegressor, seeded


class _Forest(BaseEstimator):
    """Bootstrap, grow and average; the subclasses say what a tree predicts."""

    def _fit_trees(self, X: np.ndarray, y: np.ndarray) -> None:
        check_positive_int(self, "n_estimators", self.n_estimators)
        if self.n_jobs is not None and self.n_jobs != -1:
            check_positive_int(self, "n_jobs", self.n_jobs)
        if self.oob_score and not self.bootstrap:
            raise ValueError(f"{type(self).__name__}: oob_score needs bootstrap=True")
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=self.n_estimators)
        presorted = Presorted(X)  # one sort per feature, shared by every tree
        n = len(X)

        def fit_one(seed: int):
            """One tree on a bootstrap sample, given as counts (weights) of the rows."""
            rows = seeded(seed).randint(0, n, n) if self.bootstrap else np.arange(n)
            weight = np.bincount(rows, minlength=n).astype(np.float64)
            tree = self._make_tree(seed)
            tree.n_features_in_ = X.shape[1]
            tree._check_params(X.shape[1])
            tree._grow(self._tree_stats(tree, y, weight), presorted, weight)
            return tree, weight > 0

        workers = os.cpu_count() if self.n_jobs == -1 else (self.n_jobs or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:  # NumPy releases the GIL
            fitted = list(pool.map(fit_one, seeds))
        self.estimators_ = [tree for tree, _ in fitted]
        self._in_bag = [in_bag for _, in_bag in fitted]
        importances = np.mean([t.feature_importances_ for t in self.estimators_], axis=0)
        self.feature_importances_ = importances / max(importances.sum(), np.finfo(float).tiny)
        if self.oob_score:
            self._set_oob_score(X, y)

    def _make_tree(self, seed: int):
        return self._tree_class(criterion=self.criterion, max_depth=self.max_depth,
                                min_samples_split=self.min_samples_split,
                                min_samples_leaf=self.min_samples_leaf,
                                max_features=self.max_features, random_state=seed)

    def _average(self, X: np.ndarray, use: list[np.ndarray] | None = None):
        """(Σ_b tree_b(x), number of trees summed) for every row of the validated X; `use[b]`
        masks rows for tree b."""
        total, count = 0.0, np.zeros(len(X))
        for b, tree in enumerate(self.estimators_):
            output = self._tree_output(tree, X)
            if use is not None:
                output[~use[b]] = 0.0
            total = total + output
            count += 1 if use is None else use[b]
        return total, count

    def _set_oob_score(self, X: np.ndarray, y: np.ndarray) -> None:
        total, count = self._average(X, use=[~in_bag for in_bag in self._in_bag])
        seen = count > 0
        if not seen.all():
            warnings.warn(f"{type(self).__name__}: {np.sum(~seen)} rows were in every bootstrap "
                          "sample; oob_score_ leaves them out", UserWarning, stacklevel=3)
        oob = total[seen] / count[seen].reshape(-1, *[1] * (total.ndim - 1))
        self._store_oob(oob, y[seen])


class RandomForestClassifier(ClassifierMixin, _Forest):
    """Soft-voting forest of CART classification trees."""

    _tree_class = DecisionTreeClassifier

    def __init__(self, n_estimators: int = 100, *, criterion: str = "gini",
                 max_depth: int | None = None, min_samples_split: int = 2,
                 min_samples_leaf: int = 1, max_features: Any = "sqrt", bootstrap: bool = True,
                 oob_score: bool = False, n_jobs: int | None = None, random_state: Any = None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> RandomForestClassifier:
        X, y = fit_input(self, X, y)
        self.classes_, codes = encode_classes(y)
        self.n_classes_ = len(self.classes_)
        self._fit_trees(X, codes)
        return self

    def _tree_stats(self, tree: DecisionTreeClassifier, codes: np.ndarray, weight: np.ndarray):
        """The trees see class indices, so their columns are the forest's classes."""
        tree.classes_, tree.n_classes_ = np.arange(self.n_classes_), self.n_classes_
        return ClassStats(codes, weight, self.n_classes_, CRITERIA[self.criterion])

    def _tree_output(self, tree: DecisionTreeClassifier, X: np.ndarray) -> np.ndarray:
        return tree.predict_proba(X, check_input=False)

    def _store_oob(self, oob: np.ndarray, codes: np.ndarray) -> None:
        self.oob_decision_function_ = oob
        self.oob_score_ = accuracy_score(codes, np.argmax(oob, axis=1))

    def predict_proba(self, X: Any) -> np.ndarray:
        """The mean of the trees' class probabilities."""
        total, count = self._average(predict_input(self, X))
        return total / count[:, None]

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class RandomForestRegressor(RegressorMixin, _Forest):
    """Averaging forest of CART regression trees."""

    _tree_class = DecisionTreeRegressor

    def __init__(self, n_estimators: int = 100, *, criterion: str = "squared_error",
                 max_depth: int | None = None, min_samples_split: int = 2,
                 min_samples_leaf: int = 1, max_features: Any = 1.0, bootstrap: bool = True,
                 oob_score: bool = False, n_jobs: int | None = None, random_state: Any = None):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.oob_score = oob_score
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> RandomForestRegressor:
        X, y = fit_input(self, X, y, y_numeric=True)
        self._fit_trees(X, y)
        return self

    def _tree_stats(self, tree: DecisionTreeRegressor, y: np.ndarray, weight: np.ndarray):
        return ValueStats(y, weight)

    def _tree_output(self, tree: DecisionTreeRegressor, X: np.ndarray) -> np.ndarray:
        return tree.predict(X, check_input=False)

    def _store_oob(self, oob: np.ndarray, y: np.ndarray) -> None:
        self.oob_prediction_ = oob
        self.oob_score_ = r2_score(y, oob)

    def predict(self, X: Any) -> np.ndarray:
        """The mean of the trees' predictions."""
        total, count = self._average(predict_input(self, X))
        return total / count
