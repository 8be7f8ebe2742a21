"""Support vector machines, trained as regularised loss minimisation.

**Linear (LinearSVC).** A score s = w·x + b and labels y ∈ {-1, +1}. The margin
loss is the hinge or (scikit-learn's default) its square:

    hinge           ℓ = max(0, 1 - y s),      dℓ/ds = -y [y s < 1]
    squared hinge   ℓ = max(0, 1 - y s)²,     dℓ/ds = -2 y max(0, 1 - y s)

(the hinge has a kink at y s = 1; `relu`'s derivative there is 0, a valid
subgradient). scikit-learn minimises ½‖w‖² + C Σ_i ℓ_i; divided by C n that is
the shared objective (mean ℓ + λ/2 ‖w‖², see `_gradient_training`) with λ = 1/(C n), so

    ∂J/∂w = (1/n) Σ_i (dℓ/ds)_i x_i + w / (C n).

**Kernel (SVC, SVR).** The score is a kernel expansion over training points,
f(x) = Σ_j α_j k(x, x_j) + b, with k(x, x') = x·x' (linear), exp(-γ‖x - x'‖²)
(rbf) or (γ x·x' + coef0)^degree (poly); γ = "scale" is 1 / (n_features · Var(X)),
as in scikit-learn. The regulariser is the kernel norm ‖f‖² = αᵀ K α, so the
objective is ½ αᵀKα + C Σ_i ℓ(f(x_i)). Gradient descent on α directly is badly
conditioned (its Hessian contains K²), so we change variables: with the
eigendecomposition K = U Λ Uᵀ, put α = U Λ^(-1/2) β. Then

    f(x) = φ(x)·β + b   with   φ(x) = k(x, X) U Λ^(-1/2),     αᵀKα = ‖β‖²,

and the kernel machine *is* a linear model on the features φ: the same graph
and loss as the linear case, now with inputs φ(X). (Eigenvalues below 1e-10 λ_max
are dropped: the kernel has no room in those directions.)

The expansion uses every training row when there are at most `n_components`
of them: exact. For more rows (SVR on the 7,654 power-plant rows) it uses
`n_components` rows drawn at random, the landmarks L — the Nyström method:
φ(x) = k(x, L) U Λ^(-1/2) from K_LL = U Λ Uᵀ, whose inner products
φ(x)·φ(x') = k(x, L) K_LL⁻¹ k(L, x') approximate k(x, x') (exactly when x or x' is a landmark).

**Regression (SVR)** uses the ε-insensitive loss on the same f:
ℓ = max(0, |f - y| - ε), dℓ/df = sign(f - y) [|f - y| > ε]; λ = 1/(C n) again.

**Several classes.** One-vs-rest: K columns of scores, column k trained on
labels +1 for class k and -1 for the rest. The loss sums the columns, and no
parameter is shared between them, so minimising the sum trains K independent
binary machines at once. (scikit-learn's SVC uses one-vs-one instead.)

Differences from scikit-learn, which solves the same objectives exactly
(liblinear, libsvm): our b is not penalised (liblinear penalises it), there is
no dual, hence no support vectors, and training stops at the shared loop's tolerance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state

import tinygrad_edu.functional as F
from models._distance import squared_euclidean
from models._gradient_training import (
    CPenaltyMixin,
    GradientTrainedModel,
    class_codes,
    fit_classes,
    seed_for,
    single_threaded_blas,
)
from models._validation import check_choice, check_positive_int, fit_input
from tinygrad_edu import Tensor, no_grad

KERNELS = ("linear", "rbf", "poly")
EIGENVALUE_CUTOFF = 1e-10


def kernel_matrix(A: np.ndarray, B: np.ndarray, kernel: str, gamma: float, degree: int,
                  coef0: float) -> np.ndarray:
    """K[i, j] = k(a_i, b_j) for the linear, rbf or poly kernel, in float64."""
    if kernel == "rbf":
        with no_grad():
            return (-gamma * Tensor(squared_euclidean(A, B), dtype=np.float64)).exp().numpy()
    with no_grad():
        products = Tensor(A, dtype=np.float64) @ Tensor(B, dtype=np.float64).T
        if kernel == "linear":
            return products.numpy()
        return ((gamma * products + coef0) ** degree).numpy()


def kernel_feature_map(K_landmarks: np.ndarray) -> np.ndarray:
    """P = U Λ^(-1/2) from K_LL = U Λ Uᵀ, keeping eigenvalues above the cutoff:
    the features of x are then k(x, L) P."""
    eigenvalues, eigenvectors = np.linalg.eigh(K_landmarks)
    keep = eigenvalues > EIGENVALUE_CUTOFF * max(eigenvalues[-1], 0.0)
    if not keep.any():
        raise ValueError("kernel expansion: the kernel matrix of the training rows is 0")
    return eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])


class KernelFeaturesMixin:
    """The kernel expansion φ(x) = k(x, L) U Λ^(-1/2), learned in `_fit_features`."""

    def _check_kernel_parameters(self) -> None:
        check_choice(self, "kernel", self.kernel, KERNELS)
        check_positive_int(self, "degree", self.degree)
        check_positive_int(self, "n_components", self.n_components)
        if isinstance(self.gamma, str):
            check_choice(self, "gamma", self.gamma, ("scale", "auto"))
        elif not self.gamma > 0:
            raise ValueError(f"{type(self).__name__}: gamma must be 'scale', 'auto' or > 0, "
                             f"got {self.gamma!r}")

    def _fit_features(self, X: np.ndarray) -> np.ndarray:
        """Choose γ and the landmarks, build the map; the training rows' features."""
        if self.gamma == "scale":
            variance = X.var()
            self.gamma_ = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
        else:
            self.gamma_ = 1.0 / X.shape[1] if self.gamma == "auto" else float(self.gamma)
        if len(X) <= self.n_components:
            self.landmarks_ = X
        else:
            generator = check_random_state(seed_for(self.random_state))
            self.landmarks_ = X[np.sort(generator.choice(len(X), self.n_components,
                                                         replace=False))]
        with single_threaded_blas():
            self.projection_ = kernel_feature_map(self._kernel(self.landmarks_, self.landmarks_))
            return self._features(X)

    def _kernel(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return kernel_matrix(A, B, self.kernel, self.gamma_, self.degree, self.coef0)

    def _features(self, X: np.ndarray) -> np.ndarray:
        return self._kernel(X, self.landmarks_) @ self.projection_


class MarginClassifierMixin(ClassifierMixin):
    """Labels → ±1 columns (one column for two classes, one per class otherwise),
    the (squared) hinge loss, and decisions by the sign or the largest score."""

    squared_hinge = False

    def _fit_classes(self, y: np.ndarray) -> int:
        """Set `classes_`; the number of score columns (1 for two classes)."""
        self.classes_, _ = fit_classes(self, y)
        return 1 if len(self.classes_) == 2 else len(self.classes_)

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

    def decision_function(self, X: Any) -> np.ndarray:
        """The scores: (n,) for two classes (> 0 means classes_[1]), else (n, K)."""
        scores = self._outputs(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> np.ndarray:
        scores = self._outputs(X)
        if scores.shape[1] == 1:
            return self.classes_[(scores[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]


class LinearSVC(MarginClassifierMixin, CPenaltyMixin, GradientTrainedModel):
    """A linear support vector classifier: (squared) hinge loss + L2, one-vs-rest.

    After fit: `classes_`, `coef_` (1, d) or (K, d), `intercept_`.
    """

    def __init__(self, loss: str = "squared_hinge", *, C: float = 1.0, optimizer: str = "adam",
                 lr: float = 0.01, epochs: int = 1000, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 20, tol: float = 1e-6, random_state: Any = None,
                 verbose: bool = False):
        self.loss = loss
        self.C = C
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
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

    def fit(self, X: Any, y: Any) -> LinearSVC:
        check_choice(self, "loss", self.loss, ("hinge", "squared_hinge"))
        self._check_C()
        self._check_training_parameters()
        X, y = fit_input(self, X, y)
        n_outputs = self._fit_classes(y)
        self._train(X, self._targets(y), n_outputs)
        self.coef_ = self.module_.weight.numpy().astype(np.float64)
        self.intercept_ = self.module_.bias.numpy().astype(np.float64)
        return self


class SVC(MarginClassifierMixin, KernelFeaturesMixin, CPenaltyMixin, GradientTrainedModel):
    """A kernel support vector classifier: hinge loss + kernel norm, one-vs-rest.

    After fit: `classes_`, `gamma_`, `landmarks_` (the rows of the expansion) and
    `projection_` (U Λ^(-1/2)); the weights β, b are `module_`'s.
    """

    def __init__(self, C: float = 1.0, kernel: str = "rbf", degree: int = 3,
                 gamma: str | float = "scale", coef0: float = 0.0, *,
                 n_components: int = 1000, optimizer: str = "adam", lr: float = 0.01,
                 epochs: int = 1000, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 20, tol: float = 1e-6, random_state: Any = None,
                 verbose: bool = False):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.n_components = n_components
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> SVC:
        self._check_C()
        self._check_kernel_parameters()
        self._check_training_parameters()
        X, y = fit_input(self, X, y)
        n_outputs = self._fit_classes(y)
        self._train(self._fit_features(X), self._targets(y), n_outputs)
        return self


class SVR(RegressorMixin, KernelFeaturesMixin, CPenaltyMixin, GradientTrainedModel):
    """Kernel support vector regression: ε-insensitive loss + kernel norm.
    Standardise y (as X) for the defaults (ε = 0.1 is in units of y) to work well."""

    def __init__(self, kernel: str = "rbf", degree: int = 3, gamma: str | float = "scale",
                 coef0: float = 0.0, C: float = 1.0, epsilon: float = 0.1, *,
                 n_components: int = 1000, optimizer: str = "adam", lr: float = 0.01,
                 epochs: int = 1000, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 20, tol: float = 1e-6, random_state: Any = None,
                 verbose: bool = False):
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.C = C
        self.epsilon = epsilon
        self.n_components = n_components
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X: Any, y: Any) -> SVR:
        self._check_C()
        if not self.epsilon >= 0:
            raise ValueError(f"SVR: epsilon must be >= 0, got {self.epsilon!r}")
        self._check_kernel_parameters()
        self._check_training_parameters()
        X, y = fit_input(self, X, y, y_numeric=True)
        self._train(self._fit_features(X), self._targets(y), n_outputs=1)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._outputs(X)[:, 0]

    def _targets(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(-1, 1)

    def _sample_loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return F.epsilon_insensitive_loss(outputs, targets, epsilon=self.epsilon)
