"""Linear and polynomial regression: ŷ = x·w + b, fitted by least squares.

The objective is the mean squared error over the n training rows,

    L(w, b) = (1/n) Σ_i r_i²,   r_i = x_i·w + b - y_i   (the residual),

and its gradient, by the chain rule (∂r_i/∂w = x_i, ∂r_i/∂b = 1):

    ∂L/∂w = (2/n) Σ_i r_i x_i = (2/n) Xᵀr,      ∂L/∂b = (2/n) Σ_i r_i.

solver="normal" sets that gradient to zero. With centred data (x - x̄, y - ȳ)
b drops out and the condition is the normal equations XᵀX w = Xᵀy. Forming
XᵀX squares the condition number of X, so instead the least-squares problem
min ‖X w - y‖ is solved directly by `np.linalg.lstsq` (an SVD, LAPACK's gelsd;
rank-deficient X gets the minimum-norm w), then b = ȳ - x̄·w. Float64 throughout.

Any other solver ("lbfgs", full-batch L-BFGS; "sgd", plain gradient descent; "momentum",
"adam", ...: the optimizers of the shared loop) builds L as a graph of Tensor ops,
((X @ Wᵀ + b) - y)² → mean, and lets the shared training (`models/_gradient_training.py`)
minimise it: the engine backpropagates the graph, which computes exactly (2/n) Xᵀr,
and the optimizer steps. Features and target are standardised first, z = (x - x̄)/s,
t = (y - ȳ)/s_y, which makes the problem well conditioned without changing the
fitted line: if t ≈ z·v + c then y ≈ x·w + b with

    w = s_y v / s,      b = ȳ + s_y c - x̄·w.

`loss_curve_` is therefore the MSE in units of Var(y) (≈ 1 - R² on the training rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.metaestimators import available_if

import tinygrad_edu.functional as F
from models._gradient_training import SOLVERS, GradientTrainedModel
from models._validation import check_positive_int, fit_input, predict_input
from tinygrad_edu import Tensor, nn, no_grad
from tinygrad_edu.data import PolynomialFeatures, StandardScaler


def least_squares(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(w, b) minimising ‖X w + b - y‖²: centre both, then an SVD least-squares solve."""
    x_mean, y_mean = X.mean(axis=0), y.mean()
    coef = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)[0]
    return coef, float(y_mean - x_mean @ coef)


def _uses_gd(model: LinearRegression) -> bool:
    return model.solver != "normal"


