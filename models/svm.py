"""Support vector machines: LinearSVC on the primal (Newton-CG, L-BFGS or gradient descent),
SVC and SVR by SMO on the dual.

**Linear (LinearSVC).** A score s = w·x + b and labels y ∈ {-1, +1}. The margin
loss is the hinge or (scikit-learn's default) its square:

    hinge           ℓ = max(0, 1 - y s),      dℓ/ds = -y [y s < 1]
    squared hinge   ℓ = max(0, 1 - y s)²,     dℓ/ds = -2 y max(0, 1 - y s)

(the hinge has a kink at y s = 1; `relu`'s derivative there is 0, a valid
subgradient). scikit-learn minimises ½‖w‖² + C Σ_i ℓ_i; divided by C n that is
the shared objective (mean ℓ + λ/2 ‖w‖², see `_gradient_training`) with λ = 1/(C n), so

    ∂J/∂w = (1/n) Σ_i (dℓ/ds)_i x_i + w / (C n).

Several classes: one-vs-rest, K columns of scores, column k trained on +1 for
class k and -1 for the rest (no parameter is shared, so the summed loss trains K
independent machines). Unlike liblinear, our b is not penalised.

**Kernel (SVC, SVR).** The machine is a kernel expansion over the training rows,

    f(x) = Σ_t c_t k(x_t, x) + b,

with k(x, x') = x·x' (linear), exp(-γ‖x - x'‖²) (rbf) or (γ x·x' + coef0)^degree
(poly); γ = "scale" is 1 / (n_features · Var(X)), as in scikit-learn. The
coefficients come from the dual problem libsvm solves, by the same algorithm
(SMO with libsvm's working-set selection, to the same `tol`; `models/_smo.py`):

  SVC, labels y_t = ±1:  min ½ Σ_st α_s α_t y_s y_t K_st - Σ_t α_t,
                         Σ_t y_t α_t = 0,  0 ≤ α ≤ C;          c_t = y_t α_t.
  SVR, targets z_t:      min ½ (α - α*)ᵀ K (α - α*) + ε Σ_t (α_t + α*_t) - Σ_t z_t (α_t - α*_t),
                         Σ_t (α_t - α*_t) = 0,  0 ≤ α, α* ≤ C;  c_t = α_t - α*_t.

(SVR is the SMO problem over the 2n variables [α; α*] with y = [+1; -1] and
p = [ε - z; ε + z].) These are the duals of ½‖w‖² + C Σ hinge and of
½‖w‖² + C Σ max(0, |f - z| - ε): the same problems as scikit-learn's, in the
units of the data, so nothing needs rescaling (on the power plant, y ≈ 450 MW).
The rows with c_t ≠ 0 are the support vectors.

Several classes (SVC): one-vs-one, as libsvm. One machine per pair of classes
(a, b), a < b, trained on the rows of those two classes with y = +1 for b; each
votes for b when f > 0 and for a otherwise, and the most votes win (ties: the
first class). `decision_function` gives scikit-learn's one-vs-rest shape: votes
plus the summed pair scores squashed into (-1/3, 1/3).
"""

from __future__ import annotations

import sys
import warnings
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning

import tinygrad_edu.functional as F
from models._distance import ReferenceRows, squared_norms
from models._gradient_training import (
    SOLVERS,
    CPenaltyMixin,
    GradientTrainedModel,
    ScoreClassifierMixin,
    class_codes,
    fit_classes,
    seed_for,
    single_threaded_blas,
)
from models._newton_cg import newton_cg_columns
from models._smo import KernelColumns, solve_smo
from models._validation import check_choice, check_positive_int, fit_input, predict_input
from tinygrad_edu import Tensor

KERNELS = ("linear", "rbf", "poly")


class MarginClassifierMixin(ScoreClassifierMixin):
    """Labels → ±1 columns (one column for two classes, one per class otherwise) and the
    (squared) hinge loss; the decisions are `ScoreClassifierMixin`'s."""

    squared_hinge = False

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """+1 / -1: y = classes_[1] for two classes; one-vs-rest columns for K."""
        codes = class_codes(self, y)
        if len(self.classes_) == 2:
            return (2.0 * codes - 1.0).reshape(-1, 1)
        return 2.0 * np.eye(len(self.classes_))[codes] - 1.0

    def _sample_loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        """Σ over columns, mean over rows, of max(0, 1 - y s) (squared if squared_hinge)."""
        margins = F.hinge_loss(outputs, targets, reduction="none")
        if self.squared_hinge:
            margins = margins * margins
        return margins.sum() / float(outputs.shape[0])


