"""Level-wise (breadth-first) growth of a CART tree: every open node of a depth at once.

The Python loop runs over depth levels, never over samples, thresholds or nodes.
At one level, each open node draws its features in a random order and, as
scikit-learn's splitter, visits its first `n_try` draws and examines those that are not
constant in it (if none, it draws on until one varies); every (node, feature) pair is a
*segment*. For each segment

0. the ranks rank_f(row) of the node's rows are gathered once (rank = the index of
   x_f among the distinct values of x_f, so equal values share a rank; from one sort
   per feature, done once). A feature known to be constant in the node's parent is
   constant in the node and is skipped without a look; for the others, the
   segment's largest rank exceeds its smallest exactly when x_f varies.

The segments of the features examined are then laid end to end and

1. cut into *runs* of equal x, in increasing x within each segment (a threshold can
   only fall between two runs), and summed per run (class counts, or Σw, Σwy, Σwy²),
   in one of two ways that find the same runs and the same sums:
   - by a histogram: segment s gets one bin per distinct value of its feature, from
     bin_start[s]; one np.bincount keyed by `bin_start[s] + rank_f(row)` sums the
     statistics of every bin, and the bins that hold rows are the runs, already in
     order. This costs O(rows + bins), no sort: it is used where the feature has at
     most HISTOGRAM_BINS_PER_ROW distinct values per row of the node (MNIST's pixels
     have at most 256 values, a large node thousands of rows);
   - by a sort, for the other segments: the int64 key
     `(segment · width + rank_f(row)) << bits | row` (width: the most distinct values
     of any feature) orders the rows by segment, then by x_f, and carries each row
     along; a run starts where `segment · width + rank_f(row)` changes, and one
     np.bincount keyed by run sums the statistics. This costs O(rows · log rows).
   The choice is made in one place (LevelGrower._by_histogram), per segment except at a
   small level (fewer than SMALL_LEVEL rows in all its segments), where every segment takes
   one way: there the fixed cost of a second way, some twenty NumPy calls, outweighs what
   it saves. Both ways end in LevelGrower._best_of_runs. The sums are laid out
   (statistic, run) so that the next steps run along contiguous memory;
2. accumulated: the statistics of the left child after run r are a running sum
   over the runs of its segment (one np.cumsum for all segments: see
   segment_cumsum), the right child's are the node's total minus that (the gini
   needs only each child's W and Σ count², so for it the right child's counts are
   never built: ClassStats.split_cost);
3. scored: every threshold of every segment gets its split cost in one
   vectorised expression, and a segmented argmin picks each segment's best;
   a second one, over the segments sorted by node (in draw order), picks each
   node's best segment.

A small level of a classification tree (features × rows at most SMALL_GRID: the Social
Network Ads tree at every level, MNIST's never) is scored whole instead, with fewer NumPy
calls, whose fixed cost (microseconds each) is most of what a small level costs: every
open node and every feature at once, each node's rows sorted by each feature in one
(feature, position) grid, the class counts left of every position running sums along it
(LevelGrower._small_level_splits). Class counts are integers, so they and the split costs
come out the same to the bit as by the pair path, whatever the order of summation.

Ties go, as in scikit-learn, to the smaller threshold within a feature and to
the feature drawn first within a node. A level with m (row, feature) pairs costs
at most O(m log m) for the sort and O(m) for the rest (O(m + bins) for a level
done by histograms), so a tree costs
O(n_try · Σ_rows depth(row) · log) — the work of sorting each node per feature.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, partial

import numpy as np

LEAF = -1
CHUNK = 1 << 20  # (row, feature) pairs × statistics per chunk: bounds the memory of one pass
# (1 << 20 grew the MNIST tree ~10% faster than 1 << 22: a chunk's arrays stay nearer the cache)
HISTOGRAM_BINS_PER_ROW = 1.0  # see LevelGrower._by_histogram
SMALL_LEVEL = 1 << 10  # rows of all (node, feature) pairs of a level: see LevelGrower._by_histogram
SMALL_GRID = 1 << 12  # rows × features of a level: see LevelGrower._small_level_splits
TINY = np.finfo(np.float64).tiny  # the smallest normal float
INT32_MAX = int(np.iinfo(np.int32).max)  # (np.iinfo costs microseconds a call)
# gives each split the entry of its node in an array over nodes (along the last axis): a
# np.repeat where each node's splits are consecutive, a np.take otherwise
Spread = Callable[[np.ndarray], np.ndarray]


def gini(stats: np.ndarray, n: np.ndarray) -> np.ndarray:
    """1 - Σ_c p_c² = 1 - Σ_c count_c² / n², for rows of class counts `stats` over `n` samples
    (one pass over the counts, np.einsum's row-wise dot product)."""
    return gini_of_squares(np.einsum("...c,...c->...", stats, stats), n)


def gini_of_squares(squares: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The gini impurity 1 - Σ_c count_c² / n² from Σ_c count_c² (`squares`) and n, in
    scikit-learn's order of operations, so that equal costs tie as in scikit-learn."""
    return 1.0 - squares / (n * n)


def entropy(stats: np.ndarray, n: np.ndarray) -> np.ndarray:
    """-Σ_c p_c log2 p_c (with 0 log 0 = 0)."""
    p = stats / n[..., None]
    # p log p = 0 where p = 0 (and p >= 1/W is far above TINY elsewhere; np.log2's `where=`
    # would round some logarithms an ulp apart from the whole-array np.log2)
    log_p = np.log2(np.maximum(p, TINY))
    return -np.add.reduce(p * log_p, axis=-1)  # ndarray.sum's ufunc, without its wrapper


CRITERIA: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "gini": gini, "entropy": entropy,
}


def transpose(X: np.ndarray, block: int = 128) -> np.ndarray:
    """X.T, contiguous, copied a block of rows at a time: each block's rows and columns stay
    in the cache (np.ascontiguousarray(X.T) took 4× longer on MNIST's 10,000 × 784)."""
    columns = np.empty(X.shape[::-1], X.dtype)
    for start in range(0, len(X), block):
        columns[:, start:start + block] = X[start:start + block].T
    return columns


class Presorted:
    """Each feature's distinct values in increasing order and each row's rank among them,
    computed once (and shared by a forest's trees).

    values[f, r] is the r-th smallest distinct value of x_f (r < n_distinct[f]; the rest of
    the row is padding), and rank[f, i] the index of row i's x_f among them, so that
    values[f, rank[f, i]] = x_f of row i and rows with equal x_f have equal ranks. Ranks
    are stored in the smallest unsigned type that holds them (one byte for MNIST's 256 grey
    levels): the gathers of every level move a quarter of the bytes of int32.
    """

    def __init__(self, X: np.ndarray):
        self.X = X
        columns = transpose(X)
        ordered = np.sort(columns, axis=1)
        new_value = np.ones(columns.shape, bool)
        new_value[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        self.n_distinct = new_value.sum(axis=1)
        width = int(self.n_distinct.max())
        self.values = np.full((X.shape[1], width), np.nan)
        self.rank = np.empty(columns.shape, np.min_scalar_type(width - 1))
        for f, (column, distinct) in enumerate(zip(columns, ordered)):
            distinct = distinct[new_value[f]]
            self.values[f, :len(distinct)] = distinct
            self.rank[f] = np.searchsorted(distinct, column)


class ClassStats:
    """Per-node statistics for classification: the weighted count of each class."""

    exact = True  # sums of integer weights: the same in any order of summation

    def __init__(self, codes: np.ndarray, weight: np.ndarray, n_classes: int,
                 impurity: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.codes, self.weight, self.n_classes, self._impurity = codes, weight, n_classes, impurity
        self.width = n_classes

    @cached_property
    def per_row(self) -> np.ndarray:
        """(n_classes, n): each row's weight under its class, 0 under the others (summed over
        rows: their class counts), for LevelGrower._small_level_splits (made the first time a
        tree reaches a small level: MNIST's trees never do)."""
        per_row = np.zeros((self.n_classes, len(self.codes)))
        per_row[self.codes, np.arange(len(self.codes))] = self.weight
        return per_row

    def sums(self, rows: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        """(n_classes, n_groups): Σ weight of each class over the rows of each group."""
        key = self.codes.take(rows) * n_groups  # take: a faster gather than [rows]
        key += group
        counts = np.bincount(key, weights=self.weight.take(rows),
                             minlength=n_groups * self.n_classes)
        return counts.reshape(self.n_classes, n_groups)

    def total(self, stats: np.ndarray) -> np.ndarray:
        return np.add.reduce(stats, axis=-1)  # ndarray.sum's ufunc, without its wrapper

    def impurity(self, stats: np.ndarray) -> np.ndarray:
        return self._impurity(stats, self.total(stats))

    def value(self, stats: np.ndarray) -> np.ndarray:
        """The class fractions."""
        return stats / self.total(stats)[:, None]

    def split_cost(self, left: np.ndarray, total: np.ndarray, spread: Spread) -> np.ndarray:
        """W_L·H(L) + W_R·H(R) of each split, from the class counts (n_classes, n_splits) of
        its left child and those (n_classes, n_nodes) of the nodes split, spread(total) (see
        Spread) the counts of each split's node.
        The right child's counts are the node's minus the left's. The gini needs only each
        child's W and Σ_c count_c², and Σ_c R_c² = Σ_c T_c² - 2 Σ_c T_c·L_c + Σ_c L_c² (T the
        node's counts): exact for integer counts, so the right child's counts are never built
        and the costs are those of the right child's array to the bit."""
        if self._impurity is not gini:  # (entropy) from the right child's counts, one
            children = np.empty((2, *left.shape))  # impurity call for both children
            children[0] = left
            np.subtract(spread(total), left, out=children[1])
            w = np.add.reduce(children, axis=1)
            return np.add.reduce(w * self._impurity(children.transpose(0, 2, 1), w), axis=0)
        w_left = np.add.reduce(left, axis=0)
        square_left = np.einsum("cs,cs->s", left, left)
        w_right = spread(np.add.reduce(total, axis=0))
        w_right -= w_left
        square_right = spread(np.einsum("cn,cn->n", total, total))
        square_right -= 2.0 * np.einsum("cs,cs->s", spread(total), left)
        square_right += square_left
        return (w_left * gini_of_squares(square_left, w_left)
                + w_right * gini_of_squares(square_right, w_right))


class ValueStats:
    """Per-node statistics for regression: [Σw, Σw·y, Σw·y²], y centred on its mean."""

    width = 3
    exact = False  # float sums: their last bits depend on the order of summation

    def __init__(self, y: np.ndarray, weight: np.ndarray):
        self.shift = np.average(y, weights=weight)  # centring keeps the running sums small
        self.y, self.weight = y - self.shift, weight
        wy = weight * self.y
        self.per_row = (weight, wy, wy * self.y)  # w, wy, wy² of every row, computed once

    def sums(self, rows: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        """(3, n_groups): Σw, Σwy, Σwy² over the rows of each group."""
        return np.stack([np.bincount(group, weights=v.take(rows), minlength=n_groups)
                         for v in self.per_row])

    def total(self, stats: np.ndarray) -> np.ndarray:
        return stats[..., 0]

    def impurity(self, stats: np.ndarray) -> np.ndarray:
        """The variance Σwy²/W - (Σwy/W)²."""
        mean = stats[..., 1] / stats[..., 0]
        return np.maximum(stats[..., 2] / stats[..., 0] - mean * mean, 0.0)

    def value(self, stats: np.ndarray) -> np.ndarray:
        """[mean y]."""
        return (stats[:, 1] / stats[:, 0] + self.shift)[:, None]

    def split_cost(self, left: np.ndarray, total: np.ndarray, spread: Spread) -> np.ndarray:
        """W_L·Var(L) + W_R·Var(R) = Σwy² - S_L²/W_L - S_R²/W_R, from the statistics
        (3, n_splits) of each split's left child and those (3, n_nodes) of the nodes split,
        spread(total) (see Spread) those of each split's node (the right child's: the node's
        minus the left's); Σwy² is the
        node's, the same for every split, so only -S_L²/W_L - S_R²/W_R is returned
        (scikit-learn's proxy)."""
        right = spread(total)
        right -= left
        return -(left[1] ** 2 / left[0] + right[1] ** 2 / right[0])


def segment_starts(lengths: np.ndarray) -> np.ndarray:
    """Where each of the segments of `lengths`, laid end to end, starts (np.add.accumulate:
    ndarray.cumsum's own ufunc, without the method's overhead on small arrays)."""
    return np.add.accumulate(lengths) - lengths


def segment_lengths(starts: np.ndarray, total: int) -> np.ndarray:
    """The lengths of the segments that start at `starts` (increasing) and cover range(total)."""
    lengths = np.empty_like(starts)
    np.subtract(starts[1:], starts[:-1], out=lengths[:-1])
    lengths[-1] = total - starts[-1]
    return lengths


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Where each group of equal values of the sorted `keys` starts."""
    new_group = np.empty(len(keys), bool)
    new_group[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new_group[1:])
    return new_group.nonzero()[0]


def segment_argmin(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The index of the first smallest value in each segment values[starts[i]:starts[i+1]]
    (segments are non-empty, cover `values`, and are `lengths` long)."""
    smallest = np.minimum.reduceat(values, starts).repeat(lengths)
    index = np.where(values == smallest, np.arange(len(values)), len(values))
    return np.minimum.reduceat(index, starts)


def segment_cumsum(values: np.ndarray, first: np.ndarray, out: np.ndarray | None = None,
                   totals: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Running sums along the last axis of `values` restarting at each segment (segment i
    starts at first[i]), into `out` if given, and each segment's total (`totals` when the
    caller knows them: their exact sums, or the running sums do not restart at zero);
    `values` is overwritten.

    One np.cumsum does it: each segment's first entry is lowered by the total of the segment
    before it, so the running sum is back to zero where a segment starts. (Statistics lie
    along axis 0 and entries along the contiguous last axis: np.cumsum and np.add.reduceat
    are several times faster along it.)"""
    if totals is None:
        totals = np.add.reduceat(values, first, axis=-1)
    values[..., first[1:]] -= totals[..., :-1]
    return values.cumsum(axis=-1, out=out), totals


def midpoint(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Halfway between two values; `low` if the midpoint rounds up to `high` (adjacent floats)."""
    middle = low / 2.0 + high / 2.0
    return np.where(middle == high, low, middle)


class LevelGrower:
    """Grows one tree level by level; see the module docstring."""

    def __init__(self, stats, presorted: Presorted, *, max_depth: int | None,
                 min_samples_split: int, min_samples_leaf: int, n_try: int,
                 rng: np.random.RandomState):
        self.stats, self.sorted = stats, presorted
        self.max_depth = np.inf if max_depth is None else max_depth
        self.min_samples_split = max(min_samples_split, 2 * min_samples_leaf)
        self.min_samples_leaf = min_samples_leaf
        self.n_try = n_try
        self.examines_all = n_try >= presorted.rank.shape[0]  # every feature that varies
        self.rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        # constants of the fit, derived once rather than at every level
        n_features, n_rows = presorted.rank.shape
        self.features = np.arange(n_features)
        self.width = presorted.values.shape[1]  # the most distinct values of any feature
        self.x = presorted.values.ravel()  # x_f's value of rank r is x[f · width + r]
        self.row_bits = max(1, (n_rows - 1).bit_length())  # bits that hold a row index
        # a sort key (p · width + rank) << bits | i of pair p < max_pairs fits in int64 (i, a
        # row's place in its pair, takes at most row_bits bits; see _runs_by_sort)
        self.max_pairs = max(1, (1 << (62 - self.row_bits)) // self.width)

    def grow(self, rows: np.ndarray):
        """Grow from the training rows `rows` (weight > 0). Returns, per level, its nodes'
        statistics, impurity, row count, split feature (LEAF if none) and threshold; the
        children of a level's split nodes, two each in their order, make the next level:
        Tree.from_levels assembles them."""
        levels = []
        rows = rows.astype(np.intp)
        node = np.zeros(len(rows), np.intp)  # each row's node, among the level's nodes
        sizes = np.array([len(rows)])
        node_stats = self.stats.sums(rows, node, 1).T  # (node, statistic)
        depth = 0
        # (node, f): x_f constant in the node; at the root, the features constant in every row
        # (MNIST's border pixels): never looked at, so the same features are examined
        constant = (self.sorted.n_distinct == 1)[None]
        while True:
            impurity = self.stats.impurity(node_stats)
            splittable = ((depth < self.max_depth) & (sizes >= self.min_samples_split)
                          & (impurity > 1e-12))
            feature, threshold = self._best_splits(rows, sizes, splittable, node_stats, constant)
            levels.append((node_stats, impurity, sizes, feature, threshold))
            split = feature >= 0
            n_children = 2 * np.count_nonzero(split)
            if not n_children:
                break
            rows, node = self._partition(rows, node, split, feature, threshold)
            sizes = np.bincount(node, minlength=n_children)
            node_stats = self.stats.sums(rows, node, n_children).T
            constant = constant[split].repeat(2, axis=0)  # a child has a subset of the rows
            depth += 1
        return levels

    def _partition(self, rows, node, split, feature, threshold):
        """Rows of split nodes, regrouped by child (left, right of the first split node, ...),
        and each one's child: its node at the next level."""
        keep = split[node]
        rows, node = rows[keep], node[keep]
        goes_right = self.sorted.X[rows, feature[node]] > threshold[node]
        child = 2 * (split.cumsum() - 1)[node] + goes_right
        order = child.argsort(kind="stable")
        return rows[order], child[order]

    def _best_splits(self, rows, sizes, splittable, node_stats, constant):
        """(feature, threshold) of each node's best split; feature = LEAF where none is allowed.
        `constant` (node, f) says which features are known to be constant in each node (they
        were in its parent): those are not looked at again, and the ones found constant
        here are marked. Each open node draws its features in a random order; a small level
        is scored whole by _small_level_splits, any other one (node, feature) pair by pair."""
        feature, threshold = np.full(len(sizes), LEAF), np.full(len(sizes), np.nan)
        open_nodes = splittable.nonzero()[0]
        if not len(open_nodes):
            return feature, threshold
        draws = self.rng.permuted(self.features[None].repeat(len(open_nodes), axis=0), axis=1)
        if self.stats.exact and len(self.features) * len(rows) <= SMALL_GRID:
            found, found_feature, found_threshold = self._small_level_splits(
                rows, sizes, splittable, node_stats, draws)
        else:
            found, found_feature, found_threshold = self._pair_splits(
                rows, sizes, open_nodes, draws, constant, node_stats)
        winners = open_nodes[found]
        feature[winners], threshold[winners] = found_feature, found_threshold
        return feature, threshold

    def _pair_splits(self, rows, sizes, open_nodes, draws, constant, node_stats):
        """The open nodes that have a split (indices into open_nodes), and its feature and
        threshold: each (node, f) pair scored on its own rows (see the module docstring)."""
        looked_at = self._draw_pairs(rows, sizes, open_nodes, draws, constant)
        if looked_at is None:  # every feature is known to be constant in every open node
            return np.empty(0, np.intp), np.empty(0, np.intp), np.empty(0)
        pair_node, pair_feature, size, ranks, pair_rows, examine = looked_at
        cost, thresh = self._score(ranks, pair_rows, size, pair_feature, examine,
                                   node_stats[open_nodes[pair_node]])
        # each node's best pair: the smallest cost, on a tie the feature drawn first (a
        # stable sort by node keeps each node's pairs in draw order: each round of draws
        # comes after the last)
        order = pair_node.argsort(kind="stable")
        first = group_starts(pair_node.take(order))
        best = order.take(segment_argmin(cost.take(order), first,
                                         segment_lengths(first, len(order))))
        best = best[cost[best] < np.inf]  # none where every feature is constant or too few rows
        return pair_node[best], pair_feature[best], thresh[best]

    def _small_level_splits(self, rows, sizes, splittable, node_stats, draws):
        """What _pair_splits returns, for a small level (few rows): every open node and every
        feature at once, each node's rows sorted by each feature, one (feature, position)
        grid for the level: no chunks, no segments per pair, no second way to find runs,
        so fewer NumPy calls, whose fixed cost is most of a small level's (a level of the
        Social Network Ads tree: 0.27 ms against 0.36 ms pair by pair). Used only for
        class counts: integers, summed exactly in any order, so the split costs are the
        pair path's to the bit (a forest's bootstrap counts are integers too).
        It does not need `constant` (it sees every feature) and leaves it as it is: the levels
        below a small level hold fewer rows, so they are small too."""
        in_open = splittable.repeat(sizes)  # rows are grouped by node
        rows, sizes = rows[in_open], sizes[splittable]
        n_open, n_rows = len(sizes), len(rows)
        start = segment_starts(sizes)
        open_node = np.arange(n_open).repeat(sizes)  # each row's open node
        # row i of feature f: key (open_node · width + rank_f) << bits | i; sorted, each
        # feature's row lists the nodes in order, each node's rows in increasing x_f
        bits = max(1, (n_rows - 1).bit_length())
        key = self.sorted.rank.take(rows, axis=1) + open_node * self.width
        key <<= bits
        key |= np.arange(n_rows)
        key.sort(axis=1)
        position = key & ((1 << bits) - 1)
        key >>= bits  # open_node · width + rank: changes where x_f or the node does
        # a threshold falls between two different values of one node
        between = np.zeros(key.shape, bool)
        np.not_equal(key[:, 1:], key[:, :-1], out=between[:, :-1])
        between[:, :-1] &= open_node[1:] == open_node[:-1]
        allowed = between
        if self.min_samples_leaf > 1:  # and leaves min_samples_leaf rows on both sides
            n_left = np.arange(1, n_rows + 1) - start.repeat(sizes)
            allowed = between & (n_left >= self.min_samples_leaf)
            allowed &= sizes.repeat(sizes) - n_left >= self.min_samples_leaf
        where = allowed.ravel().nonzero()[0]  # f · n_rows + i
        # the left child's class counts after each position: running sums along each
        # feature's row, restarted at each node (exact: integers)
        per_row = self.stats.per_row.take(rows.take(position), axis=1)
        node_first = (np.arange(len(key))[:, None] * n_rows + start).ravel()
        left = segment_cumsum(per_row.reshape(len(per_row), -1), node_first)[0]
        cost = np.full(key.shape, np.inf)
        cost.ravel()[where] = self.stats.split_cost(
            left.take(where, axis=1), node_stats[splittable].T,
            partial(np.take, indices=open_node.take(where % n_rows), axis=-1))
        # each node's best per feature, in draw order; it examines those of its first n_try
        # draws that vary, or if none does, the first draw that varies (see _draw_pairs)
        each = np.arange(n_open)[:, None]
        drawn_cost = np.minimum.reduceat(cost, start, axis=1).T[each, draws]
        if not self.examines_all:
            drawn_varies = np.logical_or.reduceat(between, start, axis=1).T[each, draws]
            examined = drawn_varies.copy()
            examined[:, self.n_try:] = False
            none = ~examined.any(axis=1)
            examined[none] = drawn_varies[none] & (drawn_varies[none].cumsum(axis=1) == 1)
            drawn_cost[~examined] = np.inf
        choice = drawn_cost.argmin(axis=1)  # the first smallest: the feature drawn first
        best_cost = drawn_cost[each[:, 0], choice]
        best_feature = draws[each[:, 0], choice]
        # within it, the first position of that cost: the smaller threshold on a tie
        hit = cost[best_feature[open_node], np.arange(n_rows)] == best_cost[open_node]
        low = np.minimum.reduceat(np.where(hit, np.arange(n_rows), n_rows), start)
        found = (best_cost < np.inf).nonzero()[0]
        f, low = best_feature[found], low[found]
        base = (f - found) * self.width  # key + base: x's index in self.x
        return found, f, midpoint(self.x[key[f, low] + base], self.x[key[f, low + 1] + base])

    def _draw_pairs(self, rows, sizes, open_nodes, draws, constant):
        """Each open node's features in a random order (`draws`), visited as scikit-learn's
        splitter does: a node visits its first n_try draws, constant or not, and examines
        those that vary in it; if none does, it draws on until one varies (the search for a
        split does not stop until it has a feature to split on). Returns the (node, f) pairs
        looked at, each node's in its draw order: their node (index into open_nodes),
        feature, row count, rows and the rows' ranks (laid end to end), and whether each is
        examined; None if every feature is known to be constant in every open node."""
        starts = segment_starts(sizes)
        # a feature constant in the parent is constant here: visited without a look, so each
        # node looks at the other features (its candidates), in its draw order, laid end to end
        # (flat gathers: several times faster than constant[open_nodes[:, None], draws] and
        # draws[unknown], whose mask has no long runs)
        unknown = constant.ravel().take(draws + (open_nodes * constant.shape[1])[:, None])
        np.logical_not(unknown, out=unknown)
        candidates = draws.ravel().take(unknown.ravel().nonzero()[0])
        n_candidates = unknown.sum(axis=1)
        candidate_start = segment_starts(n_candidates)
        if self.examines_all:  # every candidate at once, and every one that varies is examined
            pair_node = np.arange(len(open_nodes)).repeat(n_candidates)
            return (pair_node, candidates,
                    *self._look_at(rows, starts, sizes, open_nodes[pair_node], candidates,
                                   constant)) if len(candidates) else None
        drawn = np.zeros(len(open_nodes), np.intp)  # candidates looked at
        found = np.zeros(len(open_nodes), bool)  # whether a varying feature was found
        want = unknown[:, :self.n_try].sum(axis=1)  # the candidates among the first n_try draws
        past_n_try = False
        looked_at = []
        while True:
            if want.any():
                first = segment_starts(want).repeat(want)  # each pair's node's first pair
                pair_node = np.arange(len(open_nodes)).repeat(want)
                pair_draw = drawn[pair_node] + np.arange(len(first)) - first
                pair_feature = candidates[candidate_start[pair_node] + pair_draw]
                size, ranks, pair_rows, varies = self._look_at(
                    rows, starts, sizes, open_nodes[pair_node], pair_feature, constant)
                examine = varies
                if past_n_try:  # only the first that varies
                    running = varies.cumsum()
                    examine = varies & (running - (running - varies)[first] == 1)
                found[pair_node[examine]] = True
                drawn += want
                looked_at.append((pair_node, pair_feature, size, ranks, pair_rows, examine))
            # a node with nothing varying yet draws on, twice as many candidates each round
            want = np.where(found, 0, np.minimum(1 << len(looked_at), n_candidates - drawn))
            if not want.any():
                break
            past_n_try = True
        if len(looked_at) <= 1:  # the usual case: each node's first draws were enough
            return looked_at[0] if looked_at else None  # (None: no feature to look at)
        return tuple(map(np.concatenate, zip(*looked_at)))

    def _look_at(self, rows, starts, sizes, node, pair_feature, constant):
        """The row count, ranks and rows (laid end to end) of (node, f) pairs, and whether
        x_f varies in the node; the features found constant are marked in `constant`."""
        size = sizes[node]
        ranks, pair_rows = self._ranks(rows, starts[node], size, pair_feature)
        varies = self._varies(ranks, size)
        constant[node, pair_feature] = ~varies
        return size, ranks, pair_rows, varies

    def _chunks(self, size, n_entries):
        """The pairs (n_entries rows in all) cut into chunks of about CHUNK (row, statistic)
        entries, and of at most max_pairs pairs so that a sort key fits in int64: each chunk's
        slice of the pairs and slice of their rows laid end to end."""
        if n_entries * self.stats.width <= CHUNK and len(size) <= self.max_pairs:
            return [(slice(None), slice(None))]
        ends = size.cumsum()
        new_chunk = np.diff(ends * self.stats.width // CHUNK) > 0
        new_chunk |= np.diff(np.arange(len(size)) // self.max_pairs) > 0
        pair_edges = np.concatenate([[0], np.flatnonzero(new_chunk) + 1, [len(size)]])
        row_edges = np.append(0, ends)[pair_edges]
        return [(slice(*pair_edges[i:i + 2]), slice(*row_edges[i:i + 2]))
                for i in range(len(pair_edges) - 1)]

    def _ranks(self, rows, row_start, size, pair_feature):
        """The rows of each (node, f) pair and their ranks rank_f(row), the pairs laid end
        to end."""
        n = self.sorted.rank.shape[1]
        position = (row_start - segment_starts(size)).repeat(size)  # p's i-th: start_p + i
        position += np.arange(len(position))
        pair_rows = rows.take(position)  # take: a faster gather than [position]
        flat = (pair_feature * n).repeat(size)  # entry (f, row) of the (features, n) rank array
        flat += pair_rows
        return self.sorted.rank.take(flat), pair_rows  # flat: take reads the array flat

    def _varies(self, ranks, size):
        """Whether x_f takes more than one value in the node, for each (node, f) pair: whether
        the pair's largest rank exceeds its smallest (equal values have equal ranks)."""
        first_of_pair = segment_starts(size)
        return np.minimum.reduceat(ranks, first_of_pair) < np.maximum.reduceat(ranks, first_of_pair)

    def _by_histogram(self, size, pair_feature, n_entries):
        """Which (node, f) pairs find their runs with a histogram rather than a sort: those
        whose feature has at most HISTOGRAM_BINS_PER_ROW distinct values per row of the node
        (the histogram's cost grows with the feature's distinct values, the sort's with the
        node's rows). A level of fewer than SMALL_LEVEL rows (n_entries, all pairs) takes one
        path: the sort unless every pair would take the histogram (there the fixed cost of a
        second path outweighs what it saves)."""
        histogram = self.sorted.n_distinct[pair_feature] <= HISTOGRAM_BINS_PER_ROW * size
        if n_entries < SMALL_LEVEL and not histogram.all():
            histogram[:] = False
        return histogram

    def _score(self, ranks, pair_rows, size, pair_feature, examine, pair_stats):
        """(cost, threshold) of the best split of each (node, f) pair to `examine` (cost = inf
        for the others), from its rows and their ranks laid end to end: the pairs that
        _by_histogram picks with a histogram, the others with a sort (the same runs, so the
        same splits either way)."""
        cost, threshold = np.full(len(size), np.inf), np.full(len(size), np.nan)
        histogram = self._by_histogram(size, pair_feature, len(ranks))
        for find_runs, pairs in ((self._runs_by_histogram, examine & histogram),
                                 (self._runs_by_sort, examine & ~histogram)):
            if pairs.all():  # one path for every pair: nothing to select
                return self._score_by(find_runs, ranks, pair_rows, size, pair_feature,
                                      pair_stats)
            if pairs.any():
                rows = pairs.repeat(size)
                cost[pairs], threshold[pairs] = self._score_by(
                    find_runs, ranks[rows], pair_rows[rows], size[pairs], pair_feature[pairs],
                    pair_stats[pairs])
        return cost, threshold

    def _score_by(self, find_runs, ranks, pair_rows, size, pair_feature, pair_stats):
        """(cost, threshold) of the best split of each pair, its runs found by `find_runs`,
        a chunk of pairs at a time."""
        results = [self._best_of_runs(*find_runs(ranks[rows], pair_rows[rows], size[pairs],
                                                 pair_feature[pairs]),
                                      size[pairs], pair_feature[pairs], pair_stats[pairs])
                   for pairs, rows in self._chunks(size, len(ranks))]
        return results[0] if len(results) == 1 else tuple(map(np.concatenate, zip(*results)))

    def _runs_by_sort(self, ranks, pair_rows, size, pair_feature):
        """The runs of equal x of each pair, found by sorting: one integer per row,
        (p · width + rank) << bits | i (i the row's place among its pair's, in `bits` bits),
        sorted puts the rows of each pair in increasing x_f (a node's rows are in increasing
        order, so equal x_f keep it) and each row travels with its key; a run starts where
        p · width + rank changes. The key is an int32 when it fits (the sort takes half the
        time of int64's), an int64 otherwise. Returns what _best_of_runs takes: the
        statistics of each run (statistic, run), its key p · width + rank and its number of
        rows, each pair's first run, and the key of each pair's rank 0."""
        first = segment_starts(size)
        bits = max(1, int(size.max() - 1).bit_length())  # bits that hold i
        fits = (len(size) * self.width) << bits <= INT32_MAX
        pair_base = np.arange(len(size), dtype=np.int32 if fits else np.int64) * self.width
        key = pair_base.repeat(size)
        key += ranks
        key <<= bits
        pair_first = first.repeat(size)  # each row's pair's first row
        key |= np.arange(len(key), dtype=key.dtype) - pair_first.astype(key.dtype)
        key.sort()
        row = pair_rows.take(pair_first + (key & ((1 << bits) - 1)))
        key >>= bits  # p · width + rank: equal within a run of equal x_f, not across pairs
        run_start = group_starts(key)
        run_rows = segment_lengths(run_start, len(key))
        run = np.arange(len(run_start)).repeat(run_rows)
        return (self.stats.sums(row, run, len(run_start)), key[run_start], run_rows, run[first],
                pair_base)

    def _runs_by_histogram(self, ranks, pair_rows, size, pair_feature):
        """The runs of equal x of each pair, found by counting: pair p has one bin per
        distinct value of its feature, bin_start[p] + rank, and one np.bincount sums the
        statistics of every bin; the bins that hold rows (weight > 0) are the runs, in
        increasing x_f within each pair (no sort). Returns what _runs_by_sort does (the row
        counts only when min_samples_leaf > 1 needs them)."""
        bins = self.sorted.n_distinct[pair_feature]
        bin_start = segment_starts(bins)
        key = bin_start.repeat(size)
        key += ranks
        n_bins = int(bin_start[-1] + bins[-1])
        stats = self.stats.sums(pair_rows, key, n_bins)
        run_key = (self.stats.total(stats.T) > 0).nonzero()[0]
        run_rows = (np.bincount(key, minlength=n_bins)[run_key] if self.min_samples_leaf > 1
                    else None)
        return (stats.take(run_key, axis=1), run_key, run_rows, run_key.searchsorted(bin_start),
                bin_start)

    def _best_of_runs(self, stats, run_key, run_rows, first_run, pair_base, size, pair_feature,
                      pair_stats):
        """(cost, threshold) of the best split of each (node, f) pair from its runs of equal x
        (see _runs_by_sort); cost = inf where no threshold leaves min_samples_leaf rows on
        both sides."""
        runs = segment_lengths(first_run, len(run_key))  # of each pair
        # after each run: the left child's statistics. A pair's total is its node's: given
        # where its sums are exact (class counts), summed again over its runs otherwise
        left, total = segment_cumsum(
            stats, first_run, out=stats,
            totals=np.ascontiguousarray(pair_stats.T) if self.stats.exact else None)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 right of a pair's last run
            cost = self.stats.split_cost(left, total, partial(np.repeat, repeats=runs, axis=-1))
        self._forbid(cost, run_rows, first_run, runs, size)
        best = segment_argmin(cost, first_run, runs)
        # best + 1 is the pair's next run: a pair has two runs at least (its feature varies),
        # and its last run (cost inf) comes after its first smallest cost.
        # A run's key minus its pair's base is its rank: x_f's value of that rank
        shift = pair_feature * self.width - pair_base
        return cost[best], midpoint(self.x[run_key[best] + shift],
                                    self.x[run_key[best + 1] + shift])

    def _forbid(self, cost, run_rows, first_run, runs, size):
        """Set cost = inf for the split after each run that leaves fewer than min_samples_leaf
        rows on a side: always after a pair's last run. With min_samples_leaf = 1 that is all
        (every run holds a row, so both sides of any other split do, and `run_rows` may be
        None); otherwise the rows left of each split are a running count over the pair's runs."""
        cost[first_run + runs - 1] = np.inf
        if self.min_samples_leaf > 1:
            n_left = segment_cumsum(run_rows.copy(), first_run)[0]
            n_right = size.repeat(runs) - n_left
            cost[(n_left < self.min_samples_leaf) | (n_right < self.min_samples_leaf)] = np.inf
