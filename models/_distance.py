"""Pairwise distances between the rows of two matrices, computed with Tensor ops.

Squared Euclidean distances use the expansion

    ||a - b||² = ||a||² - 2 a·b + ||b||²

so the whole (m, n) matrix is one matrix product plus two broadcast additions
(O(m·n·d) flops, but in BLAS). Manhattan and Minkowski distances have no such
trick: Σ_j |a_j - b_j|^p is accumulated one feature at a time, so memory stays
O(m·n) instead of O(m·n·d).

Large queries are cut into row chunks (`row_chunks`) so that one (chunk, n)
block of distances fits in a fixed memory budget.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tinygrad_edu import Tensor, no_grad

CHUNK_BYTES = 128 * 2**20  # one block of float64 distances: at most 128 MiB


def squared_norms(A: np.ndarray) -> np.ndarray:
    """||a_i||² for every row: worth keeping when the same matrix is queried again and again."""
    with no_grad():
        a = Tensor(A, dtype=A.dtype)
        return (a * a).sum(axis=1).numpy()


def squared_euclidean(A: np.ndarray, B: np.ndarray, A_norms: np.ndarray | None = None,
                      B_norms: np.ndarray | None = None) -> np.ndarray:
    """D[i, j] = ||a_i||² - 2 a_i·b_j + ||b_j||², clipped at 0 (rounding can go below).

    Precomputed `squared_norms` of A or B may be passed in (k-NN's training set,
    k-means' data) so they are not recomputed for every chunk or iteration.
    """
    A_norms = squared_norms(A) if A_norms is None else A_norms
    B_norms = squared_norms(B) if B_norms is None else B_norms
    with no_grad():
        a, b = Tensor(A, dtype=A.dtype), Tensor(B, dtype=B.dtype)
        a_norms = Tensor(A_norms, dtype=A.dtype).reshape(-1, 1)
        b_norms = Tensor(B_norms, dtype=B.dtype)
        return (a_norms - 2.0 * (a @ b.T) + b_norms).relu().numpy()  # relu: clip at 0


def euclidean_ranking(A: np.ndarray, B: np.ndarray, B_norms: np.ndarray) -> np.ndarray:
    """R[i, j] = ||b_j||² - 2 a_i·b_j: the squared distance less ||a_i||², which is the
    same for a whole row, so R ranks each row's candidates as the distance does.

    Leaving ||a_i||² (and the clip at 0) out saves two passes over the (m, n)
    block; -2 is folded into the small matrix A, which is exact (a power of two),
    and ||b_j||² is added in place, so no second (m, n) block is allocated.
    """
    with no_grad():
        a, b = Tensor(A, dtype=A.dtype), Tensor(B, dtype=B.dtype)
        ranking = ((a * -2.0) @ b.T).numpy()
    ranking += B_norms
    return ranking


def minkowski_power(A: np.ndarray, B: np.ndarray, p: float) -> np.ndarray:
    """D[i, j] = Σ_f |A[i, f] - B[j, f]|^p, the p-th power of the Minkowski distance."""
    with no_grad():
        a, b = Tensor(A, dtype=A.dtype), Tensor(B, dtype=B.dtype)
        total = Tensor(np.zeros((len(A), len(B))), dtype=A.dtype)
        for f in range(A.shape[1]):
            gap = (a[:, f:f + 1] - b[:, f]).abs()
            total = total + (gap if p == 1 else gap**p)
        return total.numpy()


def reduced_distances(A: np.ndarray, B: np.ndarray, p: float,
                      B_norms: np.ndarray | None = None) -> np.ndarray:
    """A number that ranks each row's pairs like the Minkowski-p distance and is cheaper
    to get: `euclidean_ranking` for p = 2, otherwise Σ |a - b|^p.
    """
    if p == 2:
        return euclidean_ranking(A, B, squared_norms(B) if B_norms is None else B_norms)
    return minkowski_power(A, B, p)


def minkowski_to_own_rows(A: np.ndarray, B: np.ndarray, p: float) -> np.ndarray:
    """d[i, j] = (Σ_f |A[i, f] - B[i, j, f]|^p)^(1/p): row i of A against its own rows B[i].

    Computed directly from the differences, so a duplicate point is at distance
    exactly 0 (the expansion above can leave a rounding residue).
    """
    with no_grad():
        gap = (Tensor(A, dtype=A.dtype).unsqueeze(1) - Tensor(B, dtype=B.dtype)).abs()
        if p == 1:
            return gap.sum(axis=2).numpy()
        return ((gap**p).sum(axis=2) ** (1.0 / p)).numpy()


def row_chunks(n_rows: int, n_cols: int, budget: int = CHUNK_BYTES) -> Iterator[slice]:
    """Slices of at most budget / (8 n_cols) rows, so a float64 block fits in `budget`."""
    step = max(1, budget // (8 * max(n_cols, 1)))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))
