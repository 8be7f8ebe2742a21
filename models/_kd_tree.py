"""A k-d tree: the k nearest training rows of many queries without measuring all n of them.

**Build** (all the parts of one level at once). Halve the rows at the median of each
part's widest feature, and each half again, while the parts have at least
2·`leaf_size` rows, so a leaf holds between `leaf_size` and 2·`leaf_size` rows (as in
scikit-learn). A level is one sort of all rows by (part, value of the part's widest
feature); each part's first half of rows is its lower half. Only the leaves are kept,
numbered in tree order: their row indices and their bounding boxes [lo, hi].

**Query** (a block of queries together, no loop over queries or leaves). The
Minkowski distance from a query x to any point of a leaf is at least the distance
from x to the leaf's box,

    box_p(x) = Σ_f max(lo_f - x_f, 0, x_f - hi_f)^p,

so a leaf whose box is farther than x's k-th nearest row holds none of its k nearest.

1. A radius: in the smallest subtree around x's nearest leaf that holds at least k
   rows, the k-th nearest row to x is at a distance r ≥ the true k-th distance.
2. Every leaf with box_p(x) ≤ r^p is searched: only those can hold a row at most r
   away (a leaf at exactly r too, so a tie is resolved by the training index).
3. Of the rows at most r away (at least k), the first k by (distance, index) win.

All p-th powers of distances, boxes and points alike, are summed feature by feature in
the same order, so in floating point too a box is never farther than its points. For a
few features a query measures a few leaves instead of all n rows; with many features
(MNIST's 784) the boxes are close to every query and brute force is faster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from models._distance import row_chunks

BLOCK = 256  # queries searched together: enough to spread NumPy's cost per call, few
# enough that a block's arrays (BLOCK × leaves boxes, BLOCK × a few leaves' rows) stay in cache


def power(gap: np.ndarray, p: float) -> np.ndarray:
    """|gap|^p, in place; p = 1 and 2 without the slow general power (nor, for 2, abs)."""
    if p == 2:
        return np.multiply(gap, gap, out=gap)
    np.abs(gap, out=gap)
    return gap if p == 1 else np.power(gap, p, out=gap)


def summed_powers(gaps: Iterable[np.ndarray], p: float) -> np.ndarray:
    """Σ_f |gap_f|^p for the features' gaps (fresh arrays, overwritten), added one
    feature at a time in order.

    Boxes and points both go through here: a box's gaps are never larger than a
    point's, and with the same additions in the same order neither is the rounded
    sum, so box_p(x) ≤ d_p(x, z)^p holds exactly in floating point too.
    """
    gaps = iter(gaps)
    total = power(next(gaps), p)
    for gap in gaps:
        total += power(gap, p)
    return total


def positions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of the True entries of a 2-D mask, row by row: `np.nonzero(mask)`,
    but from the flat positions, which is several times faster."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


def nearest_k(query: np.ndarray, distance: np.ndarray, row: np.ndarray, n_queries: int,
              k: int) -> np.ndarray:
    """(n_queries, k): for each query, the rows of its k candidates with the smallest
    (distance, row). Candidate i belongs to query[i]; every query has at least k."""
    order = np.lexsort((row, distance, query))  # by query, then distance, then row
    query, row = query[order], row[order]
    place = np.arange(len(query)) - np.searchsorted(query, query)  # 0, 1, ... per query
    first_k = place < k
    nearest = np.empty((n_queries, k), dtype=np.intp)
    nearest[query[first_k], place[first_k]] = row[first_k]
    return nearest


class KDTree:
    """Leaves (row indices, boxes) of a k-d tree over the rows of X."""

    def __init__(self, X: np.ndarray, leaf_size: int = 30):
        order = np.arange(len(X))  # the rows, each leaf's rows contiguous at the end
        bounds = np.array([0, len(X)])  # part j is order[bounds[j]:bounds[j + 1]]
        while np.diff(bounds).min() >= 2 * leaf_size:
            starts, sizes = bounds[:-1], np.diff(bounds)
            points = X[order]
            spread = np.maximum.reduceat(points, starts) - np.minimum.reduceat(points, starts)
            part = np.repeat(np.arange(len(sizes)), sizes)
            widest = points[np.arange(len(X)), np.argmax(spread, axis=1)[part]]
            rank = np.empty(len(X), dtype=np.intp)
            rank[np.argsort(widest)] = np.arange(len(X))
            order = order[np.argsort(part * len(X) + rank)]  # by part, then by widest value
            bounds = np.sort(np.concatenate([bounds, starts + sizes // 2]))
        starts, sizes = bounds[:-1], np.diff(bounds)
        points = X[order]
        self.lo = np.minimum.reduceat(points, starts)
        self.hi = np.maximum.reduceat(points, starts)
        self.smallest_leaf = sizes.min()
        # leaf_rows[l]: leaf l's row indices, padded with n, the index of a point at infinity
        self.leaf_rows = np.full((len(sizes), sizes.max()), len(X))
        self.leaf_rows[np.repeat(np.arange(len(sizes)), sizes),
                       np.arange(len(X)) - np.repeat(starts, sizes)] = order
        # points[f, l, j]: feature f of leaf l's j-th row (inf for the padding)
        self.points = np.hstack([X.T, np.full((X.shape[1], 1), np.inf)])[:, self.leaf_rows]

    def box_distances(self, Q: np.ndarray, p: float) -> np.ndarray:
        """B[i, l] = Σ_f max(lo_lf - q_if, 0, q_if - hi_lf)^p, a lower bound of the p-th
        power of the distance from query i to any row in leaf l."""
        return summed_powers(self._box_gaps(Q), p)

    def _box_gaps(self, Q: np.ndarray) -> Iterator[np.ndarray]:
        for q, lo, hi in zip(Q.T[:, :, None], self.lo.T, self.hi.T):
            gap = lo - q
            np.maximum(gap, q - hi, out=gap)
            yield np.maximum(gap, 0.0, out=gap)

    def leaf_distances(self, Q: np.ndarray, queries: np.ndarray, leaves: np.ndarray,
                       p: float) -> np.ndarray:
        """D[i, j] = Σ_f |q_f - x_f|^p for q = Q[queries[i]] and x the j-th row of leaf
        leaves[i] (inf for the padding): one (query, leaf) pair per row."""
        return summed_powers(self._point_gaps(Q, queries, leaves), p)

    def _point_gaps(self, Q: np.ndarray, queries: np.ndarray,
                    leaves: np.ndarray) -> Iterator[np.ndarray]:
        for q, points in zip(Q.T, self.points):
            gap = points[leaves]
            gap -= q[queries, None]
            yield gap

    def query(self, Q: np.ndarray, k: int, p: float) -> np.ndarray:
        """Indices (len(Q), k) of the k nearest rows to each query, ordered by (distance, index)."""
        indices = np.empty((len(Q), k), dtype=np.intp)
        # a block needs at most (rows × every leaf's rows) floats; BLOCK rows keep it in cache
        for rows in row_chunks(len(Q), self.leaf_rows.size, most=BLOCK):
            indices[rows] = self._query_block(Q[rows], k, p)
        return indices

    def _query_block(self, Q: np.ndarray, k: int, p: float) -> np.ndarray:
        """Steps 1-3 of the module docstring for the queries Q (distances as p-th powers)."""
        boxes = self.box_distances(Q, p)
        # 1. the smallest subtree around the nearest leaf that holds ≥ k rows: the leaves are
        # numbered in tree order and every level halves every part, so a subtree is an
        # aligned block of `size` leaves, a power of 2
        size = 1
        while size * self.smallest_leaf < k and size < len(self.lo):
            size *= 2
        first = (np.argmin(boxes, axis=1) // size * size)[:, None] + np.arange(size)
        guess = self.leaf_distances(Q, np.repeat(np.arange(len(Q)), size), first.ravel(), p)
        radius = np.partition(guess.reshape(len(Q), -1), k - 1, axis=1)[:, k - 1]
        # 2. the leaves that can hold a row within the radius, as (query, leaf) pairs
        queries, leaves = positions(boxes <= radius[:, None])
        distances = self.leaf_distances(Q, queries, leaves, p)
        # 3. every row within the radius (≥ k per query), then the k first by (distance, index)
        pair, slot = positions(distances <= radius[queries, None])
        query, row = queries[pair], self.leaf_rows[leaves[pair], slot]
        return nearest_k(query, distances[pair, slot], row, len(Q), k)
