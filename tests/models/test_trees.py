"""Decision trees and random forests against scikit-learn on real data."""

import graphviz
import numpy as np
import pytest
from sklearn import ensemble, tree
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from models import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from models import _tree_growth as tree_growth
from models._tree_growth import (
    CRITERIA,
    ClassStats,
    LevelGrower,
    Presorted,
    segment_cumsum,
    transpose,
)
from models.tree import export_graphviz, export_text, seeded


def correct(model, X, y) -> int:
    return int((model.predict(X) == y).sum())


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_full_tree_social_ads(social_ads, criterion):
    X_train, X_test, y_train, y_test = social_ads
    ours = DecisionTreeClassifier(criterion=criterion, random_state=0).fit(X_train, y_train)
    ref = tree.DecisionTreeClassifier(criterion=criterion, random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.predict(X_train), ref.predict(X_train))
    assert abs(correct(ours, X_test, y_test) - correct(ref, X_test, y_test)) <= 0.01 * len(y_test)


def test_full_tree_churn(churn):
    X_train, X_test, y_train, y_test = churn
    ours = DecisionTreeClassifier(random_state=0).fit(X_train, y_train)
    ref = tree.DecisionTreeClassifier(random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(ours.predict(X_train), ref.predict(X_train))
    assert abs(correct(ours, X_test, y_test) - correct(ref, X_test, y_test)) <= 0.01 * len(y_test)


def test_shallow_tree_is_sklearns_tree(social_ads):
    """With no ties to break, a depth-3 tree is the same tree: same text, importances."""
    X_train, X_test, y_train, _ = social_ads
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X_train, y_train)
    ref = tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X_train, y_train)
    names = ["Age", "EstimatedSalary"]
    assert export_text(ours, names) == tree.export_text(ref, feature_names=names)
    np.testing.assert_allclose(ours.feature_importances_, ref.feature_importances_, rtol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test), rtol=1e-12)
    graph = export_graphviz(ours, names)
    assert isinstance(graph, graphviz.Digraph)
    assert graph.source.count("->") == 2 * (ours.get_n_leaves() - 1)


def test_regression_tree_power_plant(power_plant):
    X_train, X_test, y_train, y_test = power_plant
    ours = DecisionTreeRegressor(max_depth=6, min_samples_leaf=5, random_state=0)
    ref = tree.DecisionTreeRegressor(max_depth=6, min_samples_leaf=5, random_state=0)
    ours.fit(X_train, y_train)
    ref.fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict(X_test), ref.predict(X_test), rtol=1e-9)
    # the same splits (node numbering differs: we number both children at once)
    assert ours.tree_.node_count == ref.tree_.node_count
    inner, ref_inner = ours.tree_.feature >= 0, ref.tree_.feature >= 0
    np.testing.assert_allclose(np.sort(ours.tree_.threshold[inner]),
                               np.sort(ref.tree_.threshold[ref_inner]), rtol=1e-6)


def test_random_forest_churn(churn):
    """2,500 test rows: 2 points is 50 rows, well above seed-to-seed noise."""
    X_train, X_test, y_train, y_test = churn
    ours = RandomForestClassifier(n_estimators=20, oob_score=True, random_state=0)
    ref = ensemble.RandomForestClassifier(n_estimators=20, oob_score=True, random_state=0)
    ours.fit(X_train, y_train)
    ref.fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) <= 0.02
    assert abs(ours.oob_score_ - ref.oob_score_) <= 0.02
    assert np.argmax(ours.feature_importances_) == np.argmax(ref.feature_importances_)


def test_random_forest_regressor_power_plant(power_plant):
    X_train, X_test, y_train, y_test = power_plant
    ours = RandomForestRegressor(n_estimators=20, oob_score=True, random_state=0)
    ref = ensemble.RandomForestRegressor(n_estimators=20, oob_score=True, random_state=0)
    ours.fit(X_train, y_train)
    ref.fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - ref.score(X_test, y_test)) <= 0.01
    assert ours.oob_score_ > 0.9


