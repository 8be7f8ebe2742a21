"""Ops that move elements around without computing new values.

Their derivatives move the gradient back: reshape undoes reshape, transpose
undoes transpose, expand is undone by summing, and indexing is undone by
scattering the gradient into zeros (`scatter_add`, the adjoint of `getitem`).
Every one of them is linear, so in forward mode each moves the tangents just as
it moves the values: ẏ = op(ẋ) (`linear_jvp`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.broadcast import unbroadcast
from tinygrad_edu.ops.reduce import normalize_axes
from tinygrad_edu.ops.tangents import linear_jvp
from tinygrad_edu.ops.tensor_or_array import apply_op
from tinygrad_edu.tensor import Tensor


class Reshape(Function):
    """y = x with a new shape (same elements, same order);  dL/dx = g reshaped to x's shape;
    ẏ = ẋ reshaped
    """

    name = "reshape"
    jvp = staticmethod(linear_jvp)
    returns_view = True

    @staticmethod
    def forward(x, shape):
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                f"into {shape}"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shapes[0])


class Transpose(Function):
    """y = x with its axes permuted;  dL/dx = g permuted back (by the inverse permutation);
    ẏ = ẋ permuted
    """

    name = "transpose"
    jvp = staticmethod(linear_jvp)
    returns_view = True

    @staticmethod
    def forward(x, axes):
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} axes")
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*(int(i) for i in np.argsort(ctx.params["axes"])))


def expanded_shape(shape: tuple[int, ...], target: tuple[int, ...]) -> tuple[int, ...]:
    """The shape `expand(target)` gives: -1 keeps a size; only size-1 axes may grow."""
    added = len(target) - len(shape)
    result = list(target)
    ok = added >= 0
    for i, n in enumerate(shape):
        if not ok:
            break
        wanted = target[added + i]
        if wanted == -1:
            result[added + i] = n
        ok = n in (1, result[added + i])
    if not ok or any(n < 0 for n in result):
        raise ValueError(f"expand: cannot expand a tensor of shape {shape} to {target}")
    return tuple(result)


class Clone(Function):
    """y = a copy of x in its own memory;  dL/dx = g;  ẏ = ẋ"""

    name = "clone"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Expand(Function):
    """y = x broadcast to a larger shape;  dL/dx = g summed over the copied axes;
    ẏ = ẋ broadcast
    """

    name = "expand"
    jvp = staticmethod(linear_jvp)
    returns_view = True

    @staticmethod
    def forward(x, shape):
        return np.broadcast_to(x, expanded_shape(x.shape, shape))

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.input_shapes[0])


def normalize_index(index: Any) -> Any:
    """An index NumPy understands: Tensors and lists inside it become arrays (an
    empty list an empty integer array: it selects nothing, as in NumPy)."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index) if index else np.zeros(0, dtype=np.intp)
    return index


def _has_integer_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)


class GetItem(Function):
    """y = x[index] (slices, integers, integer arrays, boolean masks);
    dL/dx = zeros of x's shape with g added at `index` (repeated indices add up);
    ẏ = ẋ[index]
    """

    name = "getitem"
    jvp = staticmethod(linear_jvp)
    returns_view = True  # a slice is a view (an integer-array index copies)

    @staticmethod
    def forward(x, index):
        try:
            return x[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor shape {x.shape})") from None

    @staticmethod
    def backward(ctx, grad):
        return apply_op(ScatterAdd, grad, shape=ctx.input_shapes[0], index=ctx.params["index"])


class ScatterAdd(Function):
    """y = zeros(shape) with x added at `index` (the adjoint of getitem);  dL/dx = g[index];
    ẏ = zeros(shape) with ẋ added at `index`
    """

    name = "scatter_add"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, shape, index):
        out = np.zeros(shape, dtype=x.dtype)
        if _has_integer_array(index):
            np.add.at(out, index, x)  # an index may repeat, and each copy adds
        else:
            out[index] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.params["index"]]


class Concatenate(Function):
    """y = [x₁, x₂, …] joined along an axis;  dL/dxᵢ = the slice of g where xᵢ went;
    ẏ = [ẋ₁, ẋ₂, …] joined (zeros for an input without a tangent)
    """

    name = "concatenate"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(*xs, axis):
        (axis,) = normalize_axes("concatenate", axis, xs[0].ndim)
        first = xs[0].shape
        for x in xs[1:]:
            if x.ndim != len(first) or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, first)) if i != axis
            ):
                raise ValueError(
                    f"concatenate: shapes {first} and {x.shape} differ outside axis {axis}"
                )
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        (axis,) = normalize_axes("concatenate", ctx.params["axis"], grad.ndim)
        grads, start = [], 0
        for shape, needed in zip(ctx.input_shapes, ctx.needs_input_grad):
            stop = start + shape[axis]
            piece = (slice(None),) * axis + (slice(start, stop),)
            grads.append(grad[piece] if needed else None)
            start = stop
        return tuple(grads)
