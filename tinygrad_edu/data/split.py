"""train_test_split: hold out part of the data for testing, as scikit-learn does.

The sizes follow scikit-learn: a float `test_size` takes ceil(test_size * n)
rows for the test set, an int takes exactly that many. With `stratify=y`
each class keeps (to within one row) its share of rows in both parts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import rng


def train_test_split(
    *arrays: Any,
    test_size: float | int = 0.25,
    random_state: int | None = None,
    shuffle: bool = True,
    stratify: Any = None,
) -> list[np.ndarray]:
    """Split each array into a train part and a test part along its first axis.

        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

    Returns NumPy arrays, train then test for each input. `random_state=None`
    draws from the generator that `tinygrad_edu.manual_seed` seeds. Without
    shuffling the test part is the last rows.
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    arrays = [np.asarray(a) for a in arrays]
    lengths = [len(a) if a.ndim else 0 for a in arrays]
    if len(set(lengths)) > 1 or lengths[0] == 0:
        raise ValueError(f"train_test_split: arrays must be non-empty with the same number of "
                         f"rows, got lengths {lengths}")
    n = lengths[0]
    n_test = _test_count(test_size, n)
    generator = rng.generator() if random_state is None else np.random.default_rng(random_state)

    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        train, test = _stratified_indices(np.asarray(stratify), n, n_test, generator)
    elif shuffle:
        order = generator.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        train, test = np.arange(n - n_test), np.arange(n - n_test, n)
    return [part for a in arrays for part in (a[train], a[test])]


def _test_count(test_size: float | int, n: int) -> int:
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, float) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(f"train_test_split: test_size must be a float in (0, 1) or an int, "
                         f"got {test_size!r}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"train_test_split: test_size={test_size!r} gives {n_test} test rows out "
                         f"of {n}; both parts need at least one row")
    return n_test


def _stratified_indices(labels: np.ndarray, n: int, n_test: int,
                        generator: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Give each class floor(share) test rows, then the leftover rows to the classes
    with the largest remainders (largest-remainder apportionment)."""
    if labels.shape[:1] != (n,):
        raise ValueError(f"train_test_split: stratify must have {n} rows, got shape {labels.shape}")
    classes, class_of_row, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        rare = classes[counts.argmin()].tolist()
        raise ValueError(f"train_test_split: class {rare!r} has only 1 row; "
                         "every class needs at least 2 to stratify")
    if n_test < len(classes) or n - n_test < len(classes):
        raise ValueError(f"train_test_split: {n_test} test and {n - n_test} train rows cannot "
                         f"hold all {len(classes)} classes")
    share = counts * n_test / n
    per_class = np.floor(share).astype(int)
    leftover = n_test - per_class.sum()
    per_class[np.argsort(-(share - per_class), kind="stable")[:leftover]] += 1
    test_parts, train_parts = [], []
    for k, n_k in enumerate(per_class):
        rows = generator.permutation(np.flatnonzero(class_of_row == k))
        test_parts.append(rows[:n_k])
        train_parts.append(rows[n_k:])
    train = generator.permutation(np.concatenate(train_parts))
    test = generator.permutation(np.concatenate(test_parts))
    return train, test
