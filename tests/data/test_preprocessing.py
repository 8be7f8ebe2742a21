"""Preprocessing transformers give scikit-learn's results on the same data."""

import functools

import numpy as np
import pytest
from sklearn import preprocessing as sk

from tinygrad_edu.data import MinMaxScaler, OneHotEncoder, PolynomialFeatures, StandardScaler

close = functools.partial(np.testing.assert_allclose, rtol=1e-12, atol=1e-12)


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[0.0, 5.0, -3.0], scale=[1.0, 10.0, 0.1], size=(40, 3))
    X[:, 2] = 7.0  # a constant feature: scale 0 must not divide by zero
    return X


@pytest.fixture
def X_new():
    return np.random.default_rng(1).normal(size=(5, 3)) * 4


@pytest.mark.parametrize("options", [{}, {"with_mean": False}, {"with_std": False}])
def test_standard_scaler_matches_scikit_learn(X, X_new, options):
    ours, theirs = StandardScaler(**options), sk.StandardScaler(**options)
    close(ours.fit_transform(X), theirs.fit_transform(X))
    close(ours.transform(X_new), theirs.transform(X_new))
    for name in ("mean_", "var_", "scale_"):
        if getattr(theirs, name) is None:
            assert getattr(ours, name) is None
        else:
            np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_new)), X_new, rtol=1e-12)


@pytest.mark.parametrize("feature_range", [(0.0, 1.0), (-1.0, 1.0), (2.0, 5.0)])
def test_min_max_scaler_matches_scikit_learn(X, X_new, feature_range):
    ours, theirs = MinMaxScaler(feature_range), sk.MinMaxScaler(feature_range=feature_range)
    close(ours.fit_transform(X), theirs.fit_transform(X))
    close(ours.transform(X_new), theirs.transform(X_new))
    for name in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(X_new)), X_new, rtol=1e-12)


def test_integer_input_becomes_float64():
    X = np.array([[1, 2], [3, 4], [5, 8]])
    out = StandardScaler().fit_transform(X)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, sk.StandardScaler().fit_transform(X), rtol=1e-12)


def test_one_hot_encoder_matches_scikit_learn():
    X = np.array([["Male", 3], ["Female", 1], ["Female", 2], ["Male", 3]], dtype=object)
    ours, theirs = OneHotEncoder(), sk.OneHotEncoder(sparse_output=False)
    np.testing.assert_array_equal(ours.fit_transform(X), theirs.fit_transform(X))
    assert [c.tolist() for c in ours.categories_] == [c.tolist() for c in theirs.categories_]
    encoded = ours.transform(X[::-1])
    np.testing.assert_array_equal(encoded, theirs.transform(X[::-1]))
    decoded = ours.inverse_transform(encoded)
    np.testing.assert_array_equal(decoded, theirs.inverse_transform(encoded))


def test_one_hot_encoder_numeric_and_unknown_categories():
    X = np.array([[0.0], [2.0], [1.0], [2.0]])
    X_new = np.array([[1.0], [5.0]])
    ours = OneHotEncoder(handle_unknown="ignore").fit(X)
    theirs = sk.OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(X)
    np.testing.assert_array_equal(ours.transform(X_new), theirs.transform(X_new))
    assert ours.inverse_transform(ours.transform(X_new)).tolist() == [[1.0], [None]]
    with pytest.raises(ValueError,
                       match=r"OneHotEncoder.transform: column 0 has categories \[5.0\]"):
        OneHotEncoder().fit(X).transform(X_new)


@pytest.mark.parametrize("options", [
    {"degree": 2}, {"degree": 3}, {"degree": 3, "interaction_only": True},
    {"degree": 2, "include_bias": False}, {"degree": 0}, {"degree": 1},
])
def test_polynomial_features_match_scikit_learn(X, X_new, options):
    ours, theirs = PolynomialFeatures(**options), sk.PolynomialFeatures(**options)
    np.testing.assert_allclose(ours.fit_transform(X), theirs.fit_transform(X), rtol=1e-12)
    np.testing.assert_allclose(ours.transform(X_new), theirs.transform(X_new), rtol=1e-12)
    np.testing.assert_array_equal(ours.powers_, theirs.powers_)
    assert ours.n_output_features_ == theirs.n_output_features_


def test_errors_name_the_transformer_and_the_shapes():
    with pytest.raises(ValueError, match=r"StandardScaler.fit: expected a 2-D array.*\(4,\)"):
        StandardScaler().fit(np.zeros(4))
    with pytest.raises(RuntimeError, match="MinMaxScaler.transform: .*not fitted"):
        MinMaxScaler().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError,
                       match="StandardScaler.transform: X has 3 features, .*fitted with 2"):
        StandardScaler().fit(np.ones((3, 2))).transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"MinMaxScaler.fit: feature_range .*\(1, 0\)"):
        MinMaxScaler((1, 0)).fit(np.ones((3, 2)))
    with pytest.raises(TypeError, match="PolynomialFeatures.fit: expected numbers"):
        PolynomialFeatures().fit(np.array([["a"]]))
