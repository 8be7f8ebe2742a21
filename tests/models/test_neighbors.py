"""k-NN: identical predictions to scikit-learn's brute-force search on real data."""

import numpy as np
import pytest
from sklearn import neighbors as sk

from models import KNeighborsClassifier, KNeighborsRegressor
from models.neighbors import smallest_k, smallest_k_on_all_cores

SETTINGS = [
    dict(n_neighbors=5),
    dict(n_neighbors=5, weights="distance"),
    dict(n_neighbors=1),
    dict(n_neighbors=7, metric="manhattan"),
    dict(n_neighbors=4, metric="minkowski", p=3),
]


@pytest.mark.parametrize("algorithm", ["brute", "kd_tree"])
@pytest.mark.parametrize("params", SETTINGS, ids=str)
def test_social_ads_predictions_identical(social_ads, params, algorithm):
    """Each search against scikit-learn's same search: the data hold duplicate rows with
    different labels, and which of two tied neighbours wins depends on how the distance is
    rounded (brute force: the expansion; the tree: direct differences, as scikit-learn's)."""
    X_train, X_test, y_train, _ = social_ads
    ours = KNeighborsClassifier(algorithm=algorithm, **params).fit(X_train, y_train)
    ref = sk.KNeighborsClassifier(algorithm=algorithm, **params).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
    proba, ref_proba = ours.predict_proba(X_test), ref.predict_proba(X_test)
    if params.get("weights") == "distance":
        # A query equal to a training row is at distance 0 and, by scikit-learn's rule,
        # weighs only its duplicates; its brute search computes that 0 from the expansion,
        # ~4e-8 here (it depends on the BLAS), and gives the other neighbours ~1e-7.
        distances, indices = ours.kneighbors(X_test)
        duplicate = distances[:, 0] == 0
        assert 0 < duplicate.sum() < len(X_test)
        np.testing.assert_array_equal(proba[duplicate], np.eye(2)[y_train[indices[duplicate, 0]]])
        proba, ref_proba = proba[~duplicate], ref_proba[~duplicate]
    np.testing.assert_allclose(proba, ref_proba, atol=1e-12)


def test_social_ads_default_accuracy(social_ads):
    """The course's k-NN (k=5, Euclidean) reaches 93% on this split."""
    X_train, X_test, y_train, y_test = social_ads
    assert KNeighborsClassifier().fit(X_train, y_train).score(X_test, y_test) == 0.93


@pytest.mark.parametrize("params", [dict(n_neighbors=3), dict(n_neighbors=5, weights="distance"),
                                    dict(n_neighbors=3, metric="manhattan")], ids=str)
def test_mnist_subset_predictions_identical(mnist_subset, params):
    X_train, X_test, y_train, _ = mnist_subset
    ours = KNeighborsClassifier(**params).fit(X_train, y_train)
    ref = sk.KNeighborsClassifier(algorithm="brute", **params).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))


def test_kneighbors_matches_sklearn(mnist_subset):
    X_train, X_test, y_train, _ = mnist_subset
    ours = KNeighborsClassifier(n_neighbors=4).fit(X_train, y_train)
    ref = sk.KNeighborsClassifier(n_neighbors=4, algorithm="brute").fit(X_train, y_train)
    dist, ind = ours.kneighbors(X_test[:100])
    ref_dist, ref_ind = ref.kneighbors(X_test[:100])
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-9)
    np.testing.assert_array_equal(ind, ref_ind)


def test_regressor_matches_sklearn(power_plant):
    """Predict the plant's output PE from (AT, V, AP, RH), first 2,000 rows."""
    X_train, X_test, y_train, _ = power_plant
    for weights in ("uniform", "distance"):
        ours = KNeighborsRegressor(n_neighbors=5, weights=weights).fit(X_train, y_train)
        ref = sk.KNeighborsRegressor(n_neighbors=5, weights=weights, algorithm="brute")
        ref.fit(X_train, y_train)
        np.testing.assert_array_equal(ours.kneighbors(X_test)[1], ref.kneighbors(X_test)[1])
        # Same neighbours; 1/d weights differ in the last bits because scikit-learn's
        # distances come from the ||a||² - 2ab + ||b||² expansion and ours are direct.
        np.testing.assert_allclose(ours.predict(X_test), ref.predict(X_test), rtol=1e-9)


