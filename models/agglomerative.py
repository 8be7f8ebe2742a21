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
d(B, C) and d(A, B) (the Lance–Williams update, `LINKAGE_UPDATES`). Ward's update
is a weighted sum of *squared* distances, so for ward the matrix holds d² (which
ranks the pairs as d does) and the heights are rooted once, at the end: no square
root and no squares at every merge.

Scanning the whole matrix for its minimum at every merge would take O(n³) time;
the same merges come out of the nearest-neighbour chain (ward, complete,
average) and of a minimum spanning tree (single) in O(n²) time and memory
(derivation in docs/models/agglomerative.md). Merge distances are
non-decreasing for these four linkages, so the last merges are the ones to
undo when cutting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from models._distance import squared_euclidean
from models._validation import check_at_most, check_choice, check_positive_int, fit_input


def _ward(d2_ac, d2_bc, d2_ab, n_a, n_b, n_c):
    """d(A∪B, C)² = ((n_a+n_c) d_ac² + (n_b+n_c) d_bc² - n_c d_ab²) / (n_a+n_b+n_c),
    on squared distances in and out."""
    return ((n_a + n_c) * d2_ac + (n_b + n_c) * d2_bc - n_c * d2_ab) / (n_a + n_b + n_c)


# d(A∪B, C) from d(A, C), d(B, C), d(A, B) and the cluster sizes (ward: all squared).
LINKAGE_UPDATES: dict[str, Callable[..., np.ndarray]] = {
    "single": lambda d_ac, d_bc, d_ab, n_a, n_b, n_c: np.minimum(d_ac, d_bc),
    "complete": lambda d_ac, d_bc, d_ab, n_a, n_b, n_c: np.maximum(d_ac, d_bc),
    "average": lambda d_ac, d_bc, d_ab, n_a, n_b, n_c: (n_a * d_ac + n_b * d_bc) / (n_a + n_b),
    "ward": _ward,
}


def merge_tree(X: np.ndarray, linkage: str) -> tuple[np.ndarray, np.ndarray]:
    """(children, distances) of the n - 1 merges, in scikit-learn's layout.

    Leaves are nodes 0..n-1; merge i creates node n + i from children[i] (the
    smaller node id first) at height distances[i]. Single linkage comes from a
    minimum spanning tree, the other linkages from rounds of mutual nearest neighbours
    finished by the nearest-neighbour chain; both find the same merges as the greedy
    "merge the closest pair" loop.
    """
    D = squared_euclidean(X, X)
    if linkage != "ward":  # ward merges on squared distances
        D = np.sqrt(D, out=D)
    np.fill_diagonal(D, np.inf)
    if linkage == "single":
        pairs, heights = minimum_spanning_tree(D)
    else:
        pairs, heights = mutual_nearest_rounds(D, linkage)
    if linkage == "ward":
        heights = np.sqrt(heights)
    return label_merges(pairs, heights, len(X))


