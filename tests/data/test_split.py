"""train_test_split: sizes as scikit-learn, rows kept together, stratification, seeds."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split as sk_split

import tinygrad_edu as tg
from tinygrad_edu.data import train_test_split


@pytest.mark.parametrize("n, test_size", [(100, 0.25), (10, 0.33), (7, 0.5), (50, 12), (3, 1)])
def test_sizes_match_scikit_learn(n, test_size):
    X = np.arange(2 * n).reshape(n, 2)
    ours = train_test_split(X, test_size=test_size, random_state=0)
    theirs = sk_split(X, test_size=test_size, random_state=0)
    assert [a.shape for a in ours] == [a.shape for a in theirs]


def test_rows_stay_together_and_nothing_is_lost():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20) * 10
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=1)
    assert isinstance(X_train, np.ndarray) and len(X_test) == 6
    np.testing.assert_array_equal(X_train[:, 0] * 5, y_train)
    np.testing.assert_array_equal(X_test[:, 0] * 5, y_test)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)


def test_no_shuffle_keeps_the_order_as_scikit_learn():
    X = np.arange(10)
    ours = train_test_split(X, test_size=0.3, shuffle=False)
    theirs = sk_split(X, test_size=0.3, shuffle=False)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_random_state_and_manual_seed_make_it_reproducible():
    X = np.arange(30)
    a = train_test_split(X, random_state=5)
    b = train_test_split(X, random_state=5)
    np.testing.assert_array_equal(a[1], b[1])
    tg.manual_seed(11)
    c = train_test_split(X)
    tg.manual_seed(11)
    d = train_test_split(X)
    np.testing.assert_array_equal(c[1], d[1])


def test_stratify_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    X = np.arange(100)
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    np.testing.assert_array_equal(np.bincount(y_test), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(y_train), [48, 24, 8])
    # uneven shares: every class within one row of its exact share, total exact
    y = np.array([0] * 7 + [1] * 5 + [2] * 4)
    _, y_test = train_test_split(y, test_size=0.25, random_state=0, stratify=y)
    assert len(y_test) == 4
    assert np.all(np.abs(np.bincount(y_test, minlength=3) - np.bincount(y) * 0.25) < 1)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match=r"train_test_split: .*same number of rows.*\[5, 4\]"):
        train_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match="train_test_split: test_size must be"):
        train_test_split(np.zeros(5), test_size=1.5)
    with pytest.raises(ValueError, match="gives 5 test rows out of 5"):
        train_test_split(np.zeros(5), test_size=5)
    with pytest.raises(ValueError, match="class 1 has only 1 row"):
        train_test_split(np.zeros(5), stratify=np.array([0, 0, 0, 0, 1]))
    with pytest.raises(ValueError, match="stratify needs shuffle=True"):
        train_test_split(np.zeros(4), stratify=np.zeros(4), shuffle=False)
