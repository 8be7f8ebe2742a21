"""k-means: split the data into k clusters around k centres.

k-means minimises the inertia, the summed squared distance of every point to
its nearest centre,

    J(μ_1..μ_k) = Σ_i min_j ||x_i - μ_j||²,

by Lloyd's alternation: assign each point to its nearest centre (argmin over a
distance matrix), then move each centre to the mean of its points. Neither
step increases J, so it converges, to a local minimum; `n_init` restarts keep
the best. One iteration costs O(n·k·d). The distance matrix is the expansion
||x||² - 2x·μ + ||μ||² with the data centred on its mean first (`ReferenceRows`),
so it keeps its precision when the data sit far from the origin.

Initialisation is k-means++ (Arthur & Vassilvitskii, 2007) in its greedy form:
the first centre is drawn uniformly, each new one with probability ∝ D(x)², the
squared distance to the nearest centre chosen so far, and of 2 + ⌊ln k⌋ such draws
the one that lowers Σ D(x)² most is kept. The draws are made as scikit-learn makes
them, so the same random_state picks the same centres.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state

from models._distance import ReferenceRows
from models._gradient_training import single_threaded_blas
from models._groups import group_sums, means_of_sums
from models._validation import (
    check_at_most,
    check_choice,
    check_positive_int,
    fit_input,
    predict_input,
)

LLOYD_BLOCK_ROWS = 1024
"""Rows per block of a Lloyd pass (`lloyd_pass`): 6 MiB of MNIST's float64 pixels."""
SHARED_DRAW_ROWS = 2048
"""Up to this many rows (32 MiB of distances), several k-means++ runs read their draws'
distances from one matrix of all the pairs (`KMeans._draw_distances`)."""


def kmeans_plusplus(X: np.ndarray, distances_from: Callable[[np.ndarray], np.ndarray], k: int,
                    rng: np.random.RandomState) -> np.ndarray:
    """k initial centres from the rows of X by greedy k-means++. `distances_from(rows)` gives
    the squared distances from those rows of X to every row, (len(rows), n)."""
    n_trials = 2 + int(np.log(k))
    first = rng.choice(len(X), p=np.full(len(X), 1 / len(X)))  # scikit-learn's draw (not randint)
    centers = [X[first]]
    closest = distances_from(np.array([first]))[0]  # D(x)² for every point
    for _ in range(1, k):
        draws = rng.uniform(size=n_trials) * closest.sum()
        candidates = np.minimum(np.searchsorted(np.cumsum(closest), draws), len(X) - 1)
        potentials = np.minimum(closest, distances_from(candidates))
        best = np.argmin(potentials.sum(axis=1))
        centers.append(X[candidates[best]])
        closest = potentials[best]
    return np.array(centers)


def assign(data: ReferenceRows, centers: np.ndarray,
           within: slice = slice(None)) -> tuple[np.ndarray, np.ndarray]:
    """(labels, squared distances): each point's nearest centre and its squared distance to it,
    for the points `within` a slice of the reference rows.

    The points are the reference rows, so both sets are centred on the points' mean.
    """
    distances = data.squared_distances(centers, within).T  # (n_points, k)
    labels = np.argmin(distances, axis=1)
    return labels, distances[np.arange(len(distances)), labels]


def lloyd_pass(X: np.ndarray, data: ReferenceRows, centers: np.ndarray,
               pool: ThreadPoolExecutor | None):
    """Lloyd's assignment, and the counts and sums its update needs, block by block of rows:
    (labels, squared distances, counts, sums). Each block's rows are still in the cache for
    their second product (the sums), and the blocks run in `pool`'s threads (NumPy's
    products release the GIL), as scikit-learn runs its Lloyd chunks in OpenMP threads.
    The blocks' results are combined in their order, so the threads change no number."""
    def one_block(rows: slice):
        labels, distances = assign(data, centers, rows)
        return labels, distances, *group_sums(X[rows], labels, len(centers))

    blocks = [slice(start, start + LLOYD_BLOCK_ROWS)
              for start in range(0, len(X), LLOYD_BLOCK_ROWS)]
    if len(blocks) == 1:
        return one_block(blocks[0])
    labels, distances, counts, sums = zip(*(pool.map if pool else map)(one_block, blocks))
    return np.concatenate(labels), np.concatenate(distances), sum(counts), sum(sums)


def update_centers(X: np.ndarray, counts: np.ndarray, sums: np.ndarray,
                   distances: np.ndarray) -> np.ndarray:
    """Each centre moves to the mean of its points (from their count and sum).

    A centre left with no points is moved onto the point farthest from its own
    centre (as scikit-learn does), so k clusters survive.
    """
    centers = means_of_sums(counts, sums)
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        farthest = np.argsort(distances, kind="stable")[::-1][: len(empty)]
        centers[empty] = X[farthest]
    return centers


