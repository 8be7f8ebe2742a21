"""CART decision trees: recursive binary splits that make the children purer.

A node holding samples S is split on one feature f at one threshold t into
L = {x_f <= t} and R = {x_f > t}, choosing (f, t) to minimise the weighted
impurity of the children,

    cost(f, t) = |L| · H(L) + |R| · H(R),

where H is the criterion, computed from per-node statistics s (class counts
for classification, Σy and Σy² for regression):

    gini           H = 1 - Σ_c p_c²                  p_c = count_c / n
    entropy        H = -Σ_c p_c log2 p_c
    squared_error  H = Σy²/n - (Σy/n)²                (the variance of y)

For one feature, sort the node's samples by x_f: the statistics of every
left child at once are the cumulative sums of the sorted per-sample
statistics, and the right child's are the total minus those. So all n - 1
thresholds of a feature are scored with a few vectorised operations, and a
node costs O(d · n log n). Thresholds sit halfway between consecutive distinct
values, as in scikit-learn. Leaves predict the class fractions (or mean y) of
their samples.

Growth stops at max_depth, below min_samples_split samples, at a pure node,
or when no split leaves min_samples_leaf samples on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state

from models._validation import (
    check_choice,
    check_positive_int,
    encode_classes,
    fit_input,
    predict_input,
)

LEAF = -1


def gini(stats: np.ndarray, n: np.ndarray) -> np.ndarray:
    """1 - Σ_c p_c², for rows of class counts `stats` over `n` samples."""
    p = stats / n[..., None]
    return 1.0 - (p * p).sum(axis=-1)


def entropy(stats: np.ndarray, n: np.ndarray) -> np.ndarray:
    """-Σ_c p_c log2 p_c (with 0 log 0 = 0)."""
    p = stats / n[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=-1)


def squared_error(stats: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Σy²/n - (Σy/n)², for rows [Σy, Σy²] over `n` samples."""
    mean = stats[..., 0] / n
    return np.maximum(stats[..., 1] / n - mean * mean, 0.0)


CRITERIA: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "gini": gini, "entropy": entropy, "squared_error": squared_error,
}


@dataclass
class Split:
    cost: float
    feature: int
    threshold: float


def best_threshold(x: np.ndarray, Y: np.ndarray, impurity: Callable, min_leaf: int):
    """(cost, threshold) of the best split of one feature, or None if no split is allowed.

    Y holds each sample's statistics (a one-hot row, or [y, y²]); the left child
    after the i-th sorted sample has statistics cumsum(Y_sorted)[i].
    """
    order = np.argsort(x, kind="stable")
    xs, Ys = x[order], Y[order]
    left = np.cumsum(Ys, axis=0)[:-1]
    right = left[-1] + Ys[-1] - left
    n_left = np.arange(1, len(x), dtype=np.float64)
    n_right = len(x) - n_left
    allowed = (xs[1:] > xs[:-1]) & (n_left >= min_leaf) & (n_right >= min_leaf)
    if not allowed.any():
        return None
    cost = n_left * impurity(left, n_left) + n_right * impurity(right, n_right)
    i = np.flatnonzero(allowed)[np.argmin(cost[allowed])]
    threshold = xs[i] / 2.0 + xs[i + 1] / 2.0
    if threshold == xs[i + 1]:  # two adjacent floats: the midpoint rounds up
        threshold = xs[i]
    return cost[i], threshold


@dataclass
class Tree:
    """A fitted tree as flat arrays, one entry per node (scikit-learn's `tree_` layout).

    Node 0 is the root; children_left/right are LEAF (-1) at leaves; `value`
    holds the class fractions (or [mean y]) of the node's training samples.
    """

    children_left: list = field(default_factory=list)
    children_right: list = field(default_factory=list)
    feature: list = field(default_factory=list)
    threshold: list = field(default_factory=list)
    value: list = field(default_factory=list)
    impurity: list = field(default_factory=list)
    n_node_samples: list = field(default_factory=list)

    def add_node(self, value: np.ndarray, impurity: float, n: int) -> int:
        for name, item in (("children_left", LEAF), ("children_right", LEAF), ("feature", LEAF),
                           ("threshold", np.nan), ("value", value), ("impurity", impurity),
                           ("n_node_samples", n)):
            getattr(self, name).append(item)
        return len(self.feature) - 1

    def freeze(self) -> Tree:
        """Lists to arrays, once the tree is grown."""
        for name, column in vars(self).items():
            setattr(self, name, np.asarray(column))
        return self

    @property
    def node_count(self) -> int:
        return len(self.feature)

    @property
    def max_depth(self) -> int:
        depth = np.zeros(self.node_count, dtype=int)
        for node in range(self.node_count):  # parents come before children
            for child in (self.children_left[node], self.children_right[node]):
                if child != LEAF:
                    depth[child] = depth[node] + 1
        return int(depth.max())

    def apply(self, X: np.ndarray) -> np.ndarray:
        """The leaf each row of X falls into, all rows descending together."""
        node = np.zeros(len(X), dtype=np.intp)
        inner = self.children_left[node] != LEAF
        while inner.any():
            at = node[inner]
            go_left = X[inner, self.feature[at]] <= self.threshold[at]
            node[inner] = np.where(go_left, self.children_left[at], self.children_right[at])
            inner = self.children_left[node] != LEAF
        return node

    def feature_importances(self, n_features: int) -> np.ndarray:
        """Mean decrease in impurity: Σ over splits on f of n·H - n_L·H_L - n_R·H_R, normalised."""
        importances = np.zeros(n_features)
        for node in np.flatnonzero(self.children_left != LEAF):
            left, right = self.children_left[node], self.children_right[node]
            importances[self.feature[node]] += (
                self.n_node_samples[node] * self.impurity[node]
                - self.n_node_samples[left] * self.impurity[left]
                - self.n_node_samples[right] * self.impurity[right]
            )
        total = importances.sum()
        return importances / total if total > 0 else importances