def test_ties_go_to_the_lower_training_index():
    D = np.array([[3.0, 1.0, 2.0, 1.0, 2.0, 2.0]])
    np.testing.assert_array_equal(smallest_k(D, 3), [[1, 3, 2]])
    np.testing.assert_array_equal(smallest_k(D, 6), [[1, 3, 2, 4, 5, 0]])


@pytest.mark.parametrize("k", range(1, 16))
def test_smallest_k_equals_a_stable_sort_on_rows_full_of_ties(k):
    D = np.random.default_rng(k).integers(0, 4, size=(30, 15)).astype(float)
    expected = np.argsort(D, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(smallest_k(D, k), expected)
    np.testing.assert_array_equal(smallest_k_on_all_cores(D, k), expected)


def test_string_labels_and_chunked_queries(monkeypatch):
    """Queries split over many chunks give the same answer as one block."""
    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 3), np.where(rng.rand(60) > 0.5, "yes", "no")
    whole = KNeighborsClassifier(n_neighbors=3).fit(X, y).predict(X)
    monkeypatch.setattr("models._distance.CHUNK_BYTES", 8 * 60 * 7)  # 7 rows per chunk
    from models import _distance

    chunks = list(_distance.row_chunks(60, 60, _distance.CHUNK_BYTES))
    assert len(chunks) == 9
    np.testing.assert_array_equal(KNeighborsClassifier(n_neighbors=3).fit(X, y).predict(X), whole)
    assert set(whole) == {"yes", "no"}


def test_bad_input():
    X, y = np.arange(10.0).reshape(5, 2), np.array([0, 1, 0, 1, 0])
    model = KNeighborsClassifier(n_neighbors=6).fit(X, y)
    with pytest.raises(ValueError, match="KNeighborsClassifier: expected n_neighbors <= "
                                         "n_samples_fit, but n_neighbors = 6"):
        model.predict(X)
    model = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but KNeighborsClassifier is "
                                         "expecting 2 features"):
        model.predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        KNeighborsClassifier().fit(np.array([[np.nan, 1.0]] * 6), [0, 1] * 3)
    with pytest.raises(ValueError, match="KNeighborsRegressor: weights must be one of"):
        KNeighborsRegressor(weights="gaussian").fit(X, y)


def test_a_large_constant_column_changes_no_neighbour(mnist_subset):
    """Distances do not change when every row moves by the same vector, so a column that is
    1e8 everywhere must leave the neighbours as they are. Uncentred, ||a||² - 2a·b + ||b||²
    is ~1e16 and rounds away the pixel distances (~10): 55 % of the queries changed."""
    X_train, X_test, y_train, _ = mnist_subset
    X_train, X_test = X_train / 255, X_test / 255
    ref = sk.KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(X_train, y_train)
    ref_dist, ref_ind = ref.kneighbors(X_test)
    shifted_train, shifted_test = (np.column_stack([X, np.full(len(X), 1e8)])
                                   for X in (X_train, X_test))
    ours = KNeighborsClassifier(n_neighbors=3).fit(shifted_train, y_train)
    dist, ind = ours.kneighbors(shifted_test)
    np.testing.assert_array_equal(ind, ref_ind)
    np.testing.assert_allclose(dist, ref_dist, rtol=1e-9)
    np.testing.assert_array_equal(ours.predict(shifted_test), ref.predict(X_test))


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_kd_tree_equals_a_stable_sort_of_exact_distances_with_many_ties(p, k):
    """Integer points in 3-D: many tied distances; the tree keeps the lower index, as a
    stable sort does, including k beyond one leaf and leaves of very different sizes."""
    rng = np.random.default_rng(k + 10 * p)
    X, Q = rng.integers(0, 5, (500, 3)).astype(float), rng.integers(0, 5, (200, 3)).astype(float)
    expected = np.argsort((np.abs(Q[:, None] - X) ** p).sum(axis=2), axis=1, kind="stable")[:, :k]
    for leaf_size in (1, 7, 30):
        model = KNeighborsRegressor(n_neighbors=k, p=p, algorithm="kd_tree", leaf_size=leaf_size)
        np.testing.assert_array_equal(model.fit(X, np.zeros(500)).kneighbors(Q)[1], expected)


