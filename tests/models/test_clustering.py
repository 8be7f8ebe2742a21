"""KMeans and agglomerative clustering against scikit-learn on the Mall Customers data."""

import numpy as np
import pytest
from sklearn import cluster as sk
from sklearn.metrics import adjusted_rand_score

from models import AgglomerativeClustering, KMeans, agglomerative, kmeans
from models._distance import ReferenceRows
from models.agglomerative import linkage_matrix, plot_dendrogram
from models.kmeans import elbow, elbow_point


def test_kmeans_inertia_within_one_percent(mall):
    ours = KMeans(n_clusters=5, n_init=10, random_state=0).fit(mall)
    ref = sk.KMeans(n_clusters=5, n_init=10, random_state=0).fit(mall)
    assert abs(ours.inertia_ - ref.inertia_) <= 0.01 * ref.inertia_
    assert ours.inertia_ == pytest.approx(44448.4554, rel=1e-6)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    np.testing.assert_array_equal(ours.predict(mall), ours.labels_)
    assert ours.transform(mall).shape == (200, 5)


def test_elbow_bends_at_five(mall):
    ks = range(1, 11)
    inertias = elbow(mall, ks, n_init=10, random_state=0)
    assert np.all(np.diff(inertias) < 0)
    assert elbow_point(ks, inertias) == 5


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_agglomerative_labels_identical(mall, linkage):
    ours = AgglomerativeClustering(n_clusters=5, linkage=linkage).fit(mall)
    ref = sk.AgglomerativeClustering(n_clusters=5, linkage=linkage).fit(mall)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_merge_heights_match_sklearn_without_ties(linkage):
    """On tie-free data the whole dendrogram is unique: every merge height agrees."""
    X = np.random.RandomState(0).randn(40, 3)
    ours = AgglomerativeClustering(n_clusters=3, linkage=linkage).fit(X)
    ref = sk.AgglomerativeClustering(n_clusters=3, linkage=linkage, compute_distances=True).fit(X)
    np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-12)


def test_distance_threshold_and_dendrogram(mall, tmp_path):
    model = AgglomerativeClustering(n_clusters=None, distance_threshold=200.0).fit(mall)
    ref = sk.AgglomerativeClustering(n_clusters=None, distance_threshold=200.0).fit(mall)
    assert model.n_clusters_ == ref.n_clusters_ == 5
    Z = linkage_matrix(model)
    assert Z.shape == (199, 4) and Z[-1, 3] == 200
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    drawn = plot_dendrogram(model, ax=ax, truncate_mode="lastp", p=5)
    assert len(drawn["ivl"]) == 5
    fig.savefig(tmp_path / "dendrogram.png")
    plt.close(fig)


@pytest.fixture
def shifted_mall(mall):
    """Mall Customers plus a column that is 1e8 for everyone: every distance is unchanged."""
    return np.column_stack([mall, np.full(len(mall), 1e8)])


def test_kmeans_ignores_a_large_constant_column(shifted_mall):
    """Uncentred, ||x||² - 2x·μ + ||μ||² is ~1e16 and rounds away distances of ~100
    (inertia 44372 instead of 44448); scikit-learn centres the data first, and so do we."""
    ours = KMeans(n_clusters=5, n_init=10, random_state=0).fit(shifted_mall)
    ref = sk.KMeans(n_clusters=5, n_init=10, random_state=0).fit(shifted_mall)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0
    np.testing.assert_array_equal(ours.predict(shifted_mall), ours.labels_)
    gaps = shifted_mall[:, None, :] - ours.cluster_centers_[None, :, :]
    np.testing.assert_allclose(ours.transform(shifted_mall), np.sqrt((gaps**2).sum(axis=2)),
                               rtol=1e-9)


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_agglomerative_ignores_a_large_constant_column(shifted_mall, linkage):
    ours = AgglomerativeClustering(n_clusters=5, linkage=linkage).fit(shifted_mall)
    ref = sk.AgglomerativeClustering(n_clusters=5, linkage=linkage).fit(shifted_mall)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0


