"""LinearSVC, SVC and SVR against scikit-learn on Social Network Ads, MNIST and the power plant."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import svm as sklearn_svm
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from models.svm import SVC, SVR, Kernel, LinearSVC, kernel_matrix
from tinygrad_edu.data.datasets import load_csv


@pytest.mark.parametrize("ours, reference", [
    (LinearSVC(random_state=0), sklearn_svm.LinearSVC()),
    (LinearSVC(loss="hinge", random_state=0), sklearn_svm.LinearSVC(loss="hinge")),
    (LinearSVC(solver="adam", learning_rate_init=0.01, tol=1e-6, random_state=0),
     sklearn_svm.LinearSVC()),
    (SVC(), sklearn_svm.SVC()),
    (SVC(kernel="poly"), sklearn_svm.SVC(kernel="poly")),
    (SVC(kernel="linear"), sklearn_svm.SVC(kernel="linear")),
], ids=["LinearSVC", "LinearSVC-hinge", "LinearSVC-adam", "SVC-rbf", "SVC-poly", "SVC-linear"])
def test_social_network_ads_accuracy_matches_sklearn(social_ads, ours, reference):
    X_train, X_test, y_train, y_test = social_ads
    ours.fit(X_train, y_train)
    reference.fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - reference.score(X_test, y_test)) <= 0.02


@pytest.mark.parametrize("solver", ["newton-cg", "lbfgs", "adam"])
def test_linear_svc_finds_sklearns_weights(social_ads, solver):
    """liblinear penalises the intercept too (a column of ones in X), we do not: the
    weights agree to 1 % (measured: newton-cg 7e-4, lbfgs 3e-3, adam 7e-4), not to
    rounding."""
    X_train, _, y_train, _ = social_ads
    settings = dict(learning_rate_init=0.01, tol=1e-6) if solver == "adam" else {}
    ours = LinearSVC(solver=solver, random_state=0, **settings).fit(X_train, y_train)
    reference = sklearn_svm.LinearSVC().fit(X_train, y_train)
    np.testing.assert_allclose(ours.coef_, reference.coef_, rtol=1e-2)


def test_linear_svc_on_mnist_digits_matches_sklearn(mnist_digits):
    """3,000 training digits, one-vs-rest over 10 classes (issue 19: 10,000 digits took us
    16.9 s by Adam, liblinear 2.5 s). Newton-CG on the primal reaches scikit-learn's accuracy
    and agrees with its predictions on 95 % of the digits (liblinear stops at its own tol,
    on a problem whose intercept is penalised)."""
    X_train, X_test, y_train, y_test = mnist_digits(3000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = sklearn_svm.LinearSVC(random_state=0).fit(X_train, y_train)
        model = LinearSVC(random_state=0).fit(X_train, y_train)
    assert model.coef_.shape == (10, 784)
    assert model.score(X_test, y_test) >= reference.score(X_test, y_test) - 0.01
    assert np.mean(model.predict(X_test) == reference.predict(X_test)) >= 0.95


def kkt_violation(alpha: np.ndarray, margin: np.ndarray, C: float) -> float:
    """The largest violation of the SVC optimality conditions, with margin = y f(x):
    α = 0 needs margin ≥ 1, 0 < α < C needs margin = 1, α = C needs margin ≤ 1."""
    low = np.where(alpha > 0, margin - 1, 0.0)   # positive: α should be smaller
    high = np.where(alpha < C, 1 - margin, 0.0)  # positive: α should be larger
    return float(max(low.max(), high.max(), 0.0))


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
def test_svc_solves_libsvms_dual(social_ads, kernel):
    """The dual solution: 0 ≤ α ≤ C, Σ y α = 0, the KKT conditions to tol, and the same
    decision function as libsvm's (both stop once the KKT violation is below tol)."""
    X_train, X_test, y_train, _ = social_ads
    ours = SVC(kernel=kernel).fit(X_train, y_train)
    reference = sklearn_svm.SVC(kernel=kernel).fit(X_train, y_train)
    signs = np.where(y_train == ours.classes_[1], 1.0, -1.0)
    coef = np.zeros(len(X_train))
    coef[ours.support_] = ours.dual_coef_[0]
    alpha = signs * coef
    assert alpha.min() >= 0 and alpha.max() <= ours.C and abs(coef.sum()) < 1e-9
    margin = signs * ours.decision_function(X_train)
    assert kkt_violation(alpha, margin, ours.C) < 2 * ours.tol
    np.testing.assert_allclose(ours.decision_function(X_test),
                               reference.decision_function(X_test), atol=10 * ours.tol)
    assert abs(len(ours.support_) - len(reference.support_)) <= 2


