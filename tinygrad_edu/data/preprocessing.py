"""Preprocessing transformers, with scikit-learn's names, attributes and results.

Each one learns something from training data in `fit` (means, ranges,
categories), applies it in `transform`, and undoes it in `inverse_transform`
where that means something. Learned attributes end in `_`, as in scikit-learn.
All work on 2-D arrays (rows = samples, columns = features) and return NumPy
arrays; integer input is converted to float64.

    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
"""

from __future__ import annotations

from itertools import chain, combinations, combinations_with_replacement
from typing import Any

import numpy as np


class Transformer:
    """What every transformer shares: `fit_transform` and input checks."""

    def fit(self, X: Any) -> Transformer:
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, X: Any) -> np.ndarray:
        return self.fit(X).transform(X)

    def _check(self, X: Any, method: str, numeric: bool = True) -> np.ndarray:
        """X as a 2-D array; after fit, also check it has the fitted number of features."""
        caller = f"{type(self).__name__}.{method}"
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"{caller}: expected a 2-D array (samples, features), got shape "
                             f"{X.shape}; reshape a single feature with X.reshape(-1, 1)")
        if len(X) == 0:
            raise ValueError(f"{caller}: X has no rows")
        if numeric:
            if X.dtype.kind not in "biuf":
                raise TypeError(f"{caller}: expected numbers, got dtype {X.dtype}")
            if X.dtype.kind != "f":
                X = X.astype(np.float64)
        if method != "fit":
            if not hasattr(self, "n_features_in_"):
                raise RuntimeError(f"{caller}: this {type(self).__name__} is not fitted yet; "
                                   "call fit first")
            if X.shape[1] != self.n_features_in_:
                raise ValueError(f"{caller}: X has {X.shape[1]} features, but this "
                                 f"{type(self).__name__} was fitted with {self.n_features_in_}")
        return X


def _nonzero_scale(scale: np.ndarray) -> np.ndarray:
    """A constant feature has scale 0; use 1 for it so it is shifted but not divided by 0."""
    return np.where(scale == 0.0, 1.0, scale)


class StandardScaler(Transformer):
    """z = (x - mean) / std per feature (std with ddof=0; a constant feature keeps scale 1)."""

    def __init__(self, with_mean: bool = True, with_std: bool = True):
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X: Any) -> StandardScaler:
        X = self._check(X, "fit")
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = X.shape[0]
        # as in scikit-learn, mean_ is kept whenever either step needs the data's statistics
        self.mean_ = X.mean(axis=0) if self.with_mean or self.with_std else None
        self.var_ = X.var(axis=0) if self.with_std else None
        self.scale_ = _nonzero_scale(np.sqrt(self.var_)) if self.with_std else None
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._check(X, "transform")
        if self.with_mean:
            X = X - self.mean_
        return X / self.scale_ if self.with_std else X.copy()

    def inverse_transform(self, X: Any) -> np.ndarray:
        X = self._check(X, "inverse_transform")
        if self.with_std:
            X = X * self.scale_
        return X + self.mean_ if self.with_mean else X.copy()


class MinMaxScaler(Transformer):
    """x' = (x - min) / (max - min) * (hi - lo) + lo per feature, written x * scale_ + min_."""

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)):
        self.feature_range = feature_range

    def fit(self, X: Any) -> MinMaxScaler:
        low, high = self.feature_range
        if not low < high:
            raise ValueError(f"MinMaxScaler.fit: feature_range must be (low, high) with "
                             f"low < high, got {self.feature_range}")
        X = self._check(X, "fit")
        self.n_features_in_ = X.shape[1]
        self.n_samples_seen_ = X.shape[0]
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (high - low) / _nonzero_scale(self.data_range_)
        self.min_ = low - self.data_min_ * self.scale_
        return self

    def transform(self, X: Any) -> np.ndarray:
        return self._check(X, "transform") * self.scale_ + self.min_

    def inverse_transform(self, X: Any) -> np.ndarray:
        return (self._check(X, "inverse_transform") - self.min_) / self.scale_


