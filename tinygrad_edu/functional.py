"""Composites: functions built only from Tensor ops, so the engine differentiates them.

Nothing here writes a derivative by hand. The numerically delicate ones
(logsumexp, log_softmax, softplus, the cross-entropies) are written in forms
that never overflow: see each docstring.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import rng
from tinygrad_edu.ops import elementwise, linalg
from tinygrad_edu.ops import loss as loss_ops
from tinygrad_edu.ops.reduce import normalize_axes
from tinygrad_edu.tensor import Axis, Tensor, constant, where

REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------- statistics


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σx / n over the axes."""
    count = _count(x, normalize_axes("mean", axis, x.ndim))
    return x.sum(axis, keepdims) / float(count)


def var(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Σ(x - mean)² / (n - ddof) over the axes.

    With ddof >= n there are no degrees of freedom left; PyTorch returns NaN or
    inf there, and this raises a ValueError instead, naming n and ddof (so does
    `std`), because a NaN that surfaces epochs later is harder to trace.
    """
    return _variance("var", x, axis, keepdims, ddof)


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """√var: the standard deviation over the axes (ddof as in `var`)."""
    return _variance("std", x, axis, keepdims, ddof).sqrt()


def _variance(caller: str, x: Tensor, axis: Axis, keepdims: bool, ddof: int) -> Tensor:
    count = _count(x, normalize_axes(caller, axis, x.ndim))
    if count - ddof <= 0:
        raise ValueError(f"{caller}: {count} elements with ddof={ddof} leave no degrees of "
                         "freedom")
    centered = x - x.mean(axis, keepdims=True)
    return (centered * centered).sum(axis, keepdims) / float(count - ddof)


def _count(x: Tensor, axes: tuple[int, ...]) -> int:
    return int(np.prod([x.shape[a] for a in axes]))


# ---------------------------------------------------------------- layers


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b, with W of shape (out, in) as in PyTorch (one fused op)."""
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return linalg.Linear.apply(*inputs)


# ---------------------------------------------------------------- activations


def relu(x: Tensor) -> Tensor:
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise (so the slope at 0 is negative_slope,
    as in PyTorch: a layer started at zero still trains)."""
    return where(x.data > 0, x, x * negative_slope)


def softplus(x: Tensor) -> Tensor:
    """log(1 + eˣ), finite for any x (one op: its derivative is sigmoid(x))."""
    return elementwise.Softplus.apply(x._floating())


def log_sigmoid(x: Tensor) -> Tensor:
    """log σ(x) = -softplus(-x), finite for any x."""
    return -softplus(-x)


def logsumexp(x: Tensor, axis: Axis = -1, keepdims: bool = False) -> Tensor:
    """log Σ exp(x), computed as m + log Σ exp(x - m) with m = max(x).

    m is a constant: it cancels in the exact derivative, and exp(x - m) ≤ 1
    cannot overflow. Where the max is ±inf, m is 0 instead (as in PyTorch), so a
    row of -inf gives -inf and a row holding +inf gives +inf, not inf - inf = NaN.
    """
    peak = np.max(x.data, axis=axis, keepdims=True)
    shift = constant(np.where(np.isfinite(peak), peak, 0).astype(x.dtype))
    with np.errstate(divide="ignore"):  # log 0 = -inf for a row of -inf
        total = (x - shift).exp().sum(axis, keepdims=True).log() + shift
    return total if keepdims else total.squeeze(axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """x - logsumexp(x): log-probabilities, finite even for logits of ±1e4 (one fused op)."""
    return x.log_softmax(axis)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / Σ exp(x), computed as exp(log_softmax(x))."""
    return log_softmax(x, axis).exp()


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity in eval)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = rng.generator().random(x.shape) >= p
    return x * constant((keep / (1 - p)).astype(x.dtype))


# --------------------------------------------------------------------- losses