@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_tree_and_brute_force_agree_with_sklearn_on_random_data(weights):
    rng = np.random.RandomState(0)
    X, y, Q = rng.randn(3000, 4), rng.randn(3000), rng.randn(500, 4)
    ref = sk.KNeighborsRegressor(n_neighbors=7, weights=weights, algorithm="kd_tree").fit(X, y)
    ref_dist, ref_ind = ref.kneighbors(Q)
    for algorithm in ("auto", "kd_tree", "brute"):
        ours = KNeighborsRegressor(n_neighbors=7, weights=weights, algorithm=algorithm).fit(X, y)
        dist, ind = ours.kneighbors(Q)
        np.testing.assert_array_equal(ind, ref_ind)
        np.testing.assert_allclose(dist, ref_dist, rtol=1e-12)
        np.testing.assert_allclose(ours.predict(Q), ref.predict(Q), rtol=1e-12)
    assert KNeighborsRegressor().fit(X, y)._fit_method == "kd_tree"
    assert KNeighborsRegressor().fit(rng.randn(50, 16), y[:50])._fit_method == "brute"
    # scikit-learn's rule: brute force as soon as n_neighbors >= n_samples // 2
    for k, method in ((24, "kd_tree"), (25, "brute")):
        assert KNeighborsRegressor(k).fit(X[:50], y[:50])._fit_method == method
        assert sk.KNeighborsRegressor(k).fit(X[:50], y[:50])._fit_method == method


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("leaf_size", [1, 4, 30, 500])
def test_kd_tree_every_k_up_to_n_on_duplicates_and_ties(p, leaf_size):
    """Integer points with duplicates (many exact ties), n = 203 so the leaves differ in
    size: for every k, from 1 to n, the tree returns the same indices, in the same order,
    as a stable sort of the exact distances (ties to the lower index)."""
    rng = np.random.default_rng(leaf_size + p)
    X = rng.integers(0, 4, (203, 2)).astype(float)
    X[150:] = X[:53]  # exact duplicates of earlier rows
    Q = np.vstack([rng.integers(-1, 5, (40, 2)).astype(float), X[:10], [[100.0, -100.0]]])
    expected = np.argsort((np.abs(Q[:, None] - X) ** p).sum(axis=2), axis=1, kind="stable")
    model = KNeighborsRegressor(p=p, algorithm="kd_tree", leaf_size=leaf_size).fit(X, np.zeros(203))
    for k in (1, 2, 3, 5, 8, 29, 31, 60, 64, 101, 202, 203):
        np.testing.assert_array_equal(model.kneighbors(Q, n_neighbors=k)[1], expected[:, :k])


@pytest.mark.parametrize("k", [1, 5, 40])
def test_kd_tree_equals_brute_force_on_random_data_in_blocks(k):
    """Continuous random data (no ties), more queries than one block of the tree's search,
    with a far-away query that needs every leaf: the tree finds brute force's neighbours."""
    rng = np.random.default_rng(k)
    X, Q = rng.standard_normal((2000, 3)), rng.standard_normal((700, 3))
    Q[0] = 50.0
    tree = KNeighborsRegressor(n_neighbors=k, algorithm="kd_tree").fit(X, np.zeros(2000))
    brute = KNeighborsRegressor(n_neighbors=k, algorithm="brute").fit(X, np.zeros(2000))
    np.testing.assert_array_equal(tree.kneighbors(Q)[1], brute.kneighbors(Q)[1])