def test_bad_input():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="KMeans: expected n_clusters <= n_samples, but "
                                         "n_clusters = 5 and n_samples = 4"):
        KMeans(n_clusters=5).fit(X)
    with pytest.raises(ValueError, match="AgglomerativeClustering: expected n_clusters <= "
                                         "n_samples"):
        AgglomerativeClustering(n_clusters=5).fit(X)
    with pytest.raises(ValueError, match="give exactly one of n_clusters and distance_threshold"):
        AgglomerativeClustering(n_clusters=2, distance_threshold=1.0).fit(X)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        KMeans(n_clusters=2).fit(np.array([[np.nan, 1.0], [1.0, 2.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="X has 3 features, but KMeans is expecting 2"):
        KMeans(n_clusters=2).fit(X).predict(np.ones((1, 3)))


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_nn_chain_and_spanning_tree_match_sklearn_on_larger_random_data(linkage):
    """400 points in 5-D: every merge height and the 2- to 8-cluster cuts agree."""
    X = np.random.RandomState(1).randn(400, 5)
    ref = sk.AgglomerativeClustering(n_clusters=8, linkage=linkage, compute_distances=True).fit(X)
    ours = AgglomerativeClustering(n_clusters=8, linkage=linkage).fit(X)
    np.testing.assert_allclose(ours.distances_, ref.distances_, rtol=1e-10)
    for k in range(2, 9):
        labels = sk.AgglomerativeClustering(n_clusters=k, linkage=linkage).fit(X).labels_
        ours_k = AgglomerativeClustering(n_clusters=k, linkage=linkage).fit(X).labels_
        assert adjusted_rand_score(ours_k, labels) == 1.0


@pytest.mark.parametrize("linkage", ["ward", "complete", "average"])
def test_rounds_of_mutual_pairs_make_the_merges_of_the_chain(linkage, monkeypatch):
    """A cloud, where many pairs are mutual nearest neighbours at once, and points whose gaps
    grow along a line, which have one mutual pair at a time: the rounds merge the cloud and
    hand the rest to the chain (with the clusters' sizes). The merge heights and every cut
    are those of the chain alone on the same distance matrix."""
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(60, 2), np.column_stack([1.5 ** np.arange(40) + 10, np.zeros(40)])])
    D = ((X[:, None] - X[None]) ** 2).sum(axis=-1)  # ward merges on squared distances
    if linkage != "ward":
        D = np.sqrt(D)
    np.fill_diagonal(D, np.inf)
    handed_over = []
    chain = agglomerative.nn_chain
    monkeypatch.setattr(agglomerative, "nn_chain",
                        lambda D, *args: handed_over.append(len(D)) or chain(D, *args))
    rounds = agglomerative.label_merges(*agglomerative.mutual_nearest_rounds(D.copy(), linkage),
                                        len(X))
    assert len(handed_over) == 1 and 2 < handed_over[0] < len(X) - 20, handed_over
    alone = agglomerative.label_merges(*chain(D.copy(), linkage, np.ones(len(X))), len(X))
    np.testing.assert_allclose(rounds[1], alone[1], rtol=1e-12)
    for k in (2, 5, 30, 70):
        assert adjusted_rand_score(agglomerative.cut_tree(rounds[0], k),
                                   agglomerative.cut_tree(alone[0], k)) == 1.0


@pytest.mark.parametrize("linkage", ["ward", "complete", "average", "single"])
def test_agglomerative_same_labels_on_mnist_digits(mnist_digits, linkage):
    """1,000 digits, 784 pixels with many exact ties in the distances: same 10 clusters."""
    X = mnist_digits(1000)[0]
    ours = AgglomerativeClustering(n_clusters=10, linkage=linkage).fit(X)
    ref = sk.AgglomerativeClustering(n_clusters=10, linkage=linkage).fit(X)
    assert adjusted_rand_score(ours.labels_, ref.labels_) == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_plusplus_draws_the_same_centres_from_the_shared_matrix(seed):
    """Rows of the matrix of all pairs (several runs on small data) or the distances of the
    drawn rows alone (`KMeans._draw_distances`): the same draws, the same centres."""
    X = np.random.default_rng(seed).standard_normal((300, 4))
    data = ReferenceRows(X)
    between = data.squared_distances(X)
    for run in range(5):
        shared = kmeans.kmeans_plusplus(X, lambda rows: between[rows], 6,
                                        np.random.RandomState(run))
        alone = kmeans.kmeans_plusplus(X, lambda rows: data.squared_distances(X[rows]), 6,
                                       np.random.RandomState(run))
        np.testing.assert_array_equal(shared, alone)


@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_kmeans_plusplus_draws_scikit_learns_centres(random_state):
    """With the same random_state, k-means++ draws scikit-learn's first centre and
    candidates, so one run converges to its clustering in as many iterations."""
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((600, 5)) + rng.integers(0, 4, (600, 1)) * 3.0
    ours = KMeans(n_clusters=6, n_init=1, random_state=random_state).fit(X)
    ref = sk.KMeans(n_clusters=6, n_init=1, random_state=random_state).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10, atol=1e-12)


def test_a_lloyd_pass_in_threads_gives_the_numbers_of_one_whole_pass():
    from concurrent.futures import ThreadPoolExecutor

    from models._groups import group_sums

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3 * kmeans.LLOYD_BLOCK_ROWS + 17, 6))  # four blocks, the last short
    data, centers = ReferenceRows(X), X[rng.choice(len(X), 5, replace=False)]
    serial = kmeans.lloyd_pass(X, data, centers, None)
    with ThreadPoolExecutor(2) as pool:
        threaded = kmeans.lloyd_pass(X, data, centers, pool)
    for one, other in zip(serial, threaded):  # the blocks are combined in order: equal bits
        np.testing.assert_array_equal(one, other)
    labels, distances = kmeans.assign(data, centers)  # all rows at once
    counts, sums = group_sums(X, labels, len(centers))
    np.testing.assert_array_equal(serial[0], labels)
    np.testing.assert_allclose(serial[1], distances, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(serial[2], counts)
    np.testing.assert_allclose(serial[3], sums, rtol=1e-12)