def test_kernel_cache_that_holds_two_columns_gives_the_same_machine(social_ads):
    """cache_size too small for the whole matrix: columns are computed when needed and
    evicted least-recently-used first; the iterations and the answer do not change."""
    X_train, _, y_train, _ = social_ads
    whole = SVC().fit(X_train, y_train)
    cached = SVC(cache_size=16 * len(X_train) / 2**20).fit(X_train, y_train)
    np.testing.assert_array_equal(cached.support_, whole.support_)
    np.testing.assert_allclose(cached.dual_coef_, whole.dual_coef_, rtol=1e-12)
    assert cached.n_iter_ == whole.n_iter_


def test_svc_on_mnist_digits_matches_libsvm(mnist_digits):
    """5,000 training digits, 2,000 test digits (issue 15: the gradient-trained kernel
    expansion reached 0.915 against scikit-learn's 0.930)."""
    X_train, X_test, y_train, y_test = mnist_digits(5000)
    ours = SVC().fit(X_train, y_train).predict(X_test)
    reference = sklearn_svm.SVC().fit(X_train, y_train)
    expected = reference.predict(X_test)
    assert abs(np.mean(ours == y_test) - np.mean(expected == y_test)) <= 0.01
    assert np.mean(ours == expected) >= 0.995


def test_multiclass_is_one_vs_one():
    """One machine per pair of classes, each the binary SVC of those two classes' rows;
    the vote is scikit-learn's (its one-vs-rest decision_function too)."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = SVC().fit(X, y)
    reference = sklearn_svm.SVC().fit(X, y)
    assert model.dual_coef_.shape[0] == len(model.intercept_) == 3
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))
    np.testing.assert_allclose(model.decision_function(X), reference.decision_function(X),
                               atol=1e-2)
    coef = np.zeros((3, len(X)))
    coef[:, model.support_] = model.dual_coef_
    for m, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)]):
        rows = (y == a) | (y == b)
        alone = SVC(gamma=model.gamma_).fit(X[rows], y[rows])  # "scale" would see other rows
        alone_coef = np.zeros(rows.sum())
        alone_coef[alone.support_] = alone.dual_coef_[0]
        np.testing.assert_allclose(coef[m, rows], alone_coef, atol=1e-9)
        assert np.all(coef[m, ~rows] == 0)
        assert model.intercept_[m] == pytest.approx(alone.intercept_[0], rel=1e-9)


def test_multiclass_linear_svc_is_one_vs_rest():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = LinearSVC(random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores.shape == (150, 3) and model.coef_.shape == (3, 4)
    np.testing.assert_array_equal(model.predict(X), np.argmax(scores, axis=1))
    for k in range(3):  # column k alone is the binary machine "class k against the rest"
        alone = LinearSVC(random_state=0).fit(X, y == k)
        agreement = np.mean((scores[:, k] > 0) == alone.predict(X))
        assert agreement > 0.97


@pytest.fixture
def power_plant_raw_target(datasets):
    """All 9,568 rows, 80/20 split, X standardised and PE left in MW (420-496)."""
    table = load_csv(datasets / "power-plant" / "Folds5x2_pp.csv")
    X = np.column_stack([table[c] for c in ("AT", "V", "AP", "RH")])
    X_train, X_test, y_train, y_test = train_test_split(X, table["PE"], test_size=0.2,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def test_svr_on_the_power_plant_without_standardising_y(power_plant_raw_target):
    """scikit-learn's SVR() reaches R² 0.943 on y in MW (issue 15: ours scored -660, the
    gradient-trained expansion assumed a standardised y). Same dual, same machine."""
    X_train, X_test, y_train, y_test = power_plant_raw_target
    reference = sklearn_svm.SVR().fit(X_train, y_train)
    model = SVR().fit(X_train, y_train)
    assert abs(model.score(X_test, y_test) - reference.score(X_test, y_test)) < 1e-3
    np.testing.assert_allclose(model.predict(X_test), reference.predict(X_test), atol=1e-2)
    assert abs(len(model.support_) - len(reference.support_)) <= 0.01 * len(reference.support_)


def test_epsilon_tube_costs_nothing():
    """Rows inside the ε-tube have coefficient 0, rows outside it sit at ±C: the
    ε-insensitive loss's KKT conditions; the support vectors are libsvm's."""
    rng = np.random.default_rng(0)
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    y = 0.5 * X[:, 0] + 0.3 * rng.normal(size=40)
    model = SVR(kernel="linear", epsilon=0.2).fit(X, y)
    coef = np.zeros(len(X))
    coef[model.support_] = model.dual_coef_[0]
    residual = model.predict(X) - y
    inside = np.abs(residual) < 0.2 - model.tol
    outside = np.abs(residual) > 0.2 + model.tol
    assert inside.any() and outside.any()
    assert np.all(coef[inside] == 0)
    np.testing.assert_allclose(np.abs(coef[outside]), model.C)
    np.testing.assert_array_equal(np.sign(coef[outside]), -np.sign(residual[outside]))
    np.testing.assert_array_equal(model.support_,
                                  np.sort(sklearn_svm.SVR(kernel="linear", epsilon=0.2)
                                          .fit(X, y).support_))


def test_kernels_against_their_formulas():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    gaps = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_allclose(kernel_matrix(A, B, "rbf", 0.3, 3, 0.0), np.exp(-0.3 * gaps))
    np.testing.assert_allclose(kernel_matrix(A, B, "poly", 0.3, 3, 1.0), (0.3 * A @ B.T + 1) ** 3)
    np.testing.assert_allclose(kernel_matrix(A, B, "linear", 0.3, 3, 1.0), A @ B.T)
    shifted = kernel_matrix(A + 1e8, B + 1e8, "rbf", 0.3, 3, 0.0)  # centred: no cancellation
    np.testing.assert_allclose(shifted, np.exp(-0.3 * gaps), rtol=1e-6)


@pytest.mark.parametrize("kernel", ["rbf", "poly", "linear"])
def test_kernel_of_the_rows_with_themselves_and_its_columns(kernel):
    """The training kernel (a symmetric product for rbf) and the single columns the solver
    asks for are the kernel of any other rows, entry for entry."""
    B = np.random.default_rng(1).normal(size=(6, 3)) + 50.0
    k = Kernel(B, kernel, 0.3, 2, 1.0)
    expected = kernel_matrix(B.copy(), B, kernel, 0.3, 2, 1.0)  # a copy: the general path
    np.testing.assert_allclose(k(B), expected, rtol=1e-12, atol=1e-12)
    for j in range(len(B)):
        np.testing.assert_allclose(k.column(j), expected[:, j], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(k.diagonal(), np.diag(expected), rtol=1e-12)


def test_max_iter_stops_the_solver_with_a_warning(social_ads):
    X_train, _, y_train, _ = social_ads
    with pytest.warns(ConvergenceWarning, match="SVC: the solver stopped at max_iter=5"):
        model = SVC(max_iter=5).fit(X_train, y_train)
    assert model.n_iter_[0] == 5


@pytest.mark.parametrize("model, message", [
    (SVC(tol=0.0), "SVC: tol must be > 0, got 0.0"),
    (SVC(cache_size=-1), "SVC: cache_size must be > 0"),
    (SVR(max_iter=-2), r"SVR: max_iter must be an int >= -1 \(-1: no limit\), got -2"),
    (SVR(max_iter=2.5), "SVR: max_iter must be an int >= -1"),
    (SVR(C=0.0), "SVR: C must be > 0, got 0.0"),
])
def test_bad_solver_parameters(model, message):
    X, y = np.arange(12.0).reshape(6, 2), np.array([0, 1, 0, 1, 0, 1])
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "n_features_in_"), "the check must come before any state change"
