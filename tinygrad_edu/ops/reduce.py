"""Reductions over axes: sum, max, min. (mean and var are composites in functional.py.)

`axis` is None (every axis), an int or a tuple of ints, negative counting from
the end, as in NumPy. The backward pass puts the reduced axes back as length-1
axes and then expands the gradient over them.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Context, ForwardContext, Function, Gradient
from tinygrad_edu.ops.tangents import linear_jvp
from tinygrad_edu.ops.tensor_or_array import expand, values


def normalize_axes(op: str, axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """`axis` as a sorted tuple of non-negative axes, or a clear error."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, answered at once
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        normalized.append(int(a) % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: axis {axis} repeats an axis")
    return tuple(sorted(normalized))


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced axes kept as length 1 (the keepdims=True shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def expand_back(ctx: Context, grad: Gradient) -> Gradient:
    """The output gradient, spread back over the reduced axes of the input.

    Without keepdims the reduced axes are first put back as length-1 axes; a
    0-d gradient (everything was reduced) expands as it is.
    """
    shape = ctx.input_shapes[0]
    if not ctx.params["keepdims"] and grad.ndim:
        grad = grad.reshape(kept_shape(shape, ctx.params["axis"]))
    return expand(grad, shape)


def reduction_jvp(ctx: ForwardContext, x_dot: np.ndarray) -> np.ndarray:
    """ẏ = Σ_axis (∂y/∂xᵢ) ẋᵢ for a reduction. Each xᵢ feeds one yⱼ, so the slopes
    ∂y/∂xᵢ are exactly what the op's backward rule passes back for g = 1 (ties
    and zeros are handled there, once)."""
    slopes = ctx.function.backward(ctx, np.ones(ctx.output.shape, ctx.output.dtype))
    return (slopes * x_dot).sum(axis=ctx.params["axis"], keepdims=ctx.params["keepdims"])


class Sum(Function):
    """y = Σ_axis x;  dL/dx = g copied along the summed axes;  ẏ = Σ_axis ẋ"""

    name = "sum"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, axis, keepdims):
        return x.sum(axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(ctx, grad)


def _extreme(op: str, choose: np.ufunc, x: np.ndarray, axis: tuple[int, ...],
             keepdims: bool) -> np.ndarray:
    """The max (choose = np.maximum) or min (np.minimum) over the axes, with a clear
    error when an axis reduced over is empty (an empty batch is fine otherwise)."""
    empty = [a for a in axis if x.shape[a] == 0]
    if empty:
        raise ValueError(f"{op}: axis {empty[0]} of a tensor of shape {x.shape} is empty, "
                         "and an empty set has no " + ("largest" if op == "max" else "smallest")
                         + " element")
    return choose.reduce(x, axis=axis, keepdims=keepdims)


def _extreme_backward(ctx: Context, grad: Gradient) -> Gradient:
    """The gradient goes to the extreme elements: all of it to a unique one, split
    evenly between ties. A NaN is the extreme of its slice (NumPy and PyTorch
    propagate it), so the gradient goes to the NaN."""
    x, axis = values(ctx.inputs[0]), ctx.params["axis"]
    extreme = values(ctx.output).reshape(kept_shape(x.shape, axis))
    hits = ((x == extreme) | (np.isnan(x) & np.isnan(extreme))).astype(x.dtype)
    return expand_back(ctx, grad) * (hits / hits.sum(axis=axis, keepdims=True))


class Max(Function):
    """y = max_axis x;  dL/dx = g at the maximum, 0 elsewhere (g/k each for k ties);
    ẏ = ẋ at the maximum (the mean of ẋ over k ties)
    """

    name = "max"

    @staticmethod
    def forward(x, axis, keepdims):
        return _extreme("max", np.maximum, x, axis, keepdims)

    backward = staticmethod(_extreme_backward)
    jvp = staticmethod(reduction_jvp)


class Min(Function):
    """y = min_axis x;  dL/dx = g at the minimum, 0 elsewhere (g/k each for k ties);
    ẏ = ẋ at the minimum (the mean of ẋ over k ties)
    """

    name = "min"

    @staticmethod
    def forward(x, axis, keepdims):
        return _extreme("min", np.minimum, x, axis, keepdims)

    backward = staticmethod(_extreme_backward)
    jvp = staticmethod(reduction_jvp)
