"""Composites that rearrange elements: flip, roll, tril/triu, repeat/tile, split/chunk,
sort/argsort, and gather/scatter along an axis.

None of these needs a backward rule of its own. Each is indexing (`getitem`,
whose adjoint `scatter_add` carries the gradient), `concatenate`, `where` with a
constant mask, `expand` and `reshape`, or the `gather` op: sorted values are the
input gathered at the argsort, so sort's gradient is gather's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.ops import gather as gather_ops
from tinygrad_edu.ops.reduce import normalize_axes
from tinygrad_edu.tensor import Axis, Tensor, as_tensor, concatenate, constant, where


def _one_axis(op: str, axis: int, ndim: int) -> int:
    (axis,) = normalize_axes(op, axis, max(ndim, 1))
    return axis


def _along(axis: int, part: slice) -> tuple:
    return (slice(None),) * axis + (part,)


def flip(x: Tensor, axis: Axis) -> Tensor:
    """x read backwards along each axis in `axis` (torch.flip(x, dims)): reversed slices."""
    axes = normalize_axes("flip", axis, x.ndim)
    return x[tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(x.ndim))]


def roll(x: Tensor, shifts: int | Sequence[int], axis: Axis = None) -> Tensor:
    """Elements shifted by `shifts` along `axis`, wrapping around (torch.roll): the two
    slices, concatenated the other way round. With axis=None the flattened tensor
    is rolled and reshaped back."""
    if axis is None:
        return roll(x.reshape(-1), shifts, 0).reshape(*x.shape)
    shift_list = [shifts] if isinstance(shifts, int) else list(shifts)
    axes = [axis] if isinstance(axis, int) else list(axis)
    if len(shift_list) != len(axes):
        raise ValueError(f"roll: {len(shift_list)} shifts for {len(axes)} axes")
    for shift, a in zip(shift_list, axes):
        a = _one_axis("roll", a, x.ndim)
        n = x.shape[a]
        if n == 0 or shift % n == 0:
            continue
        cut = n - shift % n
        x = concatenate([x[_along(a, slice(cut, None))], x[_along(a, slice(None, cut))]], a)
    return x


def _triangle(op: str, x: Tensor, diagonal: int, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{op}: needs at least 2 dimensions, got shape {x.shape}")
    rows, cols = x.shape[-2:]
    keep = (np.tri(rows, cols, diagonal, dtype=bool) if lower
            else ~np.tri(rows, cols, diagonal - 1, dtype=bool))
    return where(constant(keep), x, constant(np.zeros((), dtype=x.dtype)))


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (j - i <= diagonal kept, the rest 0)."""
    return _triangle("tril", x, diagonal, lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (j - i >= diagonal kept, the rest 0)."""
    return _triangle("triu", x, diagonal, lower=False)


def repeat(x: Tensor, *sizes: int) -> Tensor:
    """torch's Tensor.repeat (NumPy's tile): x copied sizes[a] times along each axis a.
    More sizes than axes add leading axes. Built as reshape, expand and reshape:
    (d₀, d₁) -> (1, d₀, 1, d₁) -> (r₀, d₀, r₁, d₁) -> (r₀d₀, r₁d₁)."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
    if len(sizes) < x.ndim or any(r < 0 for r in sizes):
        raise ValueError(f"repeat: {len(sizes)} non-negative sizes are needed for a tensor "
                         f"of shape {x.shape} (one per axis, or more), got {sizes}")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    spread = x.reshape(*[n for d in shape for n in (1, d)])
    copied = spread.expand(*[n for r, d in zip(sizes, shape) for n in (r, d)])
    return copied.reshape(*[r * d for r, d in zip(sizes, shape)])


def tile(x: Tensor, reps: Sequence[int] | int) -> Tensor:
    """torch.tile / numpy.tile: as `repeat`, with fewer reps than axes padded with 1s."""
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    return repeat(x, *((1,) * (x.ndim - len(reps)) + reps))