class OneHotEncoder(Transformer):
    """Each categorical column becomes one 0/1 column per category (dense float64 output).

    `categories_[j]` holds column j's sorted categories. A category not seen in
    fit raises in transform, or gives an all-zero block with handle_unknown="ignore".
    """

    def __init__(self, handle_unknown: str = "error"):
        if handle_unknown not in ("error", "ignore"):
            raise ValueError(f"OneHotEncoder: handle_unknown must be 'error' or 'ignore', "
                             f"got {handle_unknown!r}")
        self.handle_unknown = handle_unknown

    def fit(self, X: Any) -> OneHotEncoder:
        X = self._check(X, "fit", numeric=False)
        self.n_features_in_ = X.shape[1]
        self.categories_ = [np.unique(X[:, j]) for j in range(X.shape[1])]
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._check(X, "transform", numeric=False)
        rows = np.arange(len(X))
        blocks = []
        for j, categories in enumerate(self.categories_):
            codes = np.searchsorted(categories, X[:, j]).clip(max=len(categories) - 1)
            known = categories[codes] == X[:, j]
            if not known.all() and self.handle_unknown == "error":
                unknown = np.unique(X[~known, j]).tolist()
                raise ValueError(f"OneHotEncoder.transform: column {j} has categories {unknown} "
                                 "not seen in fit (pass handle_unknown='ignore' to allow them)")
            block = np.zeros((len(X), len(categories)))
            block[rows[known], codes[known]] = 1.0
            blocks.append(block)
        return np.concatenate(blocks, axis=1)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """The category of each block's 1 (None for an all-zero block of an unknown category)."""
        X = np.asarray(X)
        widths = [len(c) for c in self.categories_]
        if X.ndim != 2 or X.shape[1] != sum(widths):
            raise ValueError(f"OneHotEncoder.inverse_transform: expected shape (n, {sum(widths)}), "
                             f"got {X.shape}")
        starts = np.cumsum([0, *widths[:-1]])
        columns = []
        for categories, start, width in zip(self.categories_, starts, widths, strict=True):
            block = X[:, start:start + width]
            column = categories[block.argmax(axis=1)].astype(object)
            column[block.max(axis=1) == 0] = None
            columns.append(column)
        result = np.stack(columns, axis=1)
        if not (result == None).any():  # noqa: E711  (elementwise comparison)
            result = result.astype(np.result_type(*self.categories_))
        return result


class PolynomialFeatures(Transformer):
    """Every product of features up to `degree`: [1, a, b, a², ab, b²] for (a, b) and degree 2.

    The columns come in scikit-learn's order (by degree, then lexicographically);
    `powers_[i, j]` is the exponent of feature j in output column i.
    """

    def __init__(self, degree: int = 2, interaction_only: bool = False, include_bias: bool = True):
        if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 0:
            raise ValueError(f"PolynomialFeatures: degree must be an integer >= 0, got {degree!r}")
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def fit(self, X: Any) -> PolynomialFeatures:
        X = self._check(X, "fit")
        self.n_features_in_ = X.shape[1]
        combine = combinations if self.interaction_only else combinations_with_replacement
        start = 0 if self.include_bias else 1
        self._combos = list(chain.from_iterable(
            combine(range(X.shape[1]), d) for d in range(start, self.degree + 1)))
        self.powers_ = np.array([np.bincount(c, minlength=X.shape[1]) for c in self._combos],
                                dtype=np.int64).reshape(len(self._combos), X.shape[1])
        self.n_output_features_ = len(self._combos)
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = self._check(X, "transform")
        out = np.empty((len(X), self.n_output_features_), dtype=X.dtype)
        for i, combo in enumerate(self._combos):
            out[:, i] = np.prod(X[:, list(combo)], axis=1)
        return out
