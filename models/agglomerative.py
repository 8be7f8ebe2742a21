"""Agglomerative (bottom-up hierarchical) clustering.

Start with every point in its own cluster; repeatedly merge the two clusters
A, B at the smallest linkage distance, until one cluster is left. The n - 1
merges form a binary tree (the dendrogram); cutting it gives any number of
clusters. The linkages, for clusters A and B:

    single    min_{a∈A, b∈B} ||a - b||
    complete  max_{a∈A, b∈B} ||a - b||
    average   mean_{a∈A, b∈B} ||a - b||
    ward      sqrt(2 |A||B| / (|A| + |B|)) · ||μ_A - μ_B||   (the rise in inertia, scaled)

None of them needs the points again after the first distance matrix: when A
and B merge, the distance from the new cluster to any C follows from d(A, C),
d(B, C) and d(A, B) (the Lance–Williams update, `LINKAGE_UPDATES`).

This is the textbook O(n²) memory, O(n³) time algorithm: each merge scans the
whole distance matrix for its minimum. Merge distances are non-decreasing for
these four linkages, so the last merges are the ones to undo when cutting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from models._distance import squared_euclidean
from models._validation import check_at_most, check_choice, check_positive_int, fit_input


def _ward(d_ac, d_bc, d_ab, n_a, n_b, n_c):
    """d(A∪B, C)² = ((n_a+n_c) d_ac² + (n_b+n_c) d_bc² - n_c d_ab²) / (n_a+n_b+n_c)."""
    total = n_a + n_b + n_c
    return np.sqrt(((n_a + n_c) * d_ac**2 + (n_b + n_c) * d_bc**2 - n_c * d_ab**2) / total)


# d(A∪B, C) from d(A, C), d(B, C), d(A, B) and the cluster sizes.
LINKAGE_UPDATES: dict[str, Callable[..., np.ndarray]] = {
    "single": lambda d_ac, d_bc, d_ab, n_a, n_b, n_c: np.minimum(d_ac, d_bc),
    "complete": lambda d_ac, d_bc, d_ab, n_a, n_b, n_c: np.maximum(d_ac, d_bc),
    "average": lambda d_ac, d_bc, d_ab, n_a, n_b, n_c: (n_a * d_ac + n_b * d_bc) / (n_a + n_b),
    "ward": _ward,
}


def merge_tree(X: np.ndarray, linkage: str) -> tuple[np.ndarray, np.ndarray]:
    """(children, distances) of the n - 1 merges, in scikit-learn's layout.

    Leaves are nodes 0..n-1; merge i creates node n + i from children[i] (the
    smaller node id first) at height distances[i].
    """
    n = len(X)
    update = LINKAGE_UPDATES[linkage]
    D = np.sqrt(squared_euclidean(X, X))
    np.fill_diagonal(D, np.inf)
    node = np.arange(n)  # the tree node that row/column i of D stands for
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    children = np.empty((n - 1, 2), dtype=np.intp)
    distances = np.empty(n - 1)
    for step in range(n - 1):
        a, b = sorted(np.unravel_index(np.argmin(D), D.shape))
        children[step] = sorted((node[a], node[b]))
        distances[step] = D[a, b]
        # the merged cluster takes row a; row b is retired
        D[a] = update(D[a], D[b], D[a, b], size[a], size[b], size)
        D[:, a] = D[a]
        alive[b] = False
        D[b, :] = D[:, b] = np.inf
        D[a, ~alive] = D[~alive, a] = np.inf
        D[a, a] = np.inf
        size[a] += size[b]
        node[a] = n + step
    return children, distances


def cut_tree(children: np.ndarray, n_clusters: int) -> np.ndarray:
    """Labels 0..n_clusters-1 from undoing the last n_clusters - 1 merges.

    Replay the first n - n_clusters merges with a union-find, then number the
    resulting clusters in order of their first point.
    """
    n = len(children) + 1
    root = np.arange(2 * n - 1)

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    for step in range(n - n_clusters):
        for child in children[step]:
            root[find(child)] = n + step
    roots = np.array([find(i) for i in range(n)])
    return np.unique(roots, return_inverse=True)[1]


class AgglomerativeClustering(ClusterMixin, BaseEstimator):
    """Bottom-up clustering with single, complete, average or Ward linkage."""

    def __init__(
        self,
        n_clusters: int | None = 2,
        *,
        linkage: str = "ward",
        distance_threshold: float | None = None,
    ):
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.distance_threshold = distance_threshold

    def fit(self, X: Any, y: Any = None) -> AgglomerativeClustering:
        """Build the whole merge tree, then cut it at n_clusters or at distance_threshold."""
        X = fit_input(self, X)
        self._check_params(len(X))
        self.n_leaves_ = len(X)
        if len(X) == 1:
            self.children_, self.distances_ = np.empty((0, 2), np.intp), np.empty(0)
        else:
            self.children_, self.distances_ = merge_tree(X, self.linkage)
        if self.distance_threshold is not None:
            self.n_clusters_ = int(np.count_nonzero(self.distances_ >= self.distance_threshold)) + 1
        else:
            self.n_clusters_ = self.n_clusters
        self.labels_ = cut_tree(self.children_, self.n_clusters_)
        return self

    def _check_params(self, n_samples: int) -> None:
        check_choice(self, "linkage", self.linkage, tuple(LINKAGE_UPDATES))
        if (self.n_clusters is None) == (self.distance_threshold is None):
            raise ValueError("AgglomerativeClustering: give exactly one of n_clusters and "
                             f"distance_threshold, got n_clusters={self.n_clusters!r} and "
                             f"distance_threshold={self.distance_threshold!r}")
        if self.n_clusters is not None:
            check_positive_int(self, "n_clusters", self.n_clusters)
            check_at_most(self, "n_clusters", self.n_clusters, n_samples, "n_samples")


def linkage_matrix(model: AgglomerativeClustering) -> np.ndarray:
    """SciPy's linkage matrix Z (n - 1, 4) from a fitted model: [child, child, height, size]."""
    n = model.n_leaves_
    sizes = np.ones(2 * n - 1)
    for step, (a, b) in enumerate(model.children_):
        sizes[n + step] = sizes[a] + sizes[b]
    return np.column_stack([model.children_, model.distances_, sizes[n:]]).astype(np.float64)


def plot_dendrogram(model: AgglomerativeClustering, ax: Any = None, **kwargs: Any) -> dict:
    """Draw the fitted merge tree with scipy's dendrogram on a matplotlib axis.

    Extra keyword arguments go to `scipy.cluster.hierarchy.dendrogram`
    (e.g. truncate_mode="level", p=4); returns its dictionary.
    """
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram

    ax = plt.gca() if ax is None else ax
    result = dendrogram(linkage_matrix(model), ax=ax, **kwargs)
    ax.set_ylabel(f"{model.linkage} linkage distance")
    return result
