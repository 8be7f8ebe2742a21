"""LinearRegression and PolynomialRegression against scikit-learn on the course's data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression as SklearnLinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from models.linear import LinearRegression, PolynomialRegression, least_squares
from tinygrad_edu.data.datasets import load_csv


def salary(root: Path) -> tuple[np.ndarray, np.ndarray]:
    table = load_csv(root / "salary" / "Salary_Data.csv")
    return table["YearsExperience"].reshape(-1, 1), table["Salary"]


def power_plant(root: Path) -> tuple[np.ndarray, np.ndarray]:
    table = load_csv(root / "power-plant" / "Folds5x2_pp.csv")
    return np.column_stack([table[c] for c in ("AT", "V", "AP", "RH")]), table["PE"]


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(ours) - theirs) / np.abs(theirs)))


@pytest.mark.parametrize("load", [salary, power_plant])
# measured: lbfgs 1.9e-6 (it stops when the loss changes by less than 64 epsilons)
@pytest.mark.parametrize("solver, tolerance", [("normal", 1e-6), ("lbfgs", 1e-5), ("sgd", 1e-3)])
def test_coefficients_match_sklearn(datasets, load, solver, tolerance):
    X, y = load(datasets)
    reference = SklearnLinearRegression().fit(X, y)
    model = LinearRegression(solver=solver, random_state=0).fit(X, y)
    assert relative_error(model.coef_, reference.coef_) < tolerance
    assert relative_error(model.intercept_, reference.intercept_) < tolerance
    np.testing.assert_allclose(model.predict(X), reference.predict(X), rtol=tolerance)


def test_polynomial_regression_predicts_level_6_5(datasets):
    table = load_csv(datasets / "salary" / "Position_Salaries.csv")
    X, y = table["Level"].reshape(-1, 1).astype(np.float64), table["Salary"].astype(np.float64)
    reference = make_pipeline(PolynomialFeatures(degree=4), SklearnLinearRegression()).fit(X, y)
    expected = reference.predict([[6.5]])[0]
    prediction = PolynomialRegression(degree=4).fit(X, y).predict([[6.5]])[0]
    assert abs(prediction - expected) / expected < 0.005
    assert prediction == pytest.approx(158_862.45, rel=1e-6)  # the course's answer


def test_least_squares_solves_the_normal_equations():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -2.0, 0.5] + 3.0 + 0.01 * rng.normal(size=50)
    w, b = least_squares(X, y)
    residual = X @ w + b - y
    np.testing.assert_allclose(X.T @ residual, 0.0, atol=1e-10)  # ∂L/∂w = 0
    assert abs(residual.sum()) < 1e-10                            # ∂L/∂b = 0


def test_rank_deficient_features_get_the_least_squares_fit():
    x = np.linspace(0, 1, 20)
    X = np.column_stack([x, 2 * x])  # the second column repeats the first
    y = 4 * x + 1
    model = LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-10)
    np.testing.assert_allclose(model.coef_, [0.8, 1.6], atol=1e-10)  # the minimum-norm w


def test_gd_trains_on_standardised_data_and_maps_back():
    rng = np.random.default_rng(1)
    X = rng.normal(loc=[100.0, -5.0], scale=[20.0, 0.1], size=(200, 2))  # badly scaled
    y = X @ [3.0, -40.0] + 7.0
    model = LinearRegression(solver="sgd", random_state=0).fit(X, y)
    np.testing.assert_allclose(model.coef_, [3.0, -40.0], rtol=1e-4)
    assert model.intercept_ == pytest.approx(7.0, abs=1e-2)
    assert model.loss_curve_[-1] < 1e-8  # an exact fit: the standardised MSE reaches 0
    assert model.learning_rate_init is None and model.n_iter_ < model.max_iter


def test_gd_objective_is_the_standardised_mse():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(30, 2)), rng.normal(size=30)
    model = LinearRegression(solver="sgd", max_iter=3, random_state=0).fit(X, y)
    z = (X - X.mean(axis=0)) / X.std(axis=0)
    t = (y - y.mean()) / y.std()
    w, b = model.module_.weight.numpy()[0], model.module_.bias.numpy()[0]
    expected = np.mean((z @ w + b - t) ** 2)
    assert model.objective(X, y).item() == pytest.approx(expected, rel=1e-5)