def test_forest_in_a_pipeline_with_string_labels(social_ads):
    X_train, X_test, y_train, y_test = social_ads
    labels = np.array(["stay", "buy"])
    model = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=10, random_state=0))
    model.fit(X_train, labels[y_train])
    assert set(model.predict(X_test)) == {"stay", "buy"}
    assert model.score(X_test, labels[y_test]) >= 0.85


def test_bad_input():
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="DecisionTreeClassifier: criterion must be one of"):
        DecisionTreeClassifier(criterion="squared_error").fit(X, y)
    with pytest.raises(ValueError, match="RandomForestClassifier: oob_score needs bootstrap"):
        RandomForestClassifier(bootstrap=False, oob_score=True).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but DecisionTreeRegressor is "
                                         "expecting 2"):
        DecisionTreeRegressor().fit(X, y).predict(np.ones((1, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        RandomForestRegressor().fit(np.array([[np.nan, 1.0], [1.0, 2.0]]), [0.0, 1.0])


@pytest.mark.parametrize("make", [
    lambda: (DecisionTreeRegressor(), tree.DecisionTreeRegressor()),
    lambda: (RandomForestRegressor(5, random_state=0),
             ensemble.RandomForestRegressor(5, random_state=0)),
    lambda: (DecisionTreeClassifier(max_features=1), tree.DecisionTreeClassifier(max_features=1)),
])
def test_rows_alike_in_every_feature_make_one_leaf(monkeypatch, make):
    """Every feature constant (impure targets, no split possible): each tree is one leaf that
    predicts the mean, or the class fractions, as scikit-learn's. Pair by pair (regression
    always; classification above SMALL_GRID) this raised an IndexError or a ValueError: no
    node had a feature left to look at."""
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    X, y = np.ones((30, 3)), np.arange(30) % 3
    ours, ref = (model.fit(X, y) for model in make())
    trees = getattr(ours, "estimators_", [ours])
    assert all(t.tree_.node_count == 1 for t in trees)
    np.testing.assert_allclose(ours.predict(X[:2]), ref.predict(X[:2]))


def test_a_node_draws_on_until_a_feature_varies():
    """Nine constant columns and one informative one: with max_features=1 a node whose draw
    is constant draws on until it finds the informative column (as scikit-learn's splitter:
    the search goes on until there is a feature to split on), so the tree separates the
    classes."""
    rng = np.random.RandomState(0)
    x = rng.uniform(size=200)
    X = np.column_stack([np.ones((200, 9)), x])[:, rng.permutation(10)]
    y = (x > 0.5).astype(int)
    model = DecisionTreeClassifier(max_features=1, random_state=0).fit(X, y)
    assert model.get_depth() == 1
    assert model.score(X, y) == 1.0


def test_a_node_examines_the_varying_features_among_its_first_max_features_draws(monkeypatch):
    """scikit-learn's rule: a node visits its first max_features draws, constant in it or
    not, and examines those that vary in it; if none does, the first draw that varies.
    Checked at every open node (pair by pair) against its own rows, on columns constant in
    many nodes (four everywhere, four nonzero in one row of ten). (A small level scored
    whole applies the same rule: test_a_small_level_is_scored_whole_with_the_same_splits.)"""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 3, (300, 12)).astype(float)
    X[:, :4] = 1.0
    X[:, 4:8] *= rng.uniform(size=(300, 4)) < 0.1
    y = (X[:, 8] + X[:, 9] + X[:, 4] > 2).astype(int) + (X[:, 10] > 1)
    n_try, visits = 3, []
    draw_pairs = LevelGrower._draw_pairs

    def recording(self, rows, sizes, open_nodes, draws, constant):
        looked_at = draw_pairs(self, rows, sizes, open_nodes, draws, constant)
        pair_node, pair_feature, _, _, _, examine = looked_at
        starts = np.cumsum(sizes) - sizes
        for k, node in enumerate(open_nodes):
            node_X = X[rows[starts[node]:starts[node] + sizes[node]]]
            varies = [f for f in draws[k] if np.ptp(node_X[:, f]) > 0]
            first = [f for f in draws[k][:n_try] if f in varies]
            visits.append((len(first), list(pair_feature[(pair_node == k) & examine])))
            assert visits[-1][1] == (first or varies[:1])
        return looked_at
    monkeypatch.setattr(LevelGrower, "_draw_pairs", recording)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    DecisionTreeClassifier(max_features=n_try, random_state=0).fit(X, y)
    assert len(visits) > 20
    assert {0, 1, 2} <= {n_varying for n_varying, _ in visits}  # fewer than n_try examined


def test_a_feature_constant_in_a_node_is_not_examined_below_it(monkeypatch):
    """Column 1 is all zeros, column 2 is zero wherever x0 <= 0.5: the root splits on x0, and
    below it each feature is looked at (its ranks gathered) only while it may still vary,
    so column 1 never (it is constant in every row: known before the root) and column 2 once
    in the left subtree (where it is found constant). The tree is still scikit-learn's."""
    rng = np.random.RandomState(0)
    x0, x2, x3 = rng.uniform(size=(3, 400))
    x2 = np.where(x0 > 0.5, x2, 0.0)
    X = np.column_stack([x0, np.zeros(400), x2, x3])
    y = np.where(x0 > 0.5, 2 + (x2 > 0.5), x3 > 0.5)
    looked_at = []
    ranks = LevelGrower._ranks

    def recording_ranks(self, rows, row_start, size, pair_feature):
        looked_at.extend((f, frozenset(rows[s:s + k])) for s, k, f in zip(row_start, size,
                                                                           pair_feature))
        return ranks(self, rows, row_start, size, pair_feature)

    monkeypatch.setattr(LevelGrower, "_ranks", recording_ranks)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    ours = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert ours.tree_.feature[0] == 0 and ours.get_depth() >= 2
    left = frozenset(np.flatnonzero(x0 <= ours.tree_.threshold[0]))
    assert [f for f, _ in looked_at].count(1) == 0
    assert [f for f, _ in looked_at].count(0) >= 1  # (the recording sees the other columns)
    assert sum(f == 2 and rows <= left for f, rows in looked_at) == 1
    ref = tree.DecisionTreeClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.tree_.node_count == ref.tree_.node_count


def test_segment_cumsum_restarts_at_each_segment():
    values = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    running, totals = segment_cumsum(values.copy(), np.array([0, 2, 3]))
    np.testing.assert_array_equal(running, [[1, 3, 3, 4, 9], [1, 2, 1, 1, 2]])
    np.testing.assert_array_equal(totals, [[3, 3, 9], [2, 1, 2]])


def test_segment_cumsum_takes_the_totals_it_is_given():
    values = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    known = np.array([[3.0, 3.0, 9.0], [2.0, 1.0, 2.0]])
    running, totals = segment_cumsum(values.copy(), np.array([0, 2, 3]), totals=known)
    np.testing.assert_array_equal(running, [[1, 3, 3, 4, 9], [1, 2, 1, 1, 2]])
    assert totals is known


@pytest.mark.parametrize("criterion", ["gini", "entropy"])
def test_class_split_cost_is_the_right_childs_to_the_bit(criterion):
    """ClassStats.split_cost builds no right child for the gini (Σ R² = Σ T² - 2 Σ T·L +
    Σ L²): on integer counts (a forest's bootstrap weights) it gives, to the bit,
    W_L·H(L) + W_R·H(R) computed from the right child's counts R = T - L."""
    rng = np.random.RandomState(0)
    impurity = CRITERIA[criterion]
    stats = ClassStats(np.zeros(1, np.intp), np.ones(1), 7, impurity)
    runs = rng.randint(1, 40, size=200)  # splits of each node
    total = rng.randint(0, 3000, size=(7, len(runs))).astype(float)
    total[:, 0] = [5000.0, 0, 0, 0, 0, 0, 1]  # nearly pure: large squares
    node = np.arange(len(runs)).repeat(runs)
    left = np.floor(total[:, node] * rng.uniform(0.0, 1.0, size=(7, len(node))))
    right = total[:, node] - left
    keep = (left.sum(axis=0) > 0) & (right.sum(axis=0) > 0)
    left, right, node = left[:, keep], right[:, keep], node[keep]
    runs = np.bincount(node, minlength=len(runs))
    expected = np.zeros(len(node))
    for child in (left, right):
        w = child.sum(axis=0)
        expected += w * impurity(child.T, w)
    got = stats.split_cost(left, total, lambda a: a.repeat(runs, axis=-1))
    np.testing.assert_array_equal(got, expected)
    by_take = stats.split_cost(left, total, lambda a: a.take(node, axis=-1))
    np.testing.assert_array_equal(by_take, expected)


def test_transpose_is_x_t_for_any_block():
    X = np.arange(35.0).reshape(7, 5)
    for block in (1, 3, 7, 128):
        columns = transpose(X, block)
        np.testing.assert_array_equal(columns, X.T)
        assert columns.flags.c_contiguous


def test_presorted_rank_counts_smaller_distinct_values_so_ties_share_it():
    X = np.array([[0.5, 2.0], [0.0, 2.0], [0.5, 1.0], [-1.0, 2.0], [0.5, 3.0]])
    presorted = Presorted(X)
    np.testing.assert_array_equal(presorted.rank, [[2, 1, 2, 0, 2], [1, 1, 0, 1, 2]])
    np.testing.assert_array_equal(presorted.n_distinct, [3, 3])
    assert presorted.rank.dtype == np.uint8  # the smallest type that holds the ranks
    for f in range(X.shape[1]):
        column = X[:, f]
        smaller = [len(np.unique(column[column < x])) for x in column]
        np.testing.assert_array_equal(presorted.rank[f], smaller)
        np.testing.assert_array_equal(presorted.values[f, presorted.rank[f]], column)


def test_split_search_is_sklearns_on_mnist(mnist_digits):
    """1,000 digits, 784 features (many constant in a node, many ties): a depth-4 tree with
    gini and one with entropy choose the same splits as scikit-learn's up to ties."""
    X_train, X_test, y_train, _ = mnist_digits(1000)
    for criterion in ("gini", "entropy"):
        ours = DecisionTreeClassifier(criterion=criterion, max_depth=4, random_state=0)
        ref = tree.DecisionTreeClassifier(criterion=criterion, max_depth=4, random_state=0)
        ours.fit(X_train, y_train)
        ref.fit(X_train, y_train)
        np.testing.assert_allclose(np.sort(ours.tree_.impurity), np.sort(ref.tree_.impurity),
                                   atol=1e-12)
        assert (ours.predict(X_test) == ref.predict(X_test)).mean() > 0.95


def test_forest_trees_are_grown_on_bootstrap_counts(churn):
    """Each tree sees the distinct rows of its bootstrap sample, weighted by their counts
    (scikit-learn's layout): the root holds ≈ 63 % of the rows and a weight of n."""
    X_train, _, y_train, _ = churn
    forest = RandomForestRegressor(n_estimators=3, max_depth=2, random_state=0)
    forest.fit(X_train, y_train.astype(float))
    for fitted, in_bag in zip(forest.estimators_, forest._in_bag):
        assert fitted.tree_.n_node_samples[0] == in_bag.sum() < 0.7 * len(X_train)
        assert fitted.tree_.weighted_n_node_samples[0] == len(X_train)


@pytest.mark.parametrize("Forest", [RandomForestClassifier, RandomForestRegressor])
def test_n_jobs_gives_the_same_forest(social_ads, Forest):
    X_train, X_test, y_train, _ = social_ads
    one = Forest(n_estimators=8, random_state=0).fit(X_train, y_train)
    two = Forest(n_estimators=8, n_jobs=2, random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(one.predict(X_test), two.predict(X_test))
    for a, b in zip(one.estimators_, two.estimators_):
        np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    with pytest.raises(ValueError, match=f"{Forest.__name__}: n_jobs must be an int >= 1"):
        Forest(n_jobs=0).fit(X_train, y_train)


def _fitted_arrays(model):
    trees = getattr(model, "estimators_", [model])
    return [(t.tree_.feature, t.tree_.threshold, t.tree_.value, t.tree_.impurity) for t in trees]


@pytest.mark.parametrize("make", [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: DecisionTreeClassifier(criterion="entropy", min_samples_leaf=4, random_state=0),
    lambda: DecisionTreeRegressor(min_samples_leaf=3, random_state=0),
    lambda: RandomForestClassifier(n_estimators=3, random_state=0),
    lambda: RandomForestRegressor(n_estimators=3, max_features=0.5, random_state=0),
])
def test_histogram_and_sort_find_the_same_splits(monkeypatch, make):
    """Forcing every (node, feature) pair through the histogram, then through the sort, grows
    the same trees (node for node: features, thresholds, values, impurities), on columns
    with 3, 12 and 600 distinct values."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 3, 600), rng.randint(0, 12, 600) / 7.0,
                         rng.normal(size=600)])
    y = (X[:, 0] + X[:, 1] + X[:, 2] + rng.normal(scale=0.5, size=600) > 2).astype(int)
    if "Regressor" in type(make()).__name__:
        y = X @ [1.0, -2.0, 0.5] + rng.normal(size=600)
    calls = {"histogram": 0, "sort": 0}
    for path in calls:
        method = getattr(LevelGrower, f"_runs_by_{path}")

        def counted(self, *args, path=path, method=method):
            calls[path] += 1
            return method(self, *args)
        monkeypatch.setattr(LevelGrower, f"_runs_by_{path}", counted)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    fitted = {}
    for path, ratio in (("histogram", np.inf), ("sort", 0.0)):
        monkeypatch.setattr(tree_growth, "HISTOGRAM_BINS_PER_ROW", ratio)
        calls.update(histogram=0, sort=0)
        fitted[path] = _fitted_arrays(make().fit(X, y))
        assert calls[path] > 0 and calls[{"histogram": "sort", "sort": "histogram"}[path]] == 0
    assert len(fitted["histogram"][0][0]) > 15  # a real tree, not a stump
    for by_histogram, by_sort in zip(fitted["histogram"], fitted["sort"]):
        for a, b in zip(by_histogram, by_sort):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: DecisionTreeRegressor(min_samples_leaf=3, random_state=0),
    lambda: RandomForestClassifier(n_estimators=3, random_state=0),
    lambda: RandomForestRegressor(n_estimators=3, max_features=0.5, random_state=0),
])
def test_sort_keys_in_int32_and_in_int64_find_the_same_splits(monkeypatch, make):
    """The sort path's key is an int32 where it fits, an int64 otherwise (forced here with
    INT32_MAX = 0): the same trees, node for node, on columns with many ties (the rows of a
    run of equal x keep their order, so even regression's float sums are the same)."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 12, 600) / 7.0, rng.normal(size=600).round(1),
                         rng.normal(size=600)])
    y = (X[:, 0] + X[:, 1] + X[:, 2] + rng.normal(scale=0.5, size=600) > 2).astype(int)
    if "Regressor" in type(make()).__name__:
        y = X @ [1.0, -2.0, 0.5] + rng.normal(size=600)
    key_types = []
    runs_by_sort = LevelGrower._runs_by_sort

    def recording(self, *args):
        runs = runs_by_sort(self, *args)
        key_types.append(runs[-1].dtype)  # the key of each pair's rank 0
        return runs
    monkeypatch.setattr(LevelGrower, "_runs_by_sort", recording)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    monkeypatch.setattr(tree_growth, "HISTOGRAM_BINS_PER_ROW", 0.0)  # every pair by the sort
    fitted = {}
    for key_type, int32_max in ((np.int32, np.iinfo(np.int32).max), (np.int64, 0)):
        monkeypatch.setattr(tree_growth, "INT32_MAX", int32_max)
        key_types.clear()
        fitted[key_type] = _fitted_arrays(make().fit(X, y))
        assert set(key_types) == {np.dtype(key_type)}
    assert len(fitted[np.int32][0][0]) > 15  # a real tree, not a stump
    for in_int32, in_int64 in zip(fitted[np.int32], fitted[np.int64]):
        for a, b in zip(in_int32, in_int64):
            np.testing.assert_array_equal(a, b)


def test_few_distinct_values_in_a_large_node_go_through_the_histogram(monkeypatch):
    """A column with 5 values in 2,000 rows is split from its histogram (and a column with
    2,000 values below the root from a sort); the depth-3 tree is scikit-learn's."""
    rng = np.random.RandomState(1)
    X = np.column_stack([rng.randint(0, 5, 2000) * 0.25, rng.uniform(size=2000)])
    y = ((X[:, 0] >= 0.5) ^ (X[:, 1] > 0.7)) | (rng.uniform(size=2000) < 0.1)
    seen = []
    for path in ("histogram", "sort"):
        method = getattr(LevelGrower, f"_runs_by_{path}")

        def recording(self, ranks, pair_rows, size, pair_feature, path=path, method=method):
            seen.extend((path, f, s) for f, s in zip(pair_feature, size))
            return method(self, ranks, pair_rows, size, pair_feature)
        monkeypatch.setattr(LevelGrower, f"_runs_by_{path}", recording)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    ours = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    assert ("histogram", 0, 2000) in seen  # the root's pair for the 5-valued column
    assert all(path == "histogram" for path, f, _ in seen if f == 0)
    assert any(path == "sort" for path, f, size in seen if f == 1 and size < 2000)
    ref = tree.DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    assert export_text(ours, decimals=6) == tree.export_text(ref, decimals=6)


def test_apply_follows_each_row_down_to_its_leaf():
    """All rows step down together (a leaf is its own child): each lands in the leaf that a
    walk from the root, one row and one node at a time, reaches; leaves at many depths."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] > 0) ^ (X[:, 1] * X[:, 2] > 0.3)
    fitted = DecisionTreeClassifier(random_state=0).fit(X, y).tree_
    X_new = rng.normal(size=(200, 3))

    def walk(x):
        node = 0
        while fitted.children_left[node] != -1:
            right = x[fitted.feature[node]] > fitted.threshold[node]
            node = (fitted.children_right if right else fitted.children_left)[node]
        return node

    leaves = fitted.apply(X_new)
    assert len(np.unique(leaves)) > 10 and fitted.max_depth > 4
    np.testing.assert_array_equal(leaves, [walk(x) for x in X_new])


def test_a_small_level_takes_one_path(monkeypatch):
    """Below SMALL_LEVEL (row, feature) entries, a level's pairs all take one path (the sort,
    unless every pair would take the histogram) even where a pair alone would take the
    histogram; above it each pair takes its own. The tree is still scikit-learn's."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 3, 2000), rng.normal(size=2000)])
    y = (X[:, 0] + X[:, 1] + rng.normal(scale=0.5, size=2000) > 1.5).astype(int)
    choices = []
    by_histogram = LevelGrower._by_histogram

    def recording(self, size, pair_feature, n_entries):
        histogram = by_histogram(self, size, pair_feature, n_entries)
        alone = self.sorted.n_distinct[pair_feature] <= tree_growth.HISTOGRAM_BINS_PER_ROW * size
        choices.append((n_entries < tree_growth.SMALL_LEVEL, alone, histogram))
        return histogram
    monkeypatch.setattr(LevelGrower, "_by_histogram", recording)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", 0)  # every level (node, feature) pair by pair
    ours = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert any(small and alone.any() and not alone.all() for small, alone, _ in choices)
    for small, alone, histogram in choices:
        if small:
            assert histogram.all() if alone.all() else not histogram.any()
        else:
            np.testing.assert_array_equal(histogram, alone)
    assert any(not small and 0 < histogram.sum() < len(histogram)
               for small, _, histogram in choices)
    ref = tree.DecisionTreeClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("make", [
    lambda: DecisionTreeClassifier(random_state=0),
    lambda: DecisionTreeClassifier(criterion="entropy", min_samples_leaf=4, random_state=0),
    lambda: DecisionTreeClassifier(max_features=2, min_samples_split=9, random_state=1),
    lambda: RandomForestClassifier(n_estimators=3, random_state=0),
    lambda: RandomForestClassifier(n_estimators=3, criterion="entropy", max_features=3,
                                   random_state=0),
])
def test_a_small_level_is_scored_whole_with_the_same_splits(monkeypatch, make):
    """Scoring every level whole (_small_level_splits: all features of all open nodes at
    once) and scoring every level pair by pair grow the same trees, node for node, on four
    classes and columns with 2, 5, 40 and 300 distinct values (the 5-valued one is 0
    wherever the 2-valued one is: constant in some nodes, where max_features skips it).
    A classifier's small levels take the whole path, a regressor's never (its float sums
    would add up in another order)."""
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 2, 300), rng.randint(0, 5, 300),
                         rng.randint(0, 40, 300) / 8.0, rng.normal(size=300)])
    X[X[:, 0] == 0, 1] = 0.0
    y = ((X[:, 1] > 2) + (X[:, 2] + X[:, 3] + rng.normal(scale=0.5, size=300) > 2.5)
         + 2 * (X[:, 0] == 1))
    calls = []
    small_level = LevelGrower._small_level_splits

    def counted(self, *args):
        calls.append(len(args[0]))
        return small_level(self, *args)
    monkeypatch.setattr(LevelGrower, "_small_level_splits", counted)
    fitted = {}
    for grid in (np.inf, 0):
        monkeypatch.setattr(tree_growth, "SMALL_GRID", grid)
        calls.clear()
        fitted[grid] = _fitted_arrays(make().fit(X, y))
        assert (len(calls) > 0) == (grid == np.inf)
    assert len(fitted[0][0][0]) > 25  # a real tree, not a stump
    for whole, by_pairs in zip(fitted[np.inf], fitted[0]):
        for a, b in zip(whole, by_pairs):
            np.testing.assert_array_equal(a, b)
    monkeypatch.setattr(tree_growth, "SMALL_GRID", np.inf)
    calls.clear()
    RandomForestRegressor(n_estimators=2, random_state=0).fit(X, y.astype(float))
    assert not calls


def test_seeded_gives_check_random_states_numbers():
    """An int seed re-seeds the thread's RandomState: the numbers of a new RandomState(seed),
    whatever was drawn before; anything else is check_random_state's."""
    first = seeded(5).randint(0, 1000, 20)
    seeded(7).randint(0, 1000, 50)
    np.testing.assert_array_equal(seeded(np.int64(5)).randint(0, 1000, 20), first)
    np.testing.assert_array_equal(first, np.random.RandomState(5).randint(0, 1000, 20))
    own = np.random.RandomState(3)
    assert seeded(own) is own
    assert isinstance(seeded(None), np.random.RandomState)
