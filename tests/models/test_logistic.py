"""LogisticRegression against scikit-learn: Social Network Ads (binary), iris (multinomial) and
MNIST digits, with L-BFGS (the default, scikit-learn's) and with gradient descent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.preprocessing import StandardScaler

from models.logistic import LogisticRegression

# Both L-BFGS runs (scikit-learn's and ours) to a gradient of 1e-8, so that they must find
# the same minimiser; the gradient descent run that gets close to it.
TIGHT = 1e-8
SETTINGS = {"lbfgs": dict(tol=TIGHT, random_state=0),
            "adam": dict(learning_rate_init=0.05, tol=1e-7, random_state=0)}


@pytest.fixture
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), np.array(["setosa", "versicolor", "virginica"])[y]


@pytest.mark.parametrize("solver, rtol", [("lbfgs", 1e-6), ("adam", 2e-3)])
def test_social_network_ads_matches_sklearn(social_ads, solver, rtol):
    """The same minimiser of the same objective (measured: lbfgs 1e-8, adam 2e-4 relative)."""
    X_train, X_test, y_train, y_test = social_ads
    reference = SklearnLogisticRegression(tol=TIGHT).fit(X_train, y_train)
    model = LogisticRegression(solver=solver, max_iter=1000 if solver == "lbfgs" else 2000,
                               **SETTINGS[solver]).fit(X_train, y_train)
    assert model.score(X_test, y_test) == reference.score(X_test, y_test)
    np.testing.assert_array_equal(model.predict(X_test), reference.predict(X_test))
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=rtol)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=rtol)
    np.testing.assert_allclose(model.predict_proba(X_test), reference.predict_proba(X_test),
                               atol=1e-3)


@pytest.mark.parametrize("solver, atol", [("lbfgs", 1e-5), ("adam", 2e-2)])
def test_multinomial_with_string_labels_matches_sklearn(iris, solver, atol):
    X, y = iris
    reference = SklearnLogisticRegression(tol=TIGHT, max_iter=1000).fit(X, y)
    model = LogisticRegression(solver=solver, max_iter=1000 if solver == "lbfgs" else 2000,
                               **SETTINGS[solver]).fit(X, y)
    assert model.coef_.shape == (3, 4) and model.intercept_.shape == (3,)
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=5e-3)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=atol)


def test_mnist_digits_match_sklearns_lbfgs(mnist_digits):
    """3,000 training digits, 10 classes, 784 pixels: both L-BFGS runs stop at scikit-learn's
    max_iter=100 before tol, on different paths (scipy's line search is not PyTorch's);
    the test accuracy is the same to 1 % and the predictions agree on 97 % of the digits."""
    X_train, X_test, y_train, y_test = mnist_digits(3000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = SklearnLogisticRegression().fit(X_train, y_train)
        model = LogisticRegression(random_state=0).fit(X_train, y_train)
    assert model.n_iter_ == 100
    assert model.score(X_test, y_test) >= reference.score(X_test, y_test) - 0.01
    assert np.mean(model.predict(X_test) == reference.predict(X_test)) >= 0.97


def test_probabilities_and_decisions_agree(iris):
    X, y = iris
    binary = y != "setosa"
    model = LogisticRegression(random_state=0).fit(X, binary)
    z = model.decision_function(X)
    proba = model.predict_proba(X)
    assert z.shape == (len(X),) and proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), model.classes_[(z > 0).astype(int)])
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), atol=1e-12)


def test_objective_is_mean_bce_plus_scaled_penalty(iris):
    """J = mean(softplus(z) - y z) + ‖w‖² / (2 C n), written out by hand."""
    X, y = iris
    binary = (y == "virginica").astype(int)
    model = LogisticRegression(C=0.5, solver="adam", max_iter=5, random_state=0).fit(X, binary)
    w = model.module_.weight.numpy()[0].astype(np.float64)
    b = float(model.module_.bias.numpy()[0])
    z = X @ w + b
    expected = np.mean(np.logaddexp(0, z) - binary * z) + w @ w / (2 * 0.5 * len(X))
    assert model.objective(X, binary).item() == pytest.approx(expected, rel=1e-5)
    assert model.l2_strength_ == pytest.approx(1 / (0.5 * len(X)))


def test_smaller_C_shrinks_the_weights(iris):
    X, y = iris
    norms = [np.linalg.norm(LogisticRegression(C=C, random_state=0).fit(X, y).coef_)
             for C in (0.01, 1.0, np.inf)]
    assert norms[0] < norms[1] < norms[2]
