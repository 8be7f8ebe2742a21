"""Picking elements along one axis by index, and its adjoint (PyTorch's gather and
scatter_add, NumPy's take_along_axis).

`index` has the input's number of dimensions; along `axis` it says which element
to take, and on every other axis d it may be shorter than the input (PyTorch
allows that), so element [i, j] of a gather on axis 0 is x[index[i, j], j].
`gather` and `scatter_add_along_axis` are each other's adjoint: the backward of
one is the other, so second derivatives through sort, gather and max-pooling work.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.pad import Pad
from tinygrad_edu.ops.tangents import linear_jvp
from tinygrad_edu.ops.tensor_or_array import apply_op


def along_axis(index: np.ndarray, axis: int) -> tuple[np.ndarray, ...]:
    """The full NumPy index that `index` along `axis` stands for: `index` itself on
    `axis`, and on every other axis d the positions 0..index.shape[d]-1."""
    grid = np.ogrid[tuple(slice(n) for n in index.shape)]
    return tuple(index if d == axis else g for d, g in enumerate(grid))


def check_index(op: str, index: np.ndarray, shape: tuple[int, ...], axis: int,
                other: tuple[int, ...] | None = None) -> None:
    """Raise when `index` does not fit an input of `shape` (and a source of shape
    `other`), naming the op and the shapes."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {index.dtype}")
    fits = index.ndim == len(shape) and all(
        i <= n for d, (i, n) in enumerate(zip(index.shape, shape)) if d != axis)
    if other is not None:
        fits = fits and index.ndim == len(other) and all(
            i <= n for i, n in zip(index.shape, other))
    if not fits:
        raise ValueError(f"{op}: index of shape {index.shape} does not fit an input of shape "
                         f"{shape}" + ("" if other is None else f" and a source of shape {other}")
                         + f" along axis {axis}")
    if index.size and (index.min() < 0 or index.max() >= shape[axis]):
        bad = int(index.min()) if index.min() < 0 else int(index.max())
        raise IndexError(f"{op}: index {bad} is out of range for axis {axis} of size "
                         f"{shape[axis]} (indices run from 0 to {shape[axis] - 1})")


class Gather(Function):
    """y[..., i, ...] = x[..., index[..., i, ...], ...] along `axis` (torch.gather);
    dL/dx = scatter_add_along_axis(g): zeros of x's shape with g added at the index
    (an element picked twice gets both gradients);  ẏ = gather(ẋ) (linear)
    """

    name = "gather"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, axis, index):
        check_index("gather", index, x.shape, axis)
        return x[along_axis(index, axis)]

    @staticmethod
    def backward(ctx, grad):
        return apply_op(ScatterAddAlongAxis, grad, shape=ctx.input_shapes[0], **ctx.params)


class ScatterAddAlongAxis(Function):
    """y = zeros(shape) with x[..., i, ...] added at [..., index[..., i, ...], ...] along
    `axis` (torch.zeros(shape).scatter_add_(axis, index, x));
    dL/dx = gather(g) at the same index;  ẏ = scatter_add_along_axis(ẋ) (linear)
    """

    name = "scatter_add_along_axis"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, shape, axis, index):
        check_index("scatter_add", index, shape, axis, other=x.shape)
        out = np.zeros(shape, dtype=x.dtype)
        np.add.at(out, along_axis(index, axis), x[tuple(slice(n) for n in index.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        index = ctx.params["index"]
        picked = apply_op(Gather, grad, axis=ctx.params["axis"], index=index)
        source = ctx.input_shapes[0]
        if picked.shape == source:
            return picked
        # elements of x beyond the index's extent were not scattered: their gradient is 0
        widths = tuple((0, n - m) for m, n in zip(picked.shape, source))
        return apply_op(Pad, picked, widths=widths, value=0)
