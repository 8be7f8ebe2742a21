"""Composites: functions built only from Tensor ops, so the engine differentiates them.

Nothing here writes a derivative by hand. The numerically delicate ones
(logsumexp, log_softmax, softplus, the cross-entropies) are written in forms
that never overflow: see each docstring.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu import dtypes, rng
from tinygrad_edu.ops import conv, elementwise, linalg, product, scan, special
from tinygrad_edu.ops import einsum as einsum_ops
from tinygrad_edu.ops import loss as loss_ops
from tinygrad_edu.ops import pad as pad_ops
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


# ------------------------------------------------- convolution and pooling


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
           dilation: int | tuple[int, int] = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of x (N, C, H, W) with weight (O, C/groups, kh, kw), plus
    bias (O,), as torch.nn.functional.conv2d.

    Built from ops: the columns im2col(x), one matrix product per group with the
    weight, and the bias. The engine keeps the columns as the product's input, so the
    weight's gradient reuses them instead of unfolding x again (the single op
    conv.Conv2d computes the same thing and is what docs/ops.md derives)."""
    if groups < 1:
        raise ValueError(f"conv2d: groups must be positive, got {groups}")
    x, weight, *bias = _same_float((x, weight) if bias is None else (x, weight, bias))
    conv.check_conv_shapes(x, weight, tuple(bias), groups)
    window = {"kernel_size": weight.shape[2:],
              "stride": conv.as_pair("conv2d", "stride", stride, 1),
              "padding": conv.as_pair("conv2d", "padding", padding, 0),
              "dilation": conv.as_pair("conv2d", "dilation", dilation, 1)}
    oh, ow = conv.output_size("conv2d", x.shape[2:], *window.values())
    y = conv.grouped_product(conv.Im2Col.apply(x, **window), weight, groups, (oh, ow))
    return y + bias[0].reshape(-1, 1, 1) if bias else y


def _same_float(tensors: tuple[Tensor, ...]) -> list[Tensor]:
    """The operands of a layer op in one float dtype, promoted as PyTorch would."""
    dtype = dtypes.floating(dtypes.result_type([t.dtype for t in tensors], [], []))
    return [t.astype(dtype) for t in tensors]


def _window(op: str, kernel_size, stride, padding) -> dict:
    kernel = conv.as_pair(op, "kernel_size", kernel_size, 1)
    return {"kernel_size": kernel,
            "stride": kernel if stride is None else conv.as_pair(op, "stride", stride, 1),
            "padding": conv.as_pair(op, "padding", padding, 0)}


def max_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None, padding: int | tuple[int, int] = 0,
               dilation: int | tuple[int, int] = 1) -> Tensor:
    """The maximum of each window (stride defaults to the kernel size), as PyTorch."""
    if x.dtype.kind != "f":
        raise TypeError(f"max_pool2d: needs a float input, got dtype {x.dtype}")
    return conv.MaxPool2d.apply(x, **_window("max_pool2d", kernel_size, stride, padding),
                                dilation=conv.as_pair("max_pool2d", "dilation", dilation, 1))


def avg_pool2d(x: Tensor, kernel_size: int | tuple[int, int],
               stride: int | tuple[int, int] | None = None,
               padding: int | tuple[int, int] = 0) -> Tensor:
    """The mean of each window, zero padding included (PyTorch's count_include_pad=True)."""
    return conv.AvgPool2d.apply(x._floating(), **_window("avg_pool2d", kernel_size, stride,
                                                         padding))


def unfold(x: Tensor, kernel_size: int | tuple[int, int], dilation: int | tuple[int, int] = 1,
           padding: int | tuple[int, int] = 0, stride: int | tuple[int, int] = 1) -> Tensor:
    """im2col: every window of x (N, C, H, W) as a column of (N, C·kh·kw, L), as
    torch.nn.functional.unfold."""
    return conv.Im2Col.apply(x, kernel_size=conv.as_pair("unfold", "kernel_size", kernel_size, 1),
                             stride=conv.as_pair("unfold", "stride", stride, 1),
                             padding=conv.as_pair("unfold", "padding", padding, 0),
                             dilation=conv.as_pair("unfold", "dilation", dilation, 1))


def fold(x: Tensor, output_size: int | tuple[int, int], kernel_size: int | tuple[int, int],
         dilation: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
         stride: int | tuple[int, int] = 1) -> Tensor:
    """col2im: columns (N, C·kh·kw, L) added back into images (N, C, H, W), as
    torch.nn.functional.fold (overlapping windows add up)."""
    return conv.Col2Im.apply(x, image_size=conv.as_pair("fold", "output_size", output_size, 1),
                             kernel_size=conv.as_pair("fold", "kernel_size", kernel_size, 1),
                             stride=conv.as_pair("fold", "stride", stride, 1),
                             padding=conv.as_pair("fold", "padding", padding, 0),
                             dilation=conv.as_pair("fold", "dilation", dilation, 1))


