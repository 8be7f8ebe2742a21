"""LinearSVC's solver="newton-cg" (`models/_newton_cg.py`): its derivatives, the minimum it
reaches against L-BFGS and liblinear, its stopping and its checks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import svm as sklearn_svm
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from models._newton_cg import Problem, QuadraticModel, newton_cg_columns
from models.svm import LinearSVC, squared_hinge


@pytest.fixture
def four_classes():
    """300 rows, 6 standardised features, 4 overlapping classes (no exact separation)."""
    X, y = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=4,
                               n_clusters_per_class=1, flip_y=0.05, random_state=0)
    return StandardScaler().fit_transform(X), y


def with_ones(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))])


def test_gradient_and_hessian_product_match_finite_differences(four_classes):
    """g against central differences of J, and H v against central differences of g, in
    float64, at a θ where no row sits on the margin's kink (y z = 1), so ℓ'' is constant
    over the small step."""
    X, y = four_classes
    problem = Problem(with_ones(X), np.where(y == 2, 1.0, -1.0), squared_hinge, 0.1,
                      np.append(np.ones(6), 0.0))
    theta = np.random.default_rng(0).normal(size=7) * 0.3

    def derivatives(theta):
        z = problem.X @ theta
        model = QuadraticModel.at(problem, theta, z)
        return problem.objective(theta, z), model.gradient, model

    _, gradient, model = derivatives(theta)
    assert np.min(np.abs(1 - problem.y * (problem.X @ theta))) > 1e-3
    eps = 1e-6
    basis = np.eye(7)
    numeric_gradient = [(derivatives(theta + eps * e)[0] - derivatives(theta - eps * e)[0])
                        / (2 * eps) for e in basis]
    np.testing.assert_allclose(gradient, numeric_gradient, rtol=1e-7, atol=1e-9)
    v = np.random.default_rng(1).normal(size=7)
    numeric_product = (derivatives(theta + eps * v)[1]
                       - derivatives(theta - eps * v)[1]) / (2 * eps)
    np.testing.assert_allclose(model.hessian_times(v), numeric_product,
                               rtol=1e-7, atol=1e-9)


def test_gradient_is_the_engines_gradient_of_the_objective(four_classes):
    """The hand-written g of the solver is ∂J/∂θ of the objective graph LinearSVC trains
    (`model.objective`, backpropagated by the engine), at the fitted weights of an
    unfinished fit."""
    X, y = four_classes
    with pytest.warns(ConvergenceWarning):
        model = LinearSVC(solver="newton-cg", max_iter=2).fit(X, y)
    objective = model.objective(X, y)
    objective.backward()
    theta = np.vstack([model.coef_.T, model.intercept_])
    targets = model._targets(y)
    for k in range(4):
        problem = Problem(with_ones(X), targets[:, k], squared_hinge, model.l2_strength_,
                          np.append(np.ones(6), 0.0))
        gradient = QuadraticModel.at(problem, theta[:, k], problem.X @ theta[:, k]).gradient
        np.testing.assert_allclose(gradient[:-1], model.module_.weight.grad.numpy()[k],
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gradient[-1], model.module_.bias.grad.numpy()[k],
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("C", [0.1, 1.0, 100.0])
def test_newton_cg_reaches_the_lbfgs_minimum(four_classes, C):
    """Both solvers on the same objective, tight tolerances, float64: the same J to 1e-10
    relative, Newton's no higher, the same weights to 1e-4 (L-BFGS stops on its change-of-J
    rule, 64 machine epsilons, with weights still ~1e-5 from the minimum: measured 7e-6),
    Newton's gradient at rounding level, in far fewer iterations (both start at W = 0:
    measured 8, 7, 8 Newton iterations against 40, 56, 55 for L-BFGS)."""
    X, y = four_classes
    newton = LinearSVC(C=C, solver="newton-cg", tol=1e-10).fit(X, y)
    lbfgs = LinearSVC(C=C, solver="lbfgs", tol=1e-10, max_iter=10_000, random_state=0).fit(X, y)
    newton_objective, lbfgs_objective = newton.objective(X, y), lbfgs.objective(X, y)
    assert newton_objective.item() == pytest.approx(lbfgs_objective.item(), rel=1e-10)
    assert newton_objective.item() <= lbfgs_objective.item() * (1 + 1e-15)
    np.testing.assert_allclose(newton.coef_, lbfgs.coef_, atol=1e-4)
    np.testing.assert_allclose(newton.intercept_, lbfgs.intercept_, atol=1e-4)
    newton_objective.backward()
    assert max(np.abs(p.grad.numpy()).max() for p in newton.module_.parameters()) < 1e-10
    assert 4 * newton.n_iter_ < lbfgs.n_iter_


def test_newton_cg_finds_liblinears_solution_on_liblinears_objective(four_classes):
    """With the intercept penalised as liblinear does (a column of ones, intercept_scaling=1),
    the solver reaches scikit-learn's LinearSVC(dual=False) weights and intercepts to 1e-6:
    the same problem solved to the same point (both with tol=1e-10)."""
    X, y = four_classes
    reference = sklearn_svm.LinearSVC(dual=False, tol=1e-10, max_iter=10_000).fit(X, y)
    targets = 2.0 * (y[:, None] == np.arange(4)) - 1.0
    n = len(X)
    positives = (targets > 0).sum(axis=0)
    result = newton_cg_columns(with_ones(X), targets, squared_hinge, 1.0 / n, np.ones(7),
                               1e-10 * np.minimum(positives, n - positives) / n, 1000)
    assert result.converged
    np.testing.assert_allclose(result.theta[:-1].T, reference.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(result.theta[-1], reference.intercept_, rtol=1e-6, atol=1e-8)


def test_each_iteration_decreases_the_objective_and_stops_at_the_relative_tolerance(
        four_classes):
    """loss_curve_ is J at θ = 0 and after each Newton iteration (Armijo: every step
    decreases it); the fit stops once ‖g‖ ≤ rtol ‖g(0)‖ with liblinear's rtol, for
    the binary machine too."""
    X, y = four_classes
    binary = y == 1
    model = LinearSVC(solver="newton-cg").fit(X, binary)
    curve = np.array(model.loss_curve_)
    assert len(curve) == model.n_iter_ + 1 and curve[0] == pytest.approx(1.0)  # ℓ(0) = 1
    assert np.all(np.diff(curve) < 0)
    objective = model.objective(X, binary)
    objective.backward()
    gradient = np.append(model.module_.weight.grad.numpy(), model.module_.bias.grad.numpy())
    n, positives = len(X), binary.sum()
    initial_gradient = np.append(X.T @ np.where(binary, -2.0, 2.0), 2 * (n - 2 * positives)) / n
    initial = np.linalg.norm(initial_gradient)  # at θ = 0 every ℓ' is -2y
    assert np.linalg.norm(gradient) <= 1e-4 * min(positives, n - positives) / n * initial


def test_auto_is_newton_cg_for_the_squared_hinge_and_lbfgs_for_the_hinge(four_classes):
    X, y = four_classes
    for loss, solver in (("squared_hinge", "newton-cg"), ("hinge", "lbfgs")):
        auto = LinearSVC(loss=loss, random_state=0).fit(X, y)
        chosen = LinearSVC(loss=loss, solver=solver, random_state=0).fit(X, y)
        np.testing.assert_array_equal(auto.coef_, chosen.coef_)
        assert auto.n_iter_ == chosen.n_iter_


def test_newton_cg_refuses_the_hinge(four_classes):
    model = LinearSVC(loss="hinge", solver="newton-cg")
    with pytest.raises(ValueError, match="LinearSVC: solver='newton-cg' needs "
                                         "loss='squared_hinge'.*got loss='hinge'"):
        model.fit(*four_classes)
    assert not hasattr(model, "n_features_in_"), "the check must come before any state change"


def test_newton_cg_warns_when_it_stops_at_max_iter(four_classes):
    with pytest.warns(ConvergenceWarning, match=r"LinearSVC: newton-cg stopped at max_iter=1 "
                                                r"iterations before the gradient norm fell "
                                                r"below its tolerance \(tol=0.0001"):
        model = LinearSVC(solver="newton-cg", max_iter=1).fit(*four_classes)
    assert model.n_iter_ == 1 and len(model.loss_curve_) == 2