def minimum_spanning_tree(D: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The n - 1 edges (pairs, lengths) of a minimum spanning tree of D, by Prim's algorithm.

    Grow the tree from point 0; `reach[j]` is j's distance to the tree and `via[j]`
    the tree point it is closest to. Each step adds the outside point nearest to
    the tree, then lets it shorten every reach: O(n) vectorized work per step.
    Merging along the edges shortest first is single linkage (Gower & Ross, 1969).
    """
    n = len(D)
    reach, via = D[0].copy(), np.zeros(n, dtype=np.intp)
    reach[0] = np.inf
    inside = np.zeros(n, dtype=bool)
    inside[0] = True
    pairs, heights = np.empty((n - 1, 2), dtype=np.intp), np.empty(n - 1)
    for step in range(n - 1):
        j = int(np.argmin(reach))
        pairs[step], heights[step] = (via[j], j), reach[j]
        inside[j] = True
        closer = D[j] < reach
        reach[closer], via[closer] = D[j, closer], j
        reach[inside] = np.inf
    return pairs, heights


FEW = 8
"""A round of mutual nearest neighbours must merge at least 1/FEW of the clusters left;
otherwise the chain takes over (so the rounds cost O(n²) in all: see below)."""


def mutual_nearest_rounds(D: np.ndarray, linkage: str) -> tuple[np.ndarray, np.ndarray]:
    """The n - 1 merges (pairs of rows, heights): every pair of mutual nearest neighbours
    at once, round after round, and the nearest-neighbour chain for the rest.

    In a round, each cluster's nearest neighbour comes from one argmin over its row, and
    all mutual pairs (A is B's nearest and B is A's) merge together. For a reducible
    linkage that is what the greedy loop does too: merging A and B brings nothing closer
    to a third cluster than the nearer of A and B, so every other mutual pair stays
    mutual. The merged clusters' rows come from Lance–Williams in two vectorized steps:
    first against the clusters of before the round, then, from those rows, against each
    other. The matrix then shrinks to the clusters left.

    A round costs O(m²) for m clusters; as long as it merges at least m/FEW of them, m
    falls geometrically and the rounds cost O(n²) in all. Data where few pairs are mutual
    at once (points whose gaps grow along a line) would make the rounds O(n³), so
    when a round would merge fewer, the chain finishes the tree, one merge per step.
    """
    update = LINKAGE_UPDATES[linkage]
    rows = np.arange(len(D))  # each cluster's row in the input D: the point that names it
    size = np.ones(len(D))
    firsts, seconds, heights = [], [], []
    while len(D) > 1:
        nearest = D.argmin(axis=1)
        index = np.arange(len(D))
        a = np.flatnonzero((nearest[nearest] == index) & (index < nearest))
        if len(a) * FEW < len(D):
            break
        b = nearest[a]
        d_ab, merged_size = D[a, b], size[a] + size[b]
        firsts.append(rows[a])
        seconds.append(rows[b])
        heights.append(d_ab)
        # the merged clusters (A∪B in row b) against every cluster of before the round ...
        merged = update(D[a], D[b], d_ab[:, None], size[a][:, None], size[b][:, None], size)
        # ... and against each other: merged[p] sees q's parts a_q, b_q; merge those too
        merged[:, b] = update(merged[:, a], merged[:, b], d_ab, size[a], size[b],
                              merged_size[:, None])
        D[b], D[:, b], size[b] = merged, merged.T, merged_size
        keep = np.ones(len(D), dtype=bool)
        keep[a] = False
        D, size, rows = D[keep][:, keep], size[keep], rows[keep]
    if len(D) > 1:
        chain_pairs, chain_heights = nn_chain(D, linkage, size)
        firsts.append(rows[chain_pairs[:, 0]])
        seconds.append(rows[chain_pairs[:, 1]])
        heights.append(chain_heights)
    pairs = np.column_stack([np.concatenate(firsts), np.concatenate(seconds)])
    return pairs, np.concatenate(heights)


def nn_chain(D: np.ndarray, linkage: str, size: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """The n - 1 merges (pairs of rows, heights) by the nearest-neighbour chain.

    Follow nearest neighbours a → b → c ... until two clusters are each other's
    nearest neighbour, merge them, and carry on from the rest of the chain.
    Ward, complete and average linkage are reducible (a merged cluster is never
    closer to a third one than the nearer of its parts was), so the rest of the
    chain stays a chain of nearest neighbours, and every merge is one the greedy
    algorithm makes too. Each cluster enters the chain at most a few times:
    O(n²) time instead of O(n³). D is updated in place (Lance–Williams); the
    merged cluster takes the row of its second part, the first row is retired.
    `size` holds each row's number of points.
    """
    n = len(D)
    update = LINKAGE_UPDATES[linkage]
    size = size.copy()
    alive = np.ones(n, dtype=bool)
    pairs, heights = np.empty((n - 1, 2), dtype=np.intp), np.empty(n - 1)
    chain: list[int] = []
    for step in range(n - 1):
        if not chain:
            chain.append(int(np.argmax(alive)))
        while True:
            a = chain[-1]
            b = int(np.argmin(D[a]))
            if len(chain) > 1 and D[a, chain[-2]] == D[a, b]:
                b = chain[-2]  # on a tie, go back: the chain must not cycle
            if len(chain) > 1 and b == chain[-2]:
                break
            chain.append(b)
        chain.pop()
        chain.pop()
        pairs[step], heights[step] = (a, b), D[a, b]
        D[b] = update(D[a], D[b], D[a, b], size[a], size[b], size)
        alive[a] = False
        D[b, ~alive] = np.inf
        D[b, b] = np.inf
        D[:, b] = D[b]
        D[a, :] = D[:, a] = np.inf
        size[b] += size[a]
    return pairs, heights


def label_merges(pairs: np.ndarray, heights: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Tree node ids for merges given as pairs of points, one from each merged cluster.

    The merges are sorted by height (stably: a cluster is never merged before it
    is made), then replayed with a union-find that maps each point to the node of
    its current cluster. (The union-find walks Python lists: one element at a time,
    they are several times faster than NumPy arrays.)
    """
    order = np.argsort(heights, kind="stable")
    root = list(range(2 * n - 1))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    children = []
    for step, (a, b) in enumerate(pairs[order].tolist(), start=n):
        node_a, node_b = find(a), find(b)
        children.append((min(node_a, node_b), max(node_a, node_b)))
        root[node_a] = root[node_b] = step
    return np.array(children, dtype=np.intp).reshape(-1, 2), heights[order]


def cut_tree(children: np.ndarray, n_clusters: int) -> np.ndarray:
    """Labels 0..n_clusters-1 from undoing the last n_clusters - 1 merges.

    Replay the first n - n_clusters merges (each child's cluster becomes the new node),
    then number the resulting clusters in the order of their tree node ids.
    """
    n = len(children) + 1
    cluster = list(range(2 * n - 1))  # the node each node has been merged into so far
    for step, (a, b) in enumerate(children[:n - n_clusters].tolist(), start=n):
        cluster[a] = cluster[b] = step
    for node in reversed(range(n, 2 * n - 1)):  # parents before children: one pass resolves
        cluster[node] = cluster[cluster[node]]
    roots = [cluster[cluster[i]] for i in range(n)]
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