PAD_MODES = {"constant": None, "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """x with a border, as torch.nn.functional.pad: `pad` = (left, right) for the last
    axis, then (top, bottom) for the one before, and so on. A negative width crops.

    "constant" is the `pad` op; "reflect", "replicate" and "circular" are indexing
    with an index array (np.pad of arange), so getitem carries their gradients.
    """
    if mode not in PAD_MODES:
        raise ValueError(f"pad: mode must be one of {sorted(PAD_MODES)}, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: needs an even number of widths, at most 2 per axis; got "
                         f"{len(pad)} for a tensor of shape {x.shape}")
    widths = [(0, 0)] * (x.ndim - len(pad) // 2) + [
        (int(pad[i]), int(pad[i + 1])) for i in range(len(pad) - 2, -1, -2)]
    crop = tuple(slice(-min(b, 0), n + min(a, 0)) for (b, a), n in zip(widths, x.shape))
    if any(w < 0 for pair in widths for w in pair):
        x = x[crop]
    widths = tuple((max(b, 0), max(a, 0)) for b, a in widths)
    if mode == "constant":
        return pad_ops.Pad.apply(x, widths=widths, value=value)
    index = tuple(np.pad(np.arange(n), w, mode=PAD_MODES[mode]).reshape(
        [-1 if d == axis else 1 for d in range(x.ndim)])
        for axis, (n, w) in enumerate(zip(x.shape, widths)))
    return x[index]


# ---------------------------------------------------------- sums and products


def cumsum(x: Tensor, axis: int) -> Tensor:
    """Running sums along `axis` (torch.cumsum(x, dim); integers give int64)."""
    (axis,) = normalize_axes("cumsum", axis, max(x.ndim, 1))
    if x.ndim == 0:
        return scan.Cumsum.apply(x.reshape(1), axis=0).reshape()
    return scan.Cumsum.apply(x, axis=axis)


def prod(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The product of the elements over the axes (the op: exact at zeros)."""
    return product.Prod.apply(x, axis=normalize_axes("prod", axis, x.ndim), keepdims=keepdims)


def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Sums of products named by letters, as numpy.einsum and torch.einsum ("ij,jk->ik",
    "bij,bjk->bik", "...ij->...ji", "i,i->"); "..." and implicit outputs work, a
    letter repeated inside one operand (a diagonal) does not."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    tensors = [o if isinstance(o, Tensor) else Tensor(o) for o in operands]
    equation = einsum_ops.normalize_equation(equation, [t.shape for t in tensors])
    dtype = np.result_type(*(t.dtype for t in tensors))
    return einsum_ops.Einsum.apply(*(t.astype(dtype) for t in tensors), equation=equation)


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


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx)) / β, finite for any x (the op: its derivative is sigmoid(βx)).

    As in PyTorch, where βx > threshold the result is x itself (the two differ by
    less than e^-threshold there), so values and slopes equal torch's.
    """
    x = x._floating()
    scaled = x if beta == 1 else x * beta
    smooth = elementwise.Softplus.apply(scaled)
    smooth = smooth if beta == 1 else smooth / beta
    return where(scaled.data > threshold, x, smooth)


def log_sigmoid(x: Tensor) -> Tensor:
    """log σ(x) = -softplus(-x), finite for any x (no threshold: PyTorch has none here)."""
    return -elementwise.Softplus.apply(-x._floating())


logsigmoid = log_sigmoid  # PyTorch's spelling


def silu(x: Tensor) -> Tensor:
    """x σ(x) (also called swish)."""
    return x * x.sigmoid()


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(eˣ - 1) otherwise: where(x > 0, ...), so the slope at 0 is α,
    as in PyTorch."""
    x = x._floating()
    return where(x.data > 0, x, (x.exp() - 1.0) * alpha)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x Φ(x) = x (1 + erf(x/√2)) / 2, PyTorch's default; approximate="tanh" gives
    x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2. Both composites of ops (erf is one)."""
    x = x._floating()
    if approximate == "none":
        return x * (special.Erf.apply(x * _SQRT_HALF) + 1.0) * 0.5
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_TWO_OVER_PI
        return x * (inner.tanh() + 1.0) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


_SQRT_HALF = 0.5 ** 0.5
_SQRT_TWO_OVER_PI = (2 / np.pi) ** 0.5


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
    loss = elementwise.Softplus.apply(input._floating()) - target * input
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
