"""DataLoader: cut a dataset into (optionally shuffled) mini-batches of Tensors.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader:          # one epoch; iterate again for the next
        ...

Each epoch draws a fresh permutation of `range(len(dataset))` and slices it
into batches, so every sample appears exactly once per epoch. A batch has the
structure of one sample (see `default_collate`): a TensorDataset gives tuples
of Tensors, a dataset of `[x, y]` lists gives lists, one of dicts gives dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import rng
from tinygrad_edu.data.dataset import Dataset


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` (for a TensorDataset, tuples of Tensors).

    shuffle:   a new random order every epoch. The order comes from the loader's
               own generator when `seed` is given (so two loaders with the same
               seed give the same sequence of epochs), otherwise from the global
               generator that `tinygrad_edu.manual_seed` seeds.
    drop_last: leave out the last batch when it is smaller than `batch_size`.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ):
        if not isinstance(dataset, Dataset):
            raise TypeError(
                f"DataLoader: dataset must be a Dataset (e.g. TensorDataset(X, y)), "
                f"got {type(dataset).__name__}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._generator = None if seed is None else np.random.default_rng(seed)

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        """One epoch of batches, each made by `dataset.batch(indices)`."""
        n = len(self.dataset)
        if self.shuffle:
            generator = self._generator if self._generator is not None else rng.generator()
            order = generator.permutation(n)
        else:
            order = np.arange(n)
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, n), self.batch_size):
            yield self.dataset.batch(order[start:start + self.batch_size])
