"""Pairwise distances between the rows of two matrices, computed with Tensor ops.

Squared Euclidean distances use the expansion

    ||a - b||² = ||a||² - 2 a·b + ||b||²

so the whole (m, n) matrix is one matrix product plus two broadcast additions
(O(m·n·d) flops, but in BLAS). Manhattan and Minkowski distances have no such
trick: Σ_j |a_j - b_j|^p is accumulated one feature at a time, so memory stays
O(m·n) instead of O(m·n·d).

**Centring.** The expansion loses precision when the points are far from the
origin compared with their distances to each other: each term then has the
size of ||a||², and their sum, the distance, is what is left after they cancel.
A feature that is 1e8 for every row makes ||a||² ≈ 1e16, where float64 resolves
steps of 2, so squared distances of ~10 are rounding noise. Distances do not
change when both sets move by the same vector, so every squared distance here
is computed after subtracting one point μ from both sets, the mean of the
reference rows (k-NN's training rows, the data k-means clusters). Centred, the
terms have the size of the data's spread and the cancellation is harmless. All
the models that need squared distances (k-NN, k-means, agglomerative clustering,
the rbf kernel) get them from `ReferenceRows` or `squared_euclidean`.

Large queries are cut into row chunks (`row_chunks`) so that one (chunk, n)
block of distances fits in a fixed memory budget.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tinygrad_edu import Tensor, no_grad

CHUNK_BYTES = 128 * 2**20  # one block of float64 distances: at most 128 MiB


def squared_norms(A: np.ndarray) -> np.ndarray:
    """||a_i||² for every row."""
    with no_grad():
        a = Tensor(A, dtype=A.dtype)
        return (a * a).sum(axis=1).numpy()


class ReferenceRows:
    """Rows B that other rows are measured against, moved so their mean μ is at 0,
    with their squared norms ||b - μ||² computed once (k-NN queries the same
    training rows again and again; k-means measures the same data against new
    centres at every iteration).

    `rows` holds B - μ; a query A is moved by the same μ, so every difference,
    and every distance, is the one between the original points.
    """

    def __init__(self, B: np.ndarray):
        self.origin = B.mean(axis=0)
        self.rows = B - self.origin
        self.norms = squared_norms(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def centred(self, A: np.ndarray) -> np.ndarray:
        """A moved like the reference rows: A - μ."""
        return A - self.origin

    def squared_distances(self, A: np.ndarray, within: slice = slice(None)) -> np.ndarray:
        """D[i, j] = ||a_i - b_j||² = ||a_i - μ||² - 2 (a_i - μ)·(b_j - μ) + ||b_j - μ||²,
        clipped at 0 (rounding can go below), for the reference rows b `within` a slice."""
        A = self.centred(A)
        with no_grad():
            a, b = Tensor(A, dtype=A.dtype), Tensor(self.rows[within], dtype=A.dtype)
            a_norms = (a * a).sum(axis=1).reshape(-1, 1)
            b_norms = Tensor(self.norms[within], dtype=A.dtype)
            return (a_norms - 2.0 * (a @ b.T) + b_norms).relu().numpy()  # relu: clip at 0

    def ranking(self, A: np.ndarray) -> np.ndarray:
        """R[i, j] = ||b_j - μ||² - 2 (a_i - μ)·(b_j - μ): the squared distance less
        ||a_i - μ||², which is the same for a whole row, so R ranks each row's
        candidates as the distance does.

        Leaving ||a_i - μ||² (and the clip at 0) out saves two passes over the (m, n)
        block; -2 is folded into the small matrix A, which is exact (a power of two),
        and the norms are added in place, so no second (m, n) block is allocated.
        """
        A = self.centred(A)
        with no_grad():
            a, b = Tensor(A, dtype=A.dtype), Tensor(self.rows, dtype=A.dtype)
            ranking = ((a * -2.0) @ b.T).numpy()
        ranking += self.norms
        return ranking


def squared_euclidean(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """D[i, j] = ||a_i - b_j||², both sets centred on B's mean (see `ReferenceRows`)."""
    return ReferenceRows(B).squared_distances(A)


def minkowski_power(A: np.ndarray, B: np.ndarray, p: float) -> np.ndarray:
    """D[i, j] = Σ_f |A[i, f] - B[j, f]|^p, the p-th power of the Minkowski distance."""
    with no_grad():
        a, b = Tensor(A, dtype=A.dtype), Tensor(B, dtype=B.dtype)
        total = Tensor(np.zeros((len(A), len(B))), dtype=A.dtype)
        for f in range(A.shape[1]):
            gap = (a[:, f:f + 1] - b[:, f]).abs()
            total = total + (gap if p == 1 else gap**p)
        return total.numpy()


def reduced_distances(A: np.ndarray, reference: ReferenceRows, p: float) -> np.ndarray:
    """A number that ranks each row's pairs like the Minkowski-p distance to the
    reference rows and is cheaper to get: `ReferenceRows.ranking` for p = 2,
    otherwise Σ |a - b|^p (computed from the differences, which need no centring).
    """
    if p == 2:
        return reference.ranking(A)
    return minkowski_power(reference.centred(A), reference.rows, p)


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


def row_chunks(n_rows: int, n_cols: int, budget: int = CHUNK_BYTES,
               most: int | None = None) -> Iterator[slice]:
    """Slices of at most budget / (8 n_cols) rows, so a float64 block fits in `budget`,
    and at most `most` rows."""
    step = max(1, budget // (8 * max(n_cols, 1)))
    step = step if most is None else min(step, most)
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))
