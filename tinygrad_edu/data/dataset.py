"""Datasets: anything with a length that returns one sample per index.

A sample is usually a tuple `(features, label)`, but it can be any structure
`default_collate` understands: arrays, Tensors, numbers, strings, and lists,
tuples or dicts of them. The DataLoader asks a dataset for whole batches
through `Dataset.batch(indices)`: the default fetches the samples one by one
and collates them, and `TensorDataset` overrides it with a single
fancy-indexing step per array, which is what makes batching fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.data.collate import default_collate
from tinygrad_edu.tensor import Tensor


class Dataset:
    """Base class: subclasses define `__len__` and `__getitem__(i) -> sample`."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def batch(self, indices: np.ndarray) -> Any:
        """The samples at `indices`, collated by `default_collate`: a batch with the
        structure of one sample, each array/number stacked along a new first axis."""
        return default_collate([self[int(i)] for i in indices])


class TensorDataset(Dataset):
    """Arrays (or Tensors) that share their first axis: sample i is `(a[i], b[i], ...)`.

        ds = TensorDataset(X, y)     # X (N, D) float, y (N,) int
        x0, y0 = ds[0]               # Tensors of shape (D,) and ()

    Float64 NumPy input becomes float32, as `Tensor` does; a Tensor keeps its dtype.
    """

    def __init__(self, *arrays: Tensor | np.ndarray | Sequence):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        tensors = [a if isinstance(a, Tensor) else Tensor(a) for a in arrays]
        shapes = [t.shape for t in tensors]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(f"TensorDataset: every array needs a first axis, got shapes {shapes}")
        if len({s[0] for s in shapes}) > 1:
            raise ValueError(
                f"TensorDataset: arrays must have the same length, got shapes {shapes}")
        self.arrays: tuple[np.ndarray, ...] = tuple(t.data for t in tensors)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(_as_tensor(a[index]) for a in self.arrays)

    def batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """One fancy-indexing step per array: no Python loop over samples."""
        return tuple(_as_tensor(a[indices]) for a in self.arrays)


def _as_tensor(array: np.ndarray) -> Tensor:
    """A Tensor with exactly the array's dtype (no float64 -> float32 conversion)."""
    array = np.asarray(array)
    return Tensor(array, dtype=array.dtype)