class _TreeGrower:
    """Grows one tree depth-first from per-sample statistics Y (see module docstring)."""

    def __init__(self, criterion: str, max_depth: int | None, min_samples_split: int,
                 min_samples_leaf: int, n_try: int, rng: np.random.RandomState, leaf_value):
        self.impurity = CRITERIA[criterion]
        self.max_depth = np.inf if max_depth is None else max_depth
        self.min_samples_split = max(min_samples_split, 2 * min_samples_leaf)
        self.min_samples_leaf = min_samples_leaf
        self.n_try = n_try
        self.rng = rng
        self.leaf_value = leaf_value  # node statistics -> the node's prediction

    def grow(self, X: np.ndarray, Y: np.ndarray) -> Tree:
        tree = Tree()
        root = self._add(tree, Y)
        stack = [(root, np.arange(len(X)), 0)]
        while stack:
            node, rows, depth = stack.pop()
            split = self._split(X[rows], Y[rows], tree.impurity[node], depth)
            if split is None:
                continue
            goes_left = X[rows, split.feature] <= split.threshold
            tree.feature[node], tree.threshold[node] = split.feature, split.threshold
            for side, part in (("children_right", rows[~goes_left]),
                               ("children_left", rows[goes_left])):
                getattr(tree, side)[node] = self._add(tree, Y[part])
                stack.append((getattr(tree, side)[node], part, depth + 1))
        return tree.freeze()

    def _add(self, tree: Tree, Y: np.ndarray) -> int:
        stats, n = Y.sum(axis=0), np.float64(len(Y))
        return tree.add_node(self.leaf_value(stats, n), float(self.impurity(stats, n)), len(Y))

    def _split(self, X: np.ndarray, Y: np.ndarray, impurity: float, depth: int) -> Split | None:
        """The best split over up to n_try non-constant features, in a random order.

        A later feature must be strictly better to win, so ties go to the feature
        drawn first (scikit-learn permutes the features at every node too).
        """
        if depth >= self.max_depth or len(Y) < self.min_samples_split or impurity <= 1e-12:
            return None
        best, tried = None, 0
        for f in self.rng.permutation(X.shape[1]):
            if tried >= self.n_try:
                break
            if X[0, f] == X[:, f].min() == X[:, f].max():
                continue  # constant here: nothing to split, and it does not count as tried
            tried += 1
            found = best_threshold(X[:, f], Y, self.impurity, self.min_samples_leaf)
            if found is not None and (best is None or found[0] < best.cost):
                best = Split(found[0], int(f), float(found[1]))
        return best


def resolve_max_features(model: Any, max_features: Any, n_features: int) -> int:
    """How many features a node may look at: None/int/float fraction/"sqrt"/"log2"."""
    if max_features is None:
        return n_features
    if max_features == "sqrt":
        return max(1, int(np.sqrt(n_features)))
    if max_features == "log2":
        return max(1, int(np.log2(n_features)))
    if isinstance(max_features, float) and 0 < max_features <= 1:
        return max(1, int(max_features * n_features))
    check_positive_int(model, "max_features", max_features)
    return min(max_features, n_features)


class _DecisionTree(BaseEstimator):
    """fit/apply shared by the classifier and the regressor."""

    def _grow(self, X: np.ndarray, Y: np.ndarray, leaf_value: Callable) -> None:
        check_choice(self, "criterion", self.criterion, self._criteria)
        if self.max_depth is not None:
            check_positive_int(self, "max_depth", self.max_depth)
        check_positive_int(self, "min_samples_split", self.min_samples_split)
        check_positive_int(self, "min_samples_leaf", self.min_samples_leaf)
        self.max_features_ = resolve_max_features(self, self.max_features, X.shape[1])
        grower = _TreeGrower(self.criterion, self.max_depth, self.min_samples_split,
                             self.min_samples_leaf, self.max_features_,
                             check_random_state(self.random_state), leaf_value)
        self.tree_ = grower.grow(X, Y)
        self.feature_importances_ = self.tree_.feature_importances(X.shape[1])

    def apply(self, X: Any) -> np.ndarray:
        """The index of the leaf each sample lands in."""
        X = predict_input(self, X)
        return self.tree_.apply(X)

    def get_depth(self) -> int:
        return self.tree_.max_depth

    def get_n_leaves(self) -> int:
        return int((self.tree_.children_left == LEAF).sum())