def squared_hinge(Z: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ℓ = max(0, 1 - y z)², ℓ' = -2y max(0, 1 - y z) and the generalised ℓ'' = 2 [y z < 1],
    elementwise: what `newton_cg` needs of the loss."""
    slack = np.maximum(0.0, 1.0 - Y * Z)
    return slack * slack, -2.0 * Y * slack, 2.0 * (slack > 0)


class LinearSVC(MarginClassifierMixin, CPenaltyMixin, GradientTrainedModel):
    """A linear support vector classifier: (squared) hinge loss + L2, one-vs-rest.

    solver="newton-cg" minimises the primal objective of the squared hinge by Newton's
    method with conjugate-gradient steps and a line search (`models/_newton_cg.py`, one
    one-vs-rest column after another), from zero, until ‖∇J‖ ≤ rtol ‖∇J(0)‖ with liblinear's
    relative tolerance rtol = tol · max(min(#positive, #negative), 1) / n per column;
    max_iter counts Newton iterations. It needs the second derivative, so not the hinge.
    solver="lbfgs" minimises either loss with full-batch L-BFGS to max |∂J/∂θ_i| ≤ tol;
    at the hinge's kink (y s = 1) L-BFGS still works but may stop before tol
    (scikit-learn's liblinear solves the dual instead). solver="auto" (the default) is
    newton-cg for the squared hinge and lbfgs for the hinge: scikit-learn's dual="auto"
    likewise takes liblinear's primal Newton solver for the squared hinge (with more
    rows than features) and, since the hinge has no primal solver there, the dual.
    solver="adam", "sgd", ... train by gradient descent in the shared loop.

    After fit: `classes_`, `coef_` (1, d) or (K, d), `intercept_`.
    """

    def __init__(self, loss: str = "squared_hinge", *, C: float = 1.0, solver: str = "auto",
                 learning_rate_init: float = 0.01, max_iter: int = 1000,
                 batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 20, tol: float = 1e-4, random_state: Any = None,
                 verbose: bool = False):
        self.loss = loss
        self.C = C
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

    @property
    def squared_hinge(self) -> bool:
        return self.loss == "squared_hinge"

    def _solvers(self) -> tuple[str, ...]:
        return ("auto", "newton-cg", *SOLVERS)

    def _check_parameters(self) -> None:
        check_choice(self, "loss", self.loss, ("hinge", "squared_hinge"))
        self._check_C()
        self._check_training_parameters()
        if self.solver == "newton-cg" and not self.squared_hinge:
            raise ValueError(f"{type(self).__name__}: solver='newton-cg' needs "
                             f"loss='squared_hinge' (the hinge has no second derivative), "
                             f"got loss={self.loss!r}; use solver='lbfgs' for the hinge")

    def _train(self, features: np.ndarray, targets: np.ndarray, n_outputs: int) -> None:
        """newton-cg here; lbfgs and gradient descent in the shared machinery."""
        if self.solver == "newton-cg" or (self.solver == "auto" and self.squared_hinge):
            self._train_newton_cg(features, targets, n_outputs)
        elif self.solver == "auto":
            self._train_lbfgs(features, targets, n_outputs)
        else:
            super()._train(features, targets, n_outputs)

    def _train_newton_cg(self, features: np.ndarray, targets: np.ndarray,
                         n_outputs: int) -> None:
        """`newton_cg_columns` on [X, 1] (the last parameter of each column is the
        unpenalised intercept), in float64; the result goes into a float64 nn.Linear."""
        n_rows, n_features = features.shape
        self.l2_strength_ = float(self._l2_strength(n_rows))
        rows = np.hstack([features, np.ones((n_rows, 1))]).astype(np.float64)
        positives = (targets > 0).sum(axis=0)
        rtol = self.tol * np.maximum(np.minimum(positives, n_rows - positives), 1) / n_rows
        with single_threaded_blas():
            result = newton_cg_columns(rows, targets.astype(np.float64), squared_hinge,
                                       self.l2_strength_, np.append(np.ones(n_features), 0.0),
                                       rtol, self.max_iter)
        module = self._new_module(n_features, n_outputs, np.float64, seed_for(self.random_state))
        module.weight.data = np.ascontiguousarray(result.theta[:-1].T)  # over its random start
        module.bias.data = result.theta[-1].copy()
        self._record_training(module, result.objectives, result.n_iter)
        name = type(self).__name__
        if self.verbose:
            print(f"{name}: newton-cg, {self.n_iter_} iterations, objective "
                  f"{result.objectives[-1]:.6g}", file=sys.stderr)
        if not result.converged:
            reason = (f"at max_iter={self.max_iter} iterations" if self.n_iter_ >= self.max_iter
                      else f"after {self.n_iter_} iterations (no step decreased J)")
            warnings.warn(f"{name}: newton-cg stopped {reason} before the gradient norm fell "
                          f"below its tolerance (tol={self.tol} relative to the start); "
                          f"increase max_iter or scale the data", ConvergenceWarning,
                          stacklevel=4)


class Kernel:
    """k(·, B) for fixed rows B: the kernel matrix of any rows A against them, in float64,

        linear  x·x',      rbf  exp(-γ‖x - x'‖²),      poly  (γ x·x' + coef0)^degree.

    Every kernel is one matrix product A Bᵀ and elementwise work on the result, done
    in place: the solver asks for thousands of single columns and SVC for one
    (n, n) matrix, so neither a Tensor per call nor a temporary (n, n) block per
    step is affordable. For rbf, B is kept centred on its mean with its squared
    norms (`ReferenceRows`), so ‖a - b‖² = ‖a‖² + ‖b‖² - 2 a·b keeps its precision
    far from the origin; the kernel of B with itself multiplies B by its own
    transpose, which BLAS does in half the flops (the result is symmetric).
    """

    def __init__(self, B: np.ndarray, kernel: str, gamma: float, degree: int, coef0: float):
        self.B, self.kernel, self.gamma, self.degree, self.coef0 = B, kernel, gamma, degree, coef0

    @cached_property
    def reference(self) -> ReferenceRows:
        """B centred on its mean, with its squared norms (rbf; made when first needed, so a
        kernel whose matrix the caller already has costs nothing)."""
        return ReferenceRows(self.B)

    def __call__(self, A: np.ndarray) -> np.ndarray:
        if self.kernel != "rbf":
            K = np.asarray(A, dtype=np.float64) @ np.asarray(self.B, dtype=np.float64).T
            if self.kernel == "poly":
                K *= self.gamma
                K += self.coef0
                K **= self.degree
            return K
        rows = self.reference.rows
        if A is self.B:  # the same array on both sides: a symmetric product
            return self._rbf(rows @ rows.T, self.reference.norms[:, None])
        centred = self.reference.centred(A)
        return self._rbf(centred @ rows.T, squared_norms(centred)[:, None])

    def column(self, j: int) -> np.ndarray:
        """k(b_t, b_j) for every row b_t of B: column j of the kernel of B with itself."""
        if self.kernel != "rbf":
            return self(self.B[j:j + 1])[0]
        rows = self.reference.rows
        return self._rbf(rows @ rows[j], self.reference.norms[j])

    def _rbf(self, products: np.ndarray, a_norms: np.ndarray | float) -> np.ndarray:
        """exp(-γ ‖a - b‖²) from the products a·b of centred rows and the norms ‖a‖², as
        ‖a - b‖² = ‖a‖² + ‖b‖² - 2 a·b, overwriting `products`."""
        K = products
        K *= -2.0
        K += self.reference.norms
        K += a_norms
        np.maximum(K, 0.0, out=K)  # rounding can go below 0
        K *= -self.gamma
        return np.exp(K, out=K)

    def diagonal(self) -> np.ndarray:
        """k(b, b) for every row of B: 1 (rbf), ‖b‖² (linear), (γ‖b‖² + coef0)^degree (poly)."""
        if self.kernel == "rbf":
            return np.ones(len(self.B))
        norms = squared_norms(self.B)
        if self.kernel == "linear":
            return norms
        return (self.gamma * norms + self.coef0) ** self.degree

def kernel_matrix(A: np.ndarray, B: np.ndarray, kernel: str, gamma: float, degree: int,
                  coef0: float) -> np.ndarray:
    """K[i, j] = k(a_i, b_j) (see `Kernel`)."""
    return Kernel(B, kernel, gamma, degree, coef0)(A)


class KernelMachine(CPenaltyMixin, BaseEstimator):
    """What SVC and SVR share: the kernel parameters, their checks, γ, the kernel
    and the SMO solve. After fit: `support_` (indices of the support vectors),
    `support_vectors_`, `dual_coef_` (their coefficients c_t, one row per machine),
    `intercept_` (b of each machine), `n_iter_` (SMO steps of each machine), `gamma_`."""

    def _check_kernel_parameters(self) -> None:
        """Raise ValueError naming the model for a bad parameter (before any state changes)."""
        name = type(self).__name__
        self._check_C()
        check_choice(self, "kernel", self.kernel, KERNELS)
        check_positive_int(self, "degree", self.degree)
        if isinstance(self.gamma, str):
            check_choice(self, "gamma", self.gamma, ("scale", "auto"))
        elif not self.gamma > 0:
            raise ValueError(f"{name}: gamma must be 'scale', 'auto' or > 0, got {self.gamma!r}")
        if not self.tol > 0:
            raise ValueError(f"{name}: tol must be > 0, got {self.tol!r}")
        if not self.cache_size > 0:
            raise ValueError(f"{name}: cache_size must be > 0 (MB), got {self.cache_size!r}")
        if (isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer))
                or self.max_iter < -1):
            raise ValueError(f"{name}: max_iter must be an int >= -1 (-1: no limit), "
                             f"got {self.max_iter!r}")

    def _set_gamma(self, X: np.ndarray) -> None:
        if self.gamma == "scale":
            variance = X.var()
            self.gamma_ = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
        else:
            self.gamma_ = 1.0 / X.shape[1] if self.gamma == "auto" else float(self.gamma)

    def _kernel(self, B: np.ndarray) -> Kernel:
        """k(·, B) with the fitted γ."""
        return Kernel(B, self.kernel, self.gamma_, self.degree, self.coef0)

    def _solve(self, columns, diagonal, y, p) -> tuple[np.ndarray, float, int]:
        """(α, ρ, steps) from `solve_smo`, warning as scikit-learn does if max_iter stopped it."""
        alpha, rho, n_iter, converged = solve_smo(columns, diagonal, y, p, float(self.C),
                                                  float(self.tol), int(self.max_iter))
        if not converged:
            warnings.warn(f"{type(self).__name__}: the solver stopped at max_iter="
                          f"{self.max_iter} before reaching tol={self.tol}", ConvergenceWarning,
                          stacklevel=3)
        return alpha, rho, n_iter

    def _keep_support(self, X: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                      n_iter: np.ndarray) -> None:
        """Store the rows with a non-zero coefficient in any machine, and their coefficients.
        `coef` is (n_rows, n_machines)."""
        self.support_ = np.flatnonzero((coef != 0).any(axis=1))
        self.support_vectors_ = X[self.support_]
        self.dual_coef_ = coef[self.support_].T
        self.intercept_ = intercept
        self.n_iter_ = n_iter

    def _scores(self, X: Any) -> np.ndarray:
        """f(x) of every machine, (m, machines): k(x, support vectors) dual_coef_ᵀ + intercept_."""
        X = predict_input(self, X)
        return self._kernel(self.support_vectors_)(X) @ self.dual_coef_.T + self.intercept_


class SVC(ClassifierMixin, KernelMachine):
    """Kernel support vector classifier, scikit-learn's SVC: the libsvm dual by SMO,
    one-vs-one for several classes. Labels of any sortable type."""

    def __init__(self, C: float = 1.0, kernel: str = "rbf", degree: int = 3,
                 gamma: str | float = "scale", coef0: float = 0.0, *, tol: float = 1e-3,
                 cache_size: float = 200, max_iter: int = -1):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.cache_size = cache_size
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> SVC:
        """One SMO solve per pair of classes. When the kernel matrix of all the rows
        fits in cache_size, it is computed once and each pair copies out its block
        (two classes: the whole matrix, not copied)."""
        self._check_kernel_parameters()
        X, y = fit_input(self, X, y)
        self.classes_, codes = fit_classes(self, y)
        self._set_gamma(X)
        full = self._kernel(X)(X) if 8 * len(X) ** 2 <= self.cache_size * 2**20 else None
        n_classes = len(self.classes_)
        pairs = [(a, b) for a in range(n_classes) for b in range(a + 1, n_classes)]
        coef, intercept = np.zeros((len(X), len(pairs))), np.zeros(len(pairs))
        n_iter = np.zeros(len(pairs), dtype=np.int64)
        for m, (a, b) in enumerate(pairs):
            rows = np.flatnonzero((codes == a) | (codes == b))
            signs = np.where(codes[rows] == b, 1.0, -1.0)
            kernel = self._kernel(X[rows])
            # the pair's block of the whole matrix (two classes: the matrix itself)
            block = full[np.ix_(rows, rows)] if full is not None and len(rows) < len(X) else full
            columns = KernelColumns(kernel, len(rows), self.cache_size, matrix=block)
            alpha, rho, n_iter[m] = self._solve(columns, kernel.diagonal(), signs,
                                                -np.ones(len(rows)))
            coef[rows, m] = signs * alpha
            intercept[m] = -rho
        self._keep_support(X, coef, intercept, n_iter)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """(n,) for two classes (> 0 means classes_[1]); for K classes, scikit-learn's
        one-vs-rest scores (n, K): votes + s / (3 (|s| + 1)), s the summed pair scores."""
        scores = self._scores(X)
        if len(self.classes_) == 2:
            return scores[:, 0]
        votes, confidence = self._votes(scores)
        return votes + confidence / (3 * (np.abs(confidence) + 1))

    def predict(self, X: Any) -> np.ndarray:
        scores = self._scores(X)
        if len(self.classes_) == 2:
            return self.classes_[(scores[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(self._votes(scores)[0], axis=1)]

    def _votes(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(votes, summed scores) per class from the pair machines' scores (m, K(K-1)/2)."""
        n_classes = len(self.classes_)
        votes, confidence = np.zeros((len(scores), n_classes)), np.zeros((len(scores), n_classes))
        m = 0
        for a in range(n_classes):
            for b in range(a + 1, n_classes):
                votes[:, b] += scores[:, m] > 0
                votes[:, a] += scores[:, m] <= 0
                confidence[:, b] += scores[:, m]
                confidence[:, a] -= scores[:, m]
                m += 1
        return votes, confidence


class SVR(RegressorMixin, KernelMachine):
    """Kernel support vector regression, scikit-learn's SVR: the ε-insensitive libsvm dual
    by SMO. Works on y in its own units (no need to standardise it)."""

    def __init__(self, kernel: str = "rbf", degree: int = 3, gamma: str | float = "scale",
                 coef0: float = 0.0, tol: float = 1e-3, C: float = 1.0, epsilon: float = 0.1,
                 *, cache_size: float = 200, max_iter: int = -1):
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.C = C
        self.epsilon = epsilon
        self.cache_size = cache_size
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> SVR:
        """SMO over the 2n variables [α; α*]; variable t and t + n share the row t mod n,
        so their kernel columns are the row's column twice."""
        self._check_kernel_parameters()
        if not self.epsilon >= 0:
            raise ValueError(f"SVR: epsilon must be >= 0, got {self.epsilon!r}")
        X, y = fit_input(self, X, y, y_numeric=True)
        self._set_gamma(X)
        n, kernel = len(X), self._kernel(X)
        columns = KernelColumns(kernel, n, self.cache_size, copies=2)
        signs = np.concatenate([np.ones(n), -np.ones(n)])
        p = np.concatenate([self.epsilon - y, self.epsilon + y])
        alpha, rho, n_iter = self._solve(lambda t: columns(t % n), np.tile(kernel.diagonal(), 2),
                                         signs, p)
        coef = (alpha[:n] - alpha[n:]).reshape(-1, 1)
        self._keep_support(X, coef, np.array([-rho]), np.array([n_iter]))
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._scores(X)[:, 0]
