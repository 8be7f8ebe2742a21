"""GaussianNB: probabilities equal to scikit-learn's to 1e-6 on real data."""

import numpy as np
import pytest
from sklearn import naive_bayes as sk

from models import GaussianNB


def test_social_ads_proba_matches_sklearn(social_ads):
    X_train, X_test, y_train, y_test = social_ads
    ours, ref = GaussianNB().fit(X_train, y_train), sk.GaussianNB().fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
    np.testing.assert_allclose(ours.theta_, ref.theta_, rtol=1e-12)
    np.testing.assert_allclose(ours.var_, ref.var_, rtol=1e-12)
    assert ours.score(X_test, y_test) == ref.score(X_test, y_test) == 0.9


def test_mnist_subset_log_proba_matches_sklearn(mnist_subset):
    """784 pixel features, many constant within a class: the var_smoothing case."""
    X_train, X_test, y_train, _ = mnist_subset
    ours, ref = GaussianNB().fit(X_train, y_train), sk.GaussianNB().fit(X_train, y_train)
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))


def test_priors_and_string_labels(social_ads):
    X_train, X_test, y_train, _ = social_ads
    labels = np.array(["no", "yes"])[y_train]
    ours = GaussianNB(priors=[0.3, 0.7]).fit(X_train, labels)
    ref = sk.GaussianNB(priors=[0.3, 0.7]).fit(X_train, labels)
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test), atol=1e-6)
    assert list(ours.classes_) == ["no", "yes"]


def test_partial_fit_equals_fit(social_ads):
    X_train, _, y_train, _ = social_ads
    whole = GaussianNB(var_smoothing=0.0).fit(X_train, y_train)
    batches = GaussianNB(var_smoothing=0.0)
    for rows in np.array_split(np.arange(len(X_train)), 4):
        batches.partial_fit(X_train[rows], y_train[rows], classes=[0, 1])
    np.testing.assert_allclose(batches.theta_, whole.theta_, rtol=1e-12)
    np.testing.assert_allclose(batches.var_, whole.var_, rtol=1e-10)
    np.testing.assert_array_equal(batches.class_count_, whole.class_count_)


def test_bad_input():
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="GaussianNB: the priors must sum to 1"):
        GaussianNB(priors=[0.5, 0.6]).fit(X, y)
    with pytest.raises(ValueError, match="classes must be given on the first call"):
        GaussianNB().partial_fit(X, y)
    with pytest.raises(ValueError, match=r"labels \[2\] are not in classes"):
        GaussianNB().partial_fit(X, [0, 1, 2, 1], classes=[0, 1])
    with pytest.raises(ValueError, match="X has 3 features, but GaussianNB is expecting 2"):
        GaussianNB().fit(X, y).predict(np.ones((1, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        GaussianNB().fit(np.array([[np.nan, 1.0], [1.0, 2.0]]), [0, 1])


@pytest.mark.parametrize("constant", [2020.0, 1e5])
def test_a_large_constant_feature_changes_nothing(mnist_subset, constant):
    """A constant column gets σ² = ε (tiny) in every class and (x - θ)² = 0, so it adds
    the same term to every class. Expanding x²/σ² - 2xθ/σ² + θ²/σ² instead cancelled
    ~1e19-sized terms and moved the probabilities (issue 15)."""
    X_train, X_test, y_train, _ = mnist_subset
    X_train, X_test = (np.column_stack([X / 255, np.full(len(X), constant)])
                       for X in (X_train, X_test))
    ours, ref = GaussianNB().fit(X_train, y_train), sk.GaussianNB().fit(X_train, y_train)
    assert ours.epsilon_ == pytest.approx(ref.epsilon_, rel=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X_test), ref.predict_proba(X_test), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X_test), ref.predict(X_test))