def _reduce(loss: Tensor, reduction: str, caller: str) -> Tensor:
    _check_reduction(reduction, caller)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _check_reduction(reduction: str, caller: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{caller}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _check_same_shape(caller: str, prediction: Tensor, target: Tensor) -> None:
    if prediction.shape != target.shape:
        raise ValueError(
            f"{caller}: input has shape {prediction.shape} but target has shape {target.shape}"
        )


def _as_target(target: Any, like: Tensor) -> Tensor:
    return target if isinstance(target, Tensor) else Tensor(target, dtype=like.dtype)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(input - target)², averaged."""
    target = _as_target(target, input)
    _check_same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def binary_cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p.

    Each log is clamped at -100 (as PyTorch does), so p = 0 or 1 gives a large
    finite loss instead of inf, and the gradient stays finite too (one op: see
    ops/loss.py). Prefer binary_cross_entropy_with_logits.
    """
    target = _as_target(target, input)
    _check_same_shape("binary_cross_entropy", input, target)
    if np.any((input.data < 0) | (input.data > 1)):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]")
    loss = loss_ops.BinaryCrossEntropy.apply(input, target)
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """BCE of σ(z): softplus(z) - y z, which equals -(y log σ(z) + (1-y) log(1-σ(z)))
    and stays finite for logits of any size."""
    target = _as_target(target, input)
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    loss = softplus(input) - target * input
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def _class_indices(caller: str, target: Any, n_rows: int, n_classes: int) -> np.ndarray:
    target = np.asarray(target.data if isinstance(target, Tensor) else target)
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{caller}: targets must be integer class indices, got dtype {target.dtype}"
        )
    if target.shape != (n_rows,):
        raise ValueError(f"{caller}: expected {n_rows} targets of shape ({n_rows},), "
                         f"got shape {target.shape}")
    bad = (target < 0) | (target >= n_classes)
    if bad.any():
        raise ValueError(
            f"{caller}: target {target[bad][0]} is out of range for {n_classes} classes"
        )
    return target


def nll_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-log p[target] for each row of log-probabilities (N, C) and integer targets (N,)."""
    return _negative_log_likelihood("nll_loss", input, target, reduction, log_softmax_first=False)


def cross_entropy(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of logits (N, C) with integer targets (N,): nll(log_softmax(z))."""
    return _negative_log_likelihood("cross_entropy", input, target, reduction,
                                    log_softmax_first=True)


def _negative_log_likelihood(caller: str, input: Tensor, target: Any, reduction: str,
                             log_softmax_first: bool) -> Tensor:
    """Checks the (N, C) input, its targets and the reduction once, then applies nll_loss."""
    if input.ndim != 2:
        what = "logits" if log_softmax_first else "log-probabilities"
        raise ValueError(f"{caller}: input must be (N, C) {what}, got shape {input.shape}")
    _check_reduction(reduction, caller)
    n_rows, n_classes = input.shape
    if n_rows == 0 and reduction == "mean":
        raise ValueError(f"{caller}: the mean over an empty batch (0 rows) is undefined")
    target = _class_indices(caller, target, n_rows, n_classes)
    log_p = log_softmax(input, axis=1) if log_softmax_first else input
    return loss_ops.NLLLoss.apply(log_p, target=target, reduction=reduction)


def hinge_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """max(0, 1 - y s) for scores s and labels y in {-1, +1}."""
    target = _as_target(target, input)
    _check_same_shape("hinge_loss", input, target)
    if not np.isin(target.data, (-1, 1)).all():
        raise ValueError("hinge_loss: targets must be -1 or +1")
    return _reduce((1.0 - target * input).relu(), reduction, "hinge_loss")


def epsilon_insensitive_loss(
    input: Tensor, target: Any, epsilon: float = 0.1, reduction: str = "mean"
) -> Tensor:
    """max(0, |input - target| - ε): errors smaller than ε cost nothing (as in SVR)."""
    target = _as_target(target, input)
    _check_same_shape("epsilon_insensitive_loss", input, target)
    if epsilon < 0:
        raise ValueError(f"epsilon_insensitive_loss: epsilon must be >= 0, got {epsilon}")
    return _reduce(((input - target).abs() - epsilon).relu(), reduction, "epsilon_insensitive_loss")
