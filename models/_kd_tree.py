"""A k-d tree: the k nearest training rows of many queries without measuring all n of them.

**Build.** Split the rows at the median of the feature with the widest range, and
each half again, until a part has at most `leaf_size` rows. Only the leaves are
kept: their row indices and their bounding boxes [lo, hi] (per feature).

**Query** (all queries together, one leaf at a time). The Minkowski distance from
a query x to any point of a leaf is at least the distance from x to the leaf's box,

    box_p(x) = Σ_f max(lo_f - x_f, 0, x_f - hi_f)^p,

so a leaf whose box is farther than a query's current k-th best candidate cannot
improve it and is skipped. Every query visits the leaves nearest box first (its
own leaf, box distance 0, gives most queries a tight k-th distance at once) and
stops at the first box beyond its k-th distance; all queries take their step
together, one vectorized search per round. A leaf at exactly that distance is
searched too, so a tie is resolved by the training index, as in the brute-force
search. For a few features this measures a
few leaves per query instead of all n rows; with many features (MNIST's 784) the
boxes overlap every query and brute force is faster.
"""

from __future__ import annotations

import numpy as np

from models._distance import row_chunks


def power(gap: np.ndarray, p: float) -> np.ndarray:
    """gap^p for non-negative gaps; p = 1 and 2 without the slow general power."""
    if p == 1:
        return gap
    return gap * gap if p == 2 else gap**p


class KDTree:
    """Leaves (row indices, boxes) of a k-d tree over the rows of X."""

    def __init__(self, X: np.ndarray, leaf_size: int = 30):
        self.X = X
        self.leaves: list[np.ndarray] = []
        parts = [np.arange(len(X))]
        while parts:
            rows = parts.pop()
            if len(rows) <= leaf_size:
                self.leaves.append(rows)
                continue
            points = X[rows]
            feature = np.argmax(points.max(axis=0) - points.min(axis=0))
            half = len(rows) // 2
            order = np.argpartition(points[:, feature], half)
            parts += [rows[order[half:]], rows[order[:half]]]
        # leaf_rows[l]: leaf l's row indices, padded with n, the index of a point at infinity
        self.leaf_rows = np.full((len(self.leaves), max(map(len, self.leaves))), len(X))
        for leaf, rows in enumerate(self.leaves):
            self.leaf_rows[leaf, :len(rows)] = rows
        self.padded = np.vstack([X, np.full(X.shape[1], np.inf)])
        self.lo = np.array([X[rows].min(axis=0) for rows in self.leaves])
        self.hi = np.array([X[rows].max(axis=0) for rows in self.leaves])

    def box_distances(self, Q: np.ndarray, p: float) -> np.ndarray:
        """B[i, l] = Σ_f max(lo_lf - q_if, 0, q_if - hi_lf)^p, a lower bound of the p-th
        power of the distance from query i to any row in leaf l."""
        total = np.zeros((len(Q), len(self.leaves)))
        for f in range(Q.shape[1]):  # one feature at a time: (m, L) blocks, not (m, L, d)
            below = self.lo[:, f] - Q[:, f:f + 1]
            gap = np.maximum(below, Q[:, f:f + 1] - self.hi[:, f])
            total += power(np.maximum(gap, 0.0, out=gap), p)
        return total

    def query(self, Q: np.ndarray, k: int, p: float) -> np.ndarray:
        """Indices (len(Q), k) of the k nearest rows to each query, ordered by (distance, index)."""
        indices = np.empty((len(Q), k), dtype=np.intp)
        for rows in row_chunks(len(Q), len(self.leaves) * Q.shape[1]):
            indices[rows] = self._query_block(Q[rows], k, p)
        return indices

    def _query_block(self, Q: np.ndarray, k: int, p: float) -> np.ndarray:
        """Rounds over all queries at once: in round j each query searches its j-th nearest
        leaf (by box distance), if that box is within its current k-th best distance. The
        boxes come in increasing distance, so a query that skips a leaf is finished."""
        best = np.full((len(Q), k), np.inf)  # p-th powers of the k best distances so far
        best_index = np.full((len(Q), k), len(self.X), dtype=np.intp)
        boxes = self.box_distances(Q, p)
        order = np.argsort(boxes, axis=1)
        queries = np.arange(len(Q))
        for j in range(len(self.leaves)):
            leaves = order[queries, j]
            helps = boxes[queries, leaves] <= best[queries, -1]
            queries, leaves = queries[helps], leaves[helps]
            if len(queries) == 0:
                break
            self._search(Q, queries, self.leaf_rows[leaves], p, best, best_index)
        return best_index

    def _search(self, Q, queries, rows, p, best, best_index) -> None:
        """Merge rows[i] (one leaf's rows, padded with the index n) into the k best of
        query queries[i], in place; ordered by (distance, index)."""
        gaps = np.abs(Q[queries, None, :] - self.padded[rows])
        values = np.concatenate([best[queries], power(gaps, p).sum(axis=2)], axis=1)
        index = np.concatenate([best_index[queries], rows], axis=1)
        order = np.lexsort((index, values), axis=1)[:, :best.shape[1]]
        best[queries] = np.take_along_axis(values, order, axis=1)
        best_index[queries] = np.take_along_axis(index, order, axis=1)
