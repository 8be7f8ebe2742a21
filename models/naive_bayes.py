"""Gaussian naive Bayes: classes are Gaussian blobs with independent features.

Each class c has a prior π_c, a mean θ_c and a variance σ²_c per feature. Bayes'
rule with the "naive" independence assumption gives, in log space,

    log P(c | x) = log π_c + Σ_f log N(x_f; θ_cf, σ²_cf) - log Z(x)
    log N(x; θ, σ²) = -½ log(2π σ²) - (x - θ)² / (2σ²)

and log Z(x) = logsumexp_c of the rest, so probabilities never underflow.
Every variance gets ε = var_smoothing · max_f Var(X_f) added, so a feature that
is constant within a class does not divide by zero.

Fitting is one pass over the data: O(n·d) time; prediction O(m·C·d).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

import tinygrad_edu.functional as F
from models._groups import group_means
from models._validation import encode_classes, fit_input, predict_input
from tinygrad_edu import Tensor, no_grad, stack


def class_statistics(X: np.ndarray, codes: np.ndarray, n_classes: int):
    """(counts, means, variances) of the rows of X in each class, as (C,), (C, d), (C, d).

    Means and counts come from `group_means`; the variances are a second pass,
    σ²_c = mean over class c of (x - θ_c)², as numpy.var computes them.
    """
    counts, means = group_means(X, codes, n_classes)
    with no_grad():
        centered = Tensor(X, dtype=np.float64) - Tensor(means, dtype=np.float64)[codes]
        _, variances = group_means((centered * centered).numpy(), codes, n_classes)
    return counts, means, variances


def merge_statistics(n_a, mean_a, var_a, n_b, mean_b, var_b):
    """Counts, means and variances of two batches combined (Chan, Golub & LeVeque):

        n = n_a + n_b,   θ = (n_a θ_a + n_b θ_b) / n,
        σ² = (n_a σ²_a + n_b σ²_b + n_a n_b / n · (θ_a - θ_b)²) / n.
    """
    n = n_a + n_b
    safe = np.maximum(n, 1.0)[:, None]
    mean = (n_a[:, None] * mean_a + n_b[:, None] * mean_b) / safe
    spread = (n_a * n_b)[:, None] / safe * (mean_a - mean_b) ** 2
    var = (n_a[:, None] * var_a + n_b[:, None] * var_b + spread) / safe
    return n, mean, var


class GaussianNB(ClassifierMixin, BaseEstimator):
    """Gaussian naive Bayes with scikit-learn's parameters (`priors`, `var_smoothing`)."""

    def __init__(self, *, priors: Any = None, var_smoothing: float = 1e-9):
        self.priors = priors
        self.var_smoothing = var_smoothing

    def fit(self, X: Any, y: Any) -> GaussianNB:
        """Forget any previous fit and estimate π, θ, σ² from (X, y)."""
        X, y = fit_input(self, X, y)
        classes, codes = encode_classes(y)
        self._start(classes, X.shape[1])
        self._update(X, codes)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> GaussianNB:
        """Update the statistics with one more batch; `classes` is required on the first call."""
        first_call = not hasattr(self, "classes_")
        if first_call and classes is None:
            raise ValueError("GaussianNB.partial_fit: classes must be given on the first call")
        X, y = fit_input(self, X, y, reset=first_call)
        if first_call:
            self._start(encode_classes(np.asarray(classes))[0], X.shape[1])
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ValueError(f"GaussianNB.partial_fit: labels {unknown} are not in "
                             f"classes {self.classes_}")
        self._update(X, np.searchsorted(self.classes_, y))
        return self

    def _start(self, classes: np.ndarray, n_features: int) -> None:
        """Empty statistics for `classes`; validates `priors`."""
        check_priors(self.priors, len(classes))
        self.classes_ = classes
        self.class_count_ = np.zeros(len(classes))
        self.theta_ = np.zeros((len(classes), n_features))
        self.var_ = np.zeros((len(classes), n_features))
        self.epsilon_ = 0.0

    def _update(self, X: np.ndarray, codes: np.ndarray) -> None:
        """Merge one batch into the running statistics, then re-add the smoothing ε."""
        batch = class_statistics(X, codes, len(self.classes_))
        raw_var = self.var_ - self.epsilon_
        self.class_count_, self.theta_, raw_var = merge_statistics(
            self.class_count_, self.theta_, raw_var, *batch
        )
        self.epsilon_ = self.var_smoothing * np.var(X, axis=0).max()
        self.var_ = raw_var + self.epsilon_
        if self.priors is None:
            self.class_prior_ = self.class_count_ / self.class_count_.sum()
        else:
            self.class_prior_ = np.asarray(self.priors, dtype=np.float64)

    def _joint_log_likelihood(self, X: np.ndarray) -> Tensor:
        """log π_c + Σ_f log N(x_f; θ_cf, σ²_cf) for every row x and class c, as (m, C).

        Σ_f (x_f - θ_cf)² / σ²_cf is computed from the differences, one class at a
        time ((m, d) each). Expanding it like a squared distance, x²/σ² - 2xθ/σ² + θ²/σ²,
        would be two matrix products, but it cancels: a constant feature of 1e5 has
        σ² = ε ≈ 1e-10, so the three terms are ~1e20 and their sum should be 0.
        """
        with no_grad():
            x = Tensor(X, dtype=np.float64)
            columns = []
            for theta, var in zip(self.theta_, self.var_):
                gap = x - Tensor(theta, dtype=np.float64)
                columns.append((gap * gap / Tensor(var, dtype=np.float64)).sum(axis=1))
            mahalanobis = stack(columns, axis=1)
            var = Tensor(self.var_, dtype=np.float64)
            log_norm = -0.5 * (2.0 * np.pi * var).log().sum(axis=1)
            with np.errstate(divide="ignore"):  # a prior of 0 gives log π = -inf
                log_prior = Tensor(np.log(self.class_prior_), dtype=np.float64)
            return log_prior + log_norm - 0.5 * mahalanobis

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log P(c | x) = jll - logsumexp_c(jll)."""
        with no_grad():
            jll = self._joint_log_likelihood(predict_input(self, X))
            return (jll - F.logsumexp(jll, axis=1, keepdims=True)).numpy()

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(c | x) = exp(log P(c | x))."""
        return np.exp(self.predict_log_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """argmax_c of the joint log-likelihood (the normaliser Z(x) does not change it)."""
        jll = self._joint_log_likelihood(predict_input(self, X)).numpy()  # checks fitted first
        return self.classes_[np.argmax(jll, axis=1)]


def check_priors(priors: Any, n_classes: int) -> None:
    """Priors, when given, are n_classes non-negative numbers summing to 1."""
    if priors is None:
        return
    priors = np.asarray(priors, dtype=np.float64)
    if priors.shape != (n_classes,):
        raise ValueError(f"GaussianNB: got {priors.size} priors for {n_classes} classes")
    if not np.isclose(priors.sum(), 1.0):
        raise ValueError(f"GaussianNB: the priors must sum to 1, they sum to {priors.sum()}")
    if (priors < 0).any():
        raise ValueError("GaussianNB: the priors must be non-negative")
