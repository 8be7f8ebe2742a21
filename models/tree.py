"""CART decision trees: recursive binary splits that make the children purer.

A node holding samples S is split on one feature f at one threshold t into
L = {x_f <= t} and R = {x_f > t}, choosing (f, t) to minimise the weighted
impurity of the children,

    cost(f, t) = W_L · H(L) + W_R · H(R),

where W is the (weighted) number of samples and H the criterion, computed from
per-node statistics (class counts for classification, Σw, Σwy, Σwy² for regression):

    gini           H = 1 - Σ_c p_c²                  p_c = count_c / W
    entropy        H = -Σ_c p_c log2 p_c
    squared_error  H = Σwy²/W - (Σwy/W)²             (the variance of y)

Sorted by x_f, the statistics of every left child at once are cumulative sums,
the right child's the total minus those, so every threshold is scored at once.
The tree grows level by level, all open nodes of a depth together
(models/_tree_growth.py). Thresholds sit halfway between consecutive distinct
values, as in scikit-learn. Leaves predict the class fractions (or mean y) of
their samples.

Growth stops at max_depth, below min_samples_split samples, at a pure node,
or when no split leaves min_samples_leaf samples on both sides.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state

from models._tree_growth import CRITERIA, LEAF, ClassStats, LevelGrower, Presorted, ValueStats
from models._validation import (
    check_choice,
    check_positive_int,
    encode_classes,
    fit_input,
    predict_input,
)

_per_thread = threading.local()  # each thread's RandomState, re-seeded by seeded()


def seeded(random_state: Any) -> np.random.RandomState:
    """check_random_state(random_state), the same numbers, but an int seed re-seeds this thread's
    RandomState rather than making a new one: making one costs ≈ 0.3 ms (its MT19937 first
    seeds itself from the system's entropy), as much as a level of a small tree, while
    re-seeding costs microseconds. Use the result before the thread's next call."""
    if not isinstance(random_state, numbers.Integral):
        return check_random_state(random_state)
    if not hasattr(_per_thread, "rng"):
        _per_thread.rng = np.random.RandomState()
    _per_thread.rng.seed(random_state)
    return _per_thread.rng


@dataclass
class Tree:
    """A fitted tree as flat arrays, one entry per node (scikit-learn's `tree_` layout).

    Node 0 is the root and nodes are numbered level by level; children_left/right and
    feature are LEAF (-1) at leaves; `value` holds the class fractions (or [mean y]) of
    the node's training samples, n_node_samples their number, weighted_n_node_samples
    their total weight (bootstrap counts in a forest); max_depth is the deepest leaf's depth.
    """

    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    impurity: np.ndarray
    n_node_samples: np.ndarray
    weighted_n_node_samples: np.ndarray
    max_depth: int

    @classmethod
    def from_levels(cls, stats, levels: list) -> Tree:
        """Assemble the arrays from LevelGrower.grow's levels. Nodes are numbered level by
        level and each level's children in the order of their parents, so the k-th split
        node (in node order) has children 2k + 1 and 2k + 2."""
        node_stats, impurity, sizes, feature, threshold = (np.concatenate(column)
                                                           for column in zip(*levels))
        split = feature != LEAF
        left = np.full(len(feature), LEAF)
        left[split] = 1 + 2 * np.arange(np.count_nonzero(split))
        right = np.where(split, left + 1, LEAF)
        return cls(left, right, feature, threshold, stats.value(node_stats), impurity,
                   sizes, stats.total(node_stats), len(levels) - 1)

    @property
    def node_count(self) -> int:
        return len(self.feature)

    @cached_property
    def _steps(self) -> tuple[np.ndarray, np.ndarray]:
        """What apply follows: the children of node i at 2i (left) and 2i + 1 (right), and the
        feature it tests; a leaf is both its own children (and tests feature 0, unused)."""
        leaf = self.children_left == LEAF
        itself = np.arange(self.node_count)
        children = np.column_stack([np.where(leaf, itself, self.children_left),
                                    np.where(leaf, itself, self.children_right)])
        return children.ravel(), np.where(leaf, 0, self.feature)

    def apply(self, X: np.ndarray) -> np.ndarray:
        """The leaf each row of X falls into: all rows step down together, max_depth steps
        (a row that reached its leaf stays there)."""
        children, feature = self._steps
        node = np.zeros(len(X), dtype=np.intp)
        row_start = np.arange(len(X)) * X.shape[1]  # X.take(row_start + f) = x_f of every row
        for _ in range(self.max_depth):
            x = X.take(row_start + feature[node])
            node = children.take(2 * node + (x > self.threshold[node]))
        return node

    def feature_importances(self, n_features: int) -> np.ndarray:
        """Mean decrease in impurity: Σ over splits on f of W·H - W_L·H_L - W_R·H_R, normalised."""
        inner = np.flatnonzero(self.children_left != LEAF)
        weighted = self.weighted_n_node_samples * self.impurity
        decrease = (weighted[inner] - weighted[self.children_left[inner]]
                    - weighted[self.children_right[inner]])
        importances = np.bincount(self.feature[inner], weights=decrease, minlength=n_features)
        total = importances.sum()
        return importances / total if total > 0 else importances


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

    def _check_params(self, n_features: int) -> None:
        check_choice(self, "criterion", self.criterion, self._criteria)
        if self.max_depth is not None:
            check_positive_int(self, "max_depth", self.max_depth)
        check_positive_int(self, "min_samples_split", self.min_samples_split)
        check_positive_int(self, "min_samples_leaf", self.min_samples_leaf)
        self.max_features_ = resolve_max_features(self, self.max_features, n_features)

    def _grow(self, stats, presorted: Presorted, weight: np.ndarray) -> None:
        """Grow tree_ on the rows of positive `weight` (a forest passes bootstrap counts)."""
        grower = LevelGrower(stats, presorted, max_depth=self.max_depth,
                             min_samples_split=self.min_samples_split,
                             min_samples_leaf=self.min_samples_leaf, n_try=self.max_features_,
                             rng=seeded(self.random_state))
        self.tree_ = Tree.from_levels(stats, grower.grow(np.flatnonzero(weight > 0)))
        self.feature_importances_ = self.tree_.feature_importances(presorted.X.shape[1])

    def apply(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The index of the leaf each sample lands in. check_input=False skips the validation
        of X (a forest passes X validated once for all its trees), as in scikit-learn."""
        if check_input:
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
        self._check_params(X.shape[1])
        weight = np.ones(len(X))
        self._grow(ClassStats(codes, weight, self.n_classes_, CRITERIA[self.criterion]),
                   Presorted(X), weight)
        return self

    def predict_proba(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The class fractions of the training samples in each sample's leaf."""
        leaves = self.apply(X, check_input)
        return self.tree_.value[leaves]

    def predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The majority class of the leaf; a tie goes to the first class in `classes_`."""
        proba = self.predict_proba(X, check_input)
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
        self._check_params(X.shape[1])
        weight = np.ones(len(X))
        self._grow(ValueStats(y, weight), Presorted(X), weight)
        return self

    def predict(self, X: Any, check_input: bool = True) -> np.ndarray:
        """The mean target of the training samples in each sample's leaf."""
        leaves = self.apply(X, check_input)
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