class DecisionTreeClassifier(ClassifierMixin, _DecisionTree):
    """CART classification tree (gini or entropy)."""

    _criteria = ("gini", "entropy")

    def __init__(self, *, criterion: str = "gini", max_depth: int | None = None,
                 min_samples_split: int = 2, min_samples_leaf: int = 1,
                 max_features: Any = None, random_state: Any = None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> DecisionTreeClassifier:
        X, y = fit_input(self, X, y)
        self.classes_, codes = encode_classes(y)
        self.n_classes_ = len(self.classes_)
        onehot = np.eye(self.n_classes_)[codes]
        self._grow(X, onehot, leaf_value=lambda counts, n: counts / n)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The class fractions of the training samples in each sample's leaf."""
        leaves = self.apply(X)
        return self.tree_.value[leaves]

    def predict(self, X: Any) -> np.ndarray:
        """The majority class of the leaf; a tie goes to the first class in `classes_`."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class DecisionTreeRegressor(RegressorMixin, _DecisionTree):
    """CART regression tree (squared error)."""

    _criteria = ("squared_error",)

    def __init__(self, *, criterion: str = "squared_error", max_depth: int | None = None,
                 min_samples_split: int = 2, min_samples_leaf: int = 1,
                 max_features: Any = None, random_state: Any = None):
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> DecisionTreeRegressor:
        X, y = fit_input(self, X, y, y_numeric=True)
        self._grow(X, np.column_stack([y, y * y]), leaf_value=lambda s, n: s[:1] / n)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The mean target of the training samples in each sample's leaf."""
        leaves = self.apply(X)
        return self.tree_.value[leaves, 0]


# ------------------------------------------------------------------- drawing


def _names(model: _DecisionTree, feature_names: Sequence[str] | None) -> list[str]:
    if feature_names is None:
        return [f"feature_{f}" for f in range(model.n_features_in_)]
    return list(feature_names)


def _leaf_text(model: _DecisionTree, node: int, decimals: int) -> str:
    value = model.tree_.value[node]
    if isinstance(model, DecisionTreeClassifier):
        return f"class: {model.classes_[np.argmax(value)]}"
    return f"value: [{value[0]:.{decimals}f}]"


def export_text(model: _DecisionTree, feature_names: Sequence[str] | None = None,
                decimals: int = 2) -> str:
    """The fitted tree as indented text, in scikit-learn's `export_text` format."""
    names, tree, lines = _names(model, feature_names), model.tree_, []

    def visit(node: int, depth: int) -> None:
        indent = "|   " * depth + "|--- "
        if tree.children_left[node] == LEAF:
            lines.append(indent + _leaf_text(model, node, decimals))
            return
        name, t = names[tree.feature[node]], f"{tree.threshold[node]:.{decimals}f}"
        lines.append(f"{indent}{name} <= {t}")
        visit(tree.children_left[node], depth + 1)
        lines.append(f"{indent}{name} >  {t}")
        visit(tree.children_right[node], depth + 1)

    visit(0, 0)
    return "\n".join(lines) + "\n"


def export_graphviz(model: _DecisionTree, feature_names: Sequence[str] | None = None,
                    decimals: int = 2):
    """The fitted tree as a graphviz.Digraph: a box per node with its test, impurity,
    sample count and prediction; edges labelled True (<=) / False (>). Drawn in the
    colours of tinygrad_edu.viz: splits like intermediate results, leaves like outputs.
    """
    import graphviz

    from tinygrad_edu.viz import ROLE_COLORS

    names, tree = _names(model, feature_names), model.tree_
    graph = graphviz.Digraph("tree", graph_attr={"rankdir": "TB", "fontname": "Helvetica"},
                             node_attr={"shape": "box", "style": "rounded,filled",
                                        "fontname": "Helvetica", "fontsize": "10"})
    for node in range(tree.node_count):
        lines = [] if tree.children_left[node] == LEAF else [
            f"{names[tree.feature[node]]} <= {tree.threshold[node]:.{decimals}f}"]
        lines += [f"{model.criterion} = {tree.impurity[node]:.{decimals}f}",
                  f"samples = {tree.n_node_samples[node]}", _leaf_text(model, node, decimals)]
        leaf = tree.children_left[node] == LEAF
        role = "output" if leaf else "intermediate"
        graph.node(str(node), "\n".join(lines), fillcolor=ROLE_COLORS[role])
        if not leaf:
            for child, label in ((tree.children_left[node], "True"),
                                 (tree.children_right[node], "False")):
                graph.edge(str(node), str(child), label=label if node == 0 else "")
    return graph


draw_tree = export_graphviz