def lloyd(X: np.ndarray, data: ReferenceRows, centers: np.ndarray, max_iter: int, tol: float,
          pool: ThreadPoolExecutor | None = None):
    """Alternate assignment and update until the labels stop changing or the centres
    move less than `tol` in total squared distance. Returns (centers, labels, inertia, n_iter).
    """
    previous, n_iter = None, 0
    while n_iter < max_iter:
        n_iter += 1
        labels, distances, counts, sums = lloyd_pass(X, data, centers, pool)
        new_centers = update_centers(X, counts, sums, distances)
        if np.array_equal(new_centers, centers):  # a fixed point: this assignment is the last
            return centers, labels, distances.sum(), n_iter
        shift = ((new_centers - centers) ** 2).sum()
        centers = new_centers
        if (previous is not None and np.array_equal(labels, previous)) or shift <= tol:
            break
        previous = labels
    labels, distances, _, _ = lloyd_pass(X, data, centers, pool)  # labels of the final centres
    return centers, labels, distances.sum(), n_iter


class KMeans(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """k-means with k-means++ (or random) initialisation and `n_init` restarts."""

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str = "k-means++",
        n_init: int | str = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: Any = None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _n_runs(self) -> int:
        """n_init, where "auto" means 1 run for k-means++ and 10 for random starts."""
        if self.n_init == "auto":
            return 1 if self.init == "k-means++" else 10
        check_positive_int(self, "n_init", self.n_init)
        return self.n_init

    def fit(self, X: Any, y: Any = None) -> KMeans:
        """Run Lloyd's algorithm `n_init` times and keep the run with the lowest inertia."""
        X = fit_input(self, X)
        check_positive_int(self, "n_clusters", self.n_clusters)
        check_positive_int(self, "max_iter", self.max_iter)
        check_choice(self, "init", self.init, ("k-means++", "random"))
        check_at_most(self, "n_clusters", self.n_clusters, len(X), "n_samples")
        rng = check_random_state(self.random_state)
        tol = self.tol * X.var(axis=0).mean()  # tol is relative to the data's spread
        data = ReferenceRows(X)  # centred once, for every distance of every run
        best = None
        runs = self._n_runs()
        # the products here are thin (k columns), as in scikit-learn's Lloyd, which also
        # keeps BLAS on one thread: on a busy machine OpenBLAS's threads made a fit of
        # 10,000 MNIST digits 4x slower (16.9 s instead of 4.3 s)
        with single_threaded_blas(), self._threads(len(X)) as pool:
            distances_from = self._draw_distances(X, data, runs)
            for _ in range(runs):
                if self.init == "k-means++":
                    start = kmeans_plusplus(X, distances_from, self.n_clusters, rng)
                else:
                    start = X[rng.choice(len(X), self.n_clusters, replace=False)]
                run = lloyd(X, data, start, self.max_iter, tol, pool)
                if best is None or run[2] < best[2]:
                    best = run
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best
        self.inertia_ = float(self.inertia_)
        self._n_features_out = self.n_clusters
        return self

    @staticmethod
    def _threads(n_rows: int) -> ThreadPoolExecutor | contextlib.nullcontext:
        """A thread per core for Lloyd's blocks, when there is more than one block."""
        if n_rows <= LLOYD_BLOCK_ROWS or (os.cpu_count() or 1) == 1:
            return contextlib.nullcontext()
        return ThreadPoolExecutor(os.cpu_count())

    def _draw_distances(self, X: np.ndarray, data: ReferenceRows,
                        runs: int) -> Callable[[np.ndarray], np.ndarray]:
        """What k-means++ measures its draws with: rows of the matrix of all the squared
        distances between the rows of X when several runs share a small X (it is computed
        once; on small data a call costs more in overhead than in arithmetic), otherwise
        the distances of the drawn rows alone."""
        if self.init == "k-means++" and runs > 1 and len(X) <= SHARED_DRAW_ROWS:
            between = data.squared_distances(X)
            return lambda rows: between[rows]
        return lambda rows: data.squared_distances(X[rows])

    def predict(self, X: Any) -> np.ndarray:
        """The index of the nearest centre for each row of X."""
        return assign(ReferenceRows(predict_input(self, X)), self.cluster_centers_)[0]

    def transform(self, X: Any) -> np.ndarray:
        """Distances from each row of X to every centre, (m, n_clusters)."""
        data = ReferenceRows(predict_input(self, X))
        return np.sqrt(data.squared_distances(self.cluster_centers_).T)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the inertia of X under the fitted centres (higher is better)."""
        data = ReferenceRows(predict_input(self, X))
        return -float(assign(data, self.cluster_centers_)[1].sum())


def elbow(X: Any, k_values: Iterable[int], **kmeans_kwargs: Any) -> np.ndarray:
    """The inertia of a KMeans fit for every k in `k_values` (plot it against k)."""
    return np.array([KMeans(n_clusters=k, **kmeans_kwargs).fit(X).inertia_ for k in k_values])


def elbow_point(k_values: Iterable[int], inertias: Iterable[float]) -> int:
    """The k at the bend of the elbow curve.

    Both axes are scaled to [0, 1]; the bend is the point farthest from the
    chord joining the first and the last point of the curve.
    """
    k = np.asarray(list(k_values), dtype=np.float64)
    j = np.asarray(list(inertias), dtype=np.float64)
    x = (k - k[0]) / (k[-1] - k[0])
    y = (j - j[-1]) / (j[0] - j[-1])
    # the chord runs from (0, 1) to (1, 0): distance ∝ |x + y - 1|
    return int(k[np.argmax(np.abs(x + y - 1))])
