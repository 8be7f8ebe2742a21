"""Per-group sums and means with Tensor ops (class statistics, cluster centres)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu import Tensor, no_grad

BLOCK_ROWS = 4096


def group_sums(X: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(counts, sums): how many rows of X fall in each group, and their sum, as (G,), (G, d).

    With the one-hot matrix M (n, G), M_ig = [codes_i = g]: counts = Σ_i M_ig and
    sums = Mᵀ X. Mᵀ X is summed over blocks of 4,096 rows: OpenBLAS is very slow on one
    product whose inner dimension is n = 60,000 but whose outer one is G = 10 (2 s
    instead of 0.1 s on MNIST).
    """
    with no_grad():
        onehot = Tensor(np.eye(n_groups)[codes], dtype=np.float64)
        x = Tensor(X, dtype=np.float64)
        sums = Tensor(np.zeros((n_groups, X.shape[1])), dtype=np.float64)
        for start in range(0, len(X), BLOCK_ROWS):
            block = slice(start, start + BLOCK_ROWS)
            sums = sums + onehot[block].T @ x[block]
        return onehot.sum(axis=0).numpy(), sums.numpy()


def means_of_sums(counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """Each group's mean, sums / counts; an empty group gets mean 0."""
    with no_grad():
        safe = Tensor(np.maximum(counts, 1.0), dtype=np.float64).reshape(-1, 1)
        return (Tensor(sums, dtype=np.float64) / safe).numpy()


def group_means(X: np.ndarray, codes: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(counts, means): how many rows of X fall in each group, and their mean, as (G,), (G, d).
    An empty group gets mean 0."""
    counts, sums = group_sums(X, codes, n_groups)
    return counts, means_of_sums(counts, sums)