def split(x: Tensor, split_size_or_sections: int | Sequence[int], axis: int = 0
          ) -> tuple[Tensor, ...]:
    """Pieces along `axis` (torch.split): each of `split_size` elements (the last may be
    shorter), or of the given sizes, which must add up to the axis's length."""
    axis = _one_axis("split", axis, x.ndim)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections < 1:
            raise ValueError(f"split: split_size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the length of axis "
                             f"{axis} of shape {x.shape}")
    starts = np.cumsum([0, *sizes])
    return tuple(x[_along(axis, slice(int(a), int(b)))] for a, b in zip(starts, starts[1:]))


def chunk(x: Tensor, chunks: int, axis: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` pieces of ⌈n / chunks⌉ elements along `axis` (torch.chunk)."""
    if chunks < 1:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[_one_axis("chunk", axis, x.ndim)]
    return split(x, max(math.ceil(n / chunks), 1), axis)


def _index_array(op: str, index: Any) -> np.ndarray:
    index = np.asarray(index.data if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {index.dtype}")
    return index.astype(np.int64, copy=False)


def gather(x: Tensor, axis: int, index: Any) -> Tensor:
    """out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis` (torch.gather)."""
    axis = _one_axis("gather", axis, x.ndim)
    return gather_ops.Gather.apply(x, axis=axis, index=_index_array("gather", index))


def scatter_add(x: Tensor, axis: int, index: Any, src: Any) -> Tensor:
    """x with src[..., i, ...] added at [..., index[..., i, ...], ...] along `axis`
    (torch.scatter_add, out of place); repeated indices add up."""
    axis = _one_axis("scatter_add", axis, x.ndim)
    src = as_tensor(src, like=x)
    added = gather_ops.ScatterAddAlongAxis.apply(
        src, shape=x.shape, axis=axis, index=_index_array("scatter_add", index))
    return x + added


def scatter(x: Tensor, axis: int, index: Any, src: Any) -> Tensor:
    """x with src[..., i, ...] written at [..., index[..., i, ...], ...] along `axis`
    (torch.scatter, out of place): where(written, scattered src, x). Each place may be
    written once (PyTorch leaves the result of a repeated index undefined; this raises)."""
    axis = _one_axis("scatter", axis, x.ndim)
    index = _index_array("scatter", index)
    src = as_tensor(src, like=x)
    if src.ndim == 0:
        src = src.expand(*index.shape)
    gather_ops.check_index("scatter", index, x.shape, axis, other=src.shape)
    places = np.ravel_multi_index(gather_ops.along_axis(index, axis), x.shape)
    if np.unique(places).size != places.size:
        raise ValueError("scatter: an index repeats a place along axis "
                         f"{axis}, so the value written there would be undefined; use "
                         "scatter_add to add the values instead")
    written = np.zeros(x.shape, dtype=bool)
    written.flat[places.reshape(-1)] = True
    scattered = gather_ops.ScatterAddAlongAxis.apply(src, shape=x.shape, axis=axis, index=index)
    return where(constant(written), scattered, x)


class SortResult(NamedTuple):
    """What `sort` returns, as torch.sort does: the values and where they came from."""

    values: Tensor
    indices: Tensor


def argsort(x: Tensor, axis: int = -1, descending: bool = False) -> Tensor:
    """The indices that sort x along `axis` (int64; stable: ties keep their order)."""
    axis = _one_axis("argsort", axis, x.ndim)
    data = x.data if x.ndim else x.data.reshape(1)
    if descending:
        # reversing a stable ascending sort of the reversed data keeps ties in order
        flipped = np.flip(data, axis)
        order = np.flip(np.argsort(flipped, axis=axis, kind="stable"), axis)
        order = data.shape[axis] - 1 - order
    else:
        order = np.argsort(data, axis=axis, kind="stable")
    return constant(order.astype(np.int64).reshape(x.shape))


def sort(x: Tensor, axis: int = -1, descending: bool = False) -> SortResult:
    """(values, indices) sorted along `axis` (torch.sort, stable). The values are x
    gathered at the indices, so gradients flow back to where each value came from."""
    indices = argsort(x, axis, descending)
    if x.ndim == 0:
        return SortResult(x, indices)
    return SortResult(gather(x, axis, indices), indices)