class LinearRegression(RegressorMixin, GradientTrainedModel):
    """Ordinary least squares, in closed form (solver="normal") or by gradient descent
    (solver="sgd" or another optimizer of the shared training vocabulary; see
    `_gradient_training`).

    After fit: `coef_` (n_features,) and `intercept_`, in the units of the data,
    whichever the solver.
    """

    def __init__(self, *, solver: str = "normal", learning_rate_init: float | None = None,
                 max_iter: int = 2000, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 100, tol: float = 0.0, random_state: Any = None,
                 verbose: bool = False):
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """The closed form (solver="normal"), or the shared template `fit` on the
        standardised data (any other solver; the hooks below)."""
        if self.solver != "normal":
            return super().fit(X, y)
        self._check_parameters()
        X, y = fit_input(self, X, y, y_numeric=True)
        self.coef_, self.intercept_ = least_squares(self._fit_design(X), y)
        self.n_iter_ = 1  # one direct solve (scikit-learn expects n_iter_ with max_iter)
        return self

    def _fit_features(self, X: np.ndarray) -> np.ndarray:
        design = self._fit_design(X)
        self.scaler_ = StandardScaler().fit(design)
        return self.scaler_.transform(design)

    def _prepare_targets(self, y: np.ndarray) -> tuple[np.ndarray, int]:
        self.y_mean_, self.y_scale_ = float(y.mean()), float(y.std()) or 1.0
        return self._targets(y), 1

    def _set_fitted_attributes(self) -> None:
        """w = s_y v / s and b = ȳ + s_y c - x̄·w from the standardised fit t ≈ z·v + c."""
        weight = self.module_.weight.numpy()[0].astype(np.float64)
        bias = float(self.module_.bias.numpy()[0])
        self.coef_ = self.y_scale_ * weight / self.scaler_.scale_
        self.intercept_ = (self.y_mean_ + self.y_scale_ * bias
                           - float(self.scaler_.mean_ @ self.coef_))

    def predict(self, X: Any) -> np.ndarray:
        """ŷ = x·w + b for every row of X."""
        design = self._design(predict_input(self, X))
        with no_grad():
            return (Tensor(design, dtype=np.float64) @ Tensor(self.coef_, dtype=np.float64)
                    + self.intercept_).numpy()

    # ---------------------------------------------- the columns the line is fitted on

    def _fit_design(self, X: np.ndarray) -> np.ndarray:
        return X

    def _design(self, X: np.ndarray) -> np.ndarray:
        return X

    # ------------------------------------------------ the graph solver="gd" trains

    def _features(self, X: np.ndarray) -> np.ndarray:
        return self.scaler_.transform(self._design(X))

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return ((y - self.y_mean_) / self.y_scale_).reshape(-1, 1)

    def _sample_loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return F.mse_loss(outputs, targets)

    def _learning_rate(self, features: np.ndarray) -> float:
        """learning_rate_init, or by default 1/L for the smoothness constant L of the
        standardised MSE.

        The Hessian of L(v, c) = mean((z·v + c - t)²) is 2 [ZᵀZ/n, 0; 0, 1] (the
        columns of Z are centred, so v and c do not interact); its largest
        eigenvalue is L = 2 max(λ_max(ZᵀZ/n), 1). A step of 1/L decreases the
        loss at every iteration, and ZᵀZ/n is only (d, d), so L is cheap.
        """
        if self.learning_rate_init is not None:
            return self.learning_rate_init
        second_moment = features.T @ features / len(features)
        return 1.0 / (2.0 * max(np.linalg.eigvalsh(second_moment)[-1], 1.0))

    def _l2_strength(self, n_samples: int) -> float:
        return 0.0

    def _solvers(self) -> tuple[str, ...]:
        return ("normal", *SOLVERS)

    @available_if(_uses_gd)
    def objective(self, X: Any, y: Any, module: nn.Module | None = None) -> Tensor:
        """The standardised MSE on (X, y) as a graph (not for solver="normal": it trains none)."""
        return super().objective(X, y, module)

    @available_if(_uses_gd)
    def graph(self, X: Any, y: Any):
        """The drawing of `objective(X, y)` (not for solver="normal")."""
        return super().graph(X, y)


class PolynomialRegression(LinearRegression):
    """Linear regression on every product of the features up to `degree`:
    for one feature x, ŷ = b + w₁x + w₂x² + … + w_d x^d.

    The same as scikit-learn's `make_pipeline(PolynomialFeatures(degree), LinearRegression())`;
    the expansion is `tinygrad_edu.data.PolynomialFeatures` (without its constant
    column: the intercept plays that role), kept in `poly_`.
    """

    def __init__(self, degree: int = 2, *, solver: str = "normal",
                 learning_rate_init: float | None = None, max_iter: int = 2000,
                 batch_size: int | None = None, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 100, tol: float = 0.0,
                 random_state: Any = None, verbose: bool = False):
        super().__init__(solver=solver, learning_rate_init=learning_rate_init, max_iter=max_iter,
                         batch_size=batch_size, early_stopping=early_stopping,
                         validation_fraction=validation_fraction,
                         n_iter_no_change=n_iter_no_change, tol=tol,
                         random_state=random_state, verbose=verbose)
        self.degree = degree

    def _check_parameters(self) -> None:
        check_positive_int(self, "degree", self.degree)
        super()._check_parameters()

    def _fit_design(self, X: np.ndarray) -> np.ndarray:
        self.poly_ = PolynomialFeatures(self.degree, include_bias=False).fit(X)
        return self.poly_.transform(X)

    def _design(self, X: np.ndarray) -> np.ndarray:
        return self.poly_.transform(X)
