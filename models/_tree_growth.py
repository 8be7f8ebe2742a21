"""Level-wise (breadth-first) growth of a CART tree: every open node of a depth at once.

The Python loop runs over depth levels, never over samples, thresholds or nodes.
At one level, each open node draws its features in a random order and examines
the first `n_try` that are not constant in it; every (node, feature) pair is a
*segment*. For each segment

0. the ranks rank_f(row) of the node's rows are gathered once (rank = the number
   of rows with a smaller x_f, so equal values share a rank; from one argsort per
   feature, done once). A feature known to be constant in the node's parent is
   constant in the node and is skipped without a look; for the others, the
   segment's largest rank exceeds its smallest exactly when x_f varies.

The segments of the features examined are then laid end to end and

1. sorted at once: the int64 key `(segment · n + rank_f(row)) << bits | row`
   orders the rows by segment, then by x_f, and carries each row along;
2. cut into *runs* of equal x: where `segment · n + rank_f(row)` changes (a
   threshold can only fall between two runs);
3. summed per run (class counts, or Σw, Σwy, Σwy²) with one np.bincount, laid
   out (statistic, run) so that the next steps run along contiguous memory;
4. accumulated: the statistics of the left child after run r are a running sum
   over the runs of its segment (one np.cumsum for all segments: see
   segment_cumsum), the right child's are the segment total minus that;
5. scored: every threshold of every segment gets its split cost in one
   vectorised expression, and a segmented argmin picks each segment's best;
   a second segmented argmin picks each node's best segment.

Ties go, as in scikit-learn, to the smaller threshold within a feature and to
the feature drawn first within a node. A level with m (row, feature) pairs costs
O(m log m) for the sort and O(m) for the rest, so a tree costs
O(n_try · Σ_rows depth(row) · log) — the work of sorting each node per feature.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LEAF = -1
CHUNK = 1 << 22  # (row, feature) pairs × statistics per chunk: bounds the memory of one pass


class Presorted:
    """Each feature's values in increasing order and each row's rank among them, computed
    once (and shared by a forest's trees).

    values[f, r] is the r-th smallest x_f, and rank[f, i] the number of rows with an x_f
    smaller than row i's, so that values[f, rank[f, i]] = x_f of row i and rows with equal
    x_f have equal ranks. Ranks are int32 when they fit: half the memory traffic of int64
    in the gathers of every level.
    """

    def __init__(self, X: np.ndarray):
        self.X = X
        columns = np.ascontiguousarray(X.T)
        rank_type = np.int32 if X.shape[0] < 2**31 else np.intp
        order = np.argsort(columns, axis=1)
        self.values = np.take_along_axis(columns, order, axis=1)
        position = np.broadcast_to(np.arange(X.shape[0], dtype=rank_type), order.shape)
        new_value = np.ones(order.shape, bool)
        new_value[:, 1:] = self.values[:, 1:] != self.values[:, :-1]
        # the position of the first of each run of equal values, carried along the run
        first_of_tie = np.maximum.accumulate(np.where(new_value, position, 0), axis=1)
        self.rank = np.empty_like(first_of_tie)
        np.put_along_axis(self.rank, order, first_of_tie, axis=1)


class ClassStats:
    """Per-node statistics for classification: the weighted count of each class."""

    def __init__(self, codes: np.ndarray, weight: np.ndarray, n_classes: int,
                 impurity: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.codes, self.weight, self.n_classes, self._impurity = codes, weight, n_classes, impurity
        self.width = n_classes

    def sums(self, rows: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        """(n_classes, n_groups): Σ weight of each class over the rows of each group."""
        key = self.codes[rows] * n_groups
        key += group
        counts = np.bincount(key, weights=self.weight[rows], minlength=n_groups * self.n_classes)
        return counts.reshape(self.n_classes, n_groups)

    def total(self, stats: np.ndarray) -> np.ndarray:
        return stats.sum(axis=-1)

    def impurity(self, stats: np.ndarray) -> np.ndarray:
        return self._impurity(stats, self.total(stats))

    def value(self, stats: np.ndarray) -> np.ndarray:
        """The class fractions."""
        return stats / self.total(stats)[:, None]

    def split_cost(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """W_L·H(L) + W_R·H(R), for (n_classes, n_splits) class counts of the children."""
        w_left, w_right = left.sum(axis=0), right.sum(axis=0)
        return (w_left * self._impurity(left.T, w_left)
                + w_right * self._impurity(right.T, w_right))


class ValueStats:
    """Per-node statistics for regression: [Σw, Σw·y, Σw·y²], y centred on its mean."""

    width = 3

    def __init__(self, y: np.ndarray, weight: np.ndarray):
        self.shift = np.average(y, weights=weight)  # centring keeps the running sums small
        self.y, self.weight = y - self.shift, weight
        wy = weight * self.y
        self.per_row = (weight, wy, wy * self.y)  # w, wy, wy² of every row, computed once

    def sums(self, rows: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
        """(3, n_groups): Σw, Σwy, Σwy² over the rows of each group."""
        return np.stack([np.bincount(group, weights=v[rows], minlength=n_groups)
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

    def split_cost(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """W_L·Var(L) + W_R·Var(R) = Σwy² - S_L²/W_L - S_R²/W_R; Σwy² is the node's, the same
        for every split, so only -S_L²/W_L - S_R²/W_R is returned (scikit-learn's proxy)."""
        return -(left[1] ** 2 / left[0] + right[1] ** 2 / right[0])


def segment_argmin(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The index of the first smallest value in each segment values[starts[i]:starts[i+1]]
    (segments are non-empty and cover `values`)."""
    lengths = np.diff(np.append(starts, len(values)))
    smallest = np.repeat(np.minimum.reduceat(values, starts), lengths)
    index = np.where(values == smallest, np.arange(len(values)), len(values))
    return np.minimum.reduceat(index, starts)


def segment_cumsum(values: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running sums along the last axis of `values` restarting at each segment (segment i
    starts at first[i]), and each segment's total; `values` is overwritten.

    One np.cumsum does it: each segment's first entry is lowered by the total of the segment
    before it, so the running sum is back to zero where a segment starts. (Statistics lie
    along axis 0 and entries along the contiguous last axis: np.cumsum and np.add.reduceat
    are several times faster along it.)"""
    totals = np.add.reduceat(values, first, axis=-1)
    values[..., first[1:]] -= totals[..., :-1]
    return np.cumsum(values, axis=-1), totals


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
        self.rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))

    def grow(self, rows: np.ndarray):
        """Grow from the training rows `rows` (weight > 0). Returns, per level, the nodes'
        (statistics, impurity, row count) and the splits' (node id, feature, threshold,
        left child id; the right child is the next id): Tree.from_levels assembles them."""
        nodes, splits = [], []
        rows = rows.astype(np.intp)
        sizes = np.array([len(rows)])
        node_stats = self.stats.sums(rows, np.zeros(len(rows), np.intp), 1).T  # (node, statistic)
        ids, depth, next_id = np.array([0]), 0, 1
        constant = np.zeros((1, self.sorted.X.shape[1]), bool)  # (node, f): x_f constant in it
        while True:
            impurity = self.stats.impurity(node_stats)
            nodes.append((node_stats, impurity, sizes))
            splittable = ((depth < self.max_depth) & (sizes >= self.min_samples_split)
                          & (impurity > 1e-12))
            feature, threshold = self._best_splits(rows, sizes, splittable, constant)
            split = feature >= 0
            if not split.any():
                break
            rows, child = self._partition(rows, sizes, split, feature, threshold)
            n_children = 2 * int(split.sum())
            sizes = np.bincount(child, minlength=n_children)
            node_stats = self.stats.sums(rows, child, n_children).T
            constant = np.repeat(constant[split], 2, axis=0)  # a child has a subset of the rows
            children = next_id + np.arange(n_children)
            splits.append((ids[split], feature[split], threshold[split], children[0::2]))
            ids, depth, next_id = children, depth + 1, next_id + n_children
        return nodes, splits

    def _partition(self, rows, sizes, split, feature, threshold):
        """Rows of split nodes, regrouped by child (left, right of the first split node, ...)."""
        node = np.repeat(np.arange(len(sizes)), sizes)
        keep = split[node]
        rows, node = rows[keep], node[keep]
        x = self.sorted.X[rows, feature[node]]
        split_index = np.cumsum(split) - 1
        child = 2 * split_index[node] + (x > threshold[node])
        order = np.argsort(child, kind="stable")
        return rows[order], child[order]

    def _best_splits(self, rows, sizes, splittable, constant):
        """(feature, threshold) of each node's best split; feature = LEAF where none is allowed.
        `constant` (node, f) says which features are known to be constant in each node (they
        were in its parent): those are not looked at again, and the ones found constant
        here are marked."""
        n_nodes, n_features = len(sizes), self.sorted.X.shape[1]
        feature, threshold = np.full(n_nodes, LEAF), np.full(n_nodes, np.nan)
        open_nodes = np.flatnonzero(splittable)
        if not len(open_nodes):
            return feature, threshold
        starts = np.cumsum(sizes) - sizes
        draws = self.rng.permuted(np.tile(np.arange(n_features), (len(open_nodes), 1)), axis=1)
        found = np.zeros(len(open_nodes), np.intp)  # non-constant features examined
        drawn = np.zeros(len(open_nodes), np.intp)  # features drawn
        found_pairs, rounds = [], 0
        while True:  # constant features do not count: draw the shortfall again, then 2, 4... ×
            rounds += 1
            want = np.minimum((self.n_try - found) << (rounds - 1), n_features - drawn)
            if not want.any():
                break
            first = np.repeat(np.cumsum(want) - want, want)
            pair_node = np.repeat(np.arange(len(open_nodes)), want)
            pair_draw = drawn[pair_node] + np.arange(len(first)) - first
            pair_feature = draws[pair_node, pair_draw]
            node = open_nodes[pair_node]
            check = ~constant[node, pair_feature]  # a feature constant in the parent is here too
            size = sizes[node[check]]
            varies = check.copy()
            if check.any():
                ranks, pair_rows = self._ranks(rows, starts[node[check]], size,
                                               pair_feature[check])
                varies[check] = self._varies(ranks, size)
            constant[node, pair_feature] = ~varies
            running = np.cumsum(varies)
            found_here = running - (running - varies)[first]  # varying features so far, per node
            use = varies & (found[pair_node] + found_here <= self.n_try)
            found += np.bincount(pair_node[use], minlength=len(open_nodes))
            drawn += want
            if not use.any():
                continue
            used = use[check]
            if not used.all():
                keep = np.repeat(used, size)
                ranks, pair_rows, size = ranks[keep], pair_rows[keep], size[used]
            cost, thresh = self._score(ranks, pair_rows, size, pair_feature[use])
            found_pairs.append((pair_node[use], pair_draw[use], pair_feature[use], cost, thresh))
        if not found_pairs:  # every feature is constant in every open node
            return feature, threshold
        pair_node, pair_draw, pair_feature, cost, thresh = map(np.concatenate, zip(*found_pairs))
        valid = np.isfinite(cost)
        if not valid.any():
            return feature, threshold
        order = np.lexsort((pair_draw[valid], pair_node[valid]))  # by node, then draw order
        pair_node, pair_feature, cost, thresh = (a[valid][order]
                                                 for a in (pair_node, pair_feature, cost, thresh))
        first = np.flatnonzero(np.diff(pair_node, prepend=-1))
        best = segment_argmin(cost, first)
        winners = open_nodes[pair_node[best]]
        feature[winners], threshold[winners] = pair_feature[best], thresh[best]
        return feature, threshold

    def _row_bits(self):
        """Bits that hold a row index."""
        return max(1, (self.sorted.rank.shape[1] - 1).bit_length())

    def _chunks(self, size):
        """The pairs cut into chunks of about CHUNK (row, statistic) entries, and of at most
        2^(62 - 2·bits) pairs so that a key (p·n + rank) << bits | row fits in int64: each
        chunk's slice of the pairs and slice of their rows laid end to end."""
        ends = np.cumsum(size)
        max_pairs = 1 << max(0, 62 - 2 * self._row_bits())
        cuts = np.union1d(np.flatnonzero(np.diff(ends * self.stats.width // CHUNK)) + 1,
                          np.arange(max_pairs, len(size), max_pairs))
        pair_edges = np.concatenate([[0], cuts, [len(size)]])
        row_edges = np.append(0, ends)[pair_edges]
        return [(slice(*pair_edges[i:i + 2]), slice(*row_edges[i:i + 2]))
                for i in range(len(pair_edges) - 1)]

    def _ranks(self, rows, row_start, size, pair_feature):
        """The rows of each (node, f) pair and their ranks rank_f(row), the pairs laid end
        to end."""
        n = self.sorted.rank.shape[1]
        position = np.repeat(row_start - (np.cumsum(size) - size), size)  # p's i-th: start_p + i
        position += np.arange(len(position))
        pair_rows = rows[position]
        flat = np.repeat(pair_feature * n, size)  # entry (f, row) of the (features, n) rank array
        flat += pair_rows
        return self.sorted.rank.ravel()[flat], pair_rows

    def _varies(self, ranks, size):
        """Whether x_f takes more than one value in the node, for each (node, f) pair: whether
        the pair's largest rank exceeds its smallest (equal values have equal ranks)."""
        first_of_pair = np.cumsum(size) - size
        return np.minimum.reduceat(ranks, first_of_pair) < np.maximum.reduceat(ranks, first_of_pair)

    def _score(self, ranks, pair_rows, size, pair_feature):
        """(cost, threshold) of the best split of each (node, f) pair, from its rows and their
        ranks laid end to end, a chunk of pairs at a time."""
        results = [self._score_chunk(ranks[rows], pair_rows[rows], size[pairs],
                                     pair_feature[pairs])
                   for pairs, rows in self._chunks(size)]
        return tuple(map(np.concatenate, zip(*results)))

    def _score_chunk(self, ranks, pair_rows, size, pair_feature):
        """(cost, threshold) of the best split of each (node, f) pair; cost = inf where
        no threshold leaves min_samples_leaf rows on both sides."""
        n, bits = self.sorted.rank.shape[1], self._row_bits()
        first_of_pair = np.cumsum(size) - size
        # one int64 per row, (p·n + rank) << bits | row: sorted, the rows of each pair in
        # increasing x_f, and each row travels with its key (no gather to find it back)
        key = np.repeat(np.arange(len(size), dtype=np.int64) * n, size)
        key += ranks
        key <<= bits
        key |= pair_rows
        key.sort()
        row = key & ((1 << bits) - 1)
        key >>= bits  # p·n + rank: equal within a run of equal x_f, different across pairs
        new_run = np.ones(len(key), bool)
        np.not_equal(key[1:], key[:-1], out=new_run[1:])
        run_start = np.flatnonzero(new_run)
        run = np.cumsum(new_run)
        run -= 1
        first_run = run[first_of_pair]
        runs = np.diff(np.append(first_run, len(run_start)))  # of each pair
        left, total = segment_cumsum(self.stats.sums(row, run, len(run_start)), first_run)
        right = np.repeat(total, runs, axis=1)
        right -= left
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = self.stats.split_cost(left, right)
        cost[~self._allowed(run_start, first_run, runs, size, len(key))] = np.inf
        best = segment_argmin(cost, first_run)
        after = run_start[np.minimum(best + 1, len(run_start) - 1)]
        index = np.arange(len(size))  # key p·n + rank is entry (pair_feature[p], rank) of values
        x = self.sorted.values.ravel()
        shift = (pair_feature - index) * n
        return cost[best], midpoint(x[key[run_start[best]] + shift],
                                    x[key[after] + shift])

    def _allowed(self, run_start, first_run, runs, size, n_entries):
        """Whether the split after each run leaves min_samples_leaf rows on both sides: never
        after a pair's last run. With min_samples_leaf = 1 that is all (every run holds a row,
        so both sides of any other split do); otherwise the rows left of each split are a
        running count over the pair's runs."""
        allowed = np.ones(len(run_start), bool)
        allowed[first_run + runs - 1] = False
        if self.min_samples_leaf > 1:
            run_rows = np.diff(np.append(run_start, n_entries))
            n_left = segment_cumsum(run_rows, first_run)[0]
            n_right = np.repeat(size, runs) - n_left
            allowed &= (n_left >= self.min_samples_leaf) & (n_right >= self.min_samples_leaf)
        return allowed
