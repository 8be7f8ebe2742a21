"""Logistic regression: class probabilities from linear scores.

Two classes (y ∈ {0, 1}): one score z = x·w + b and P(y = 1 | x) = σ(z) = 1/(1 + e⁻ᶻ).
The per-sample loss is the binary cross-entropy of σ(z), written in the form
that never overflows (`F.binary_cross_entropy_with_logits`):

    ℓ = -[y log σ(z) + (1 - y) log(1 - σ(z))] = softplus(z) - y z,
    dℓ/dz = σ(z) - y                     (softplus' = σ).

K > 2 classes (multinomial): scores z = W x + b ∈ ℝᴷ, probabilities p = softmax(z),
and the cross-entropy (`F.cross_entropy`, i.e. log_softmax then pick):

    ℓ = -log p_y = logsumexp(z) - z_y,   dℓ/dz_k = p_k - [k = y].

Either way, with the chain rule through z = W x + b, ∂ℓ/∂W = (p - onehot(y)) xᵀ
and ∂ℓ/∂b = p - onehot(y): "prediction minus truth, times the input".

The penalty is scikit-learn's. Its objective is ½‖W‖² + C Σ_i ℓ_i; dividing by
the positive constant C n changes the value but not the minimiser, and gives
the shared form (mean loss + λ/2 ‖W‖², see `_gradient_training`) with λ = 1/(C n):

    J = (1/n) Σ_i ℓ_i + ‖W‖² / (2 C n),     ∂J/∂W = (1/n) Σ_i (p_i - onehot(y_i)) x_iᵀ + W / (C n).

C = inf switches the penalty off. J is smooth and convex, so the default solver is
scikit-learn's, L-BFGS (`optim.LBFGS`), which reaches the minimiser in tens of
iterations where gradient descent needs thousands of epochs. As in scikit-learn the
multinomial model keeps all K rows of W (the penalty makes them identifiable) and b is
not penalised.

The graph the engine differentiates: X → matmul Wᵀ → add b → (softplus - y·z | log_softmax →
pick) → mean → add ½λ Σ W² → J.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tinygrad_edu.functional as F
from models._gradient_training import (
    CPenaltyMixin,
    GradientTrainedModel,
    ScoreClassifierMixin,
    class_codes,
)
from tinygrad_edu import Tensor, concatenate, no_grad


class LogisticOutputMixin(ScoreClassifierMixin):
    """The output layer of a probabilistic classifier, shared by LogisticRegression
    and MLPClassifier: one logit and a sigmoid for two classes, K logits and a
    softmax for K classes (the decisions are `ScoreClassifierMixin`'s)."""

    def _targets(self, y: np.ndarray) -> np.ndarray:
        """0/1 as a float column for two classes; class indices for K classes."""
        codes = class_codes(self, y)
        return codes.astype(np.float64).reshape(-1, 1) if len(self.classes_) == 2 else codes

    def _sample_loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        if outputs.shape[1] == 1:
            return F.binary_cross_entropy_with_logits(outputs, targets)
        return F.cross_entropy(outputs, targets)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log P(class | x), (n, K): [log σ(-z), log σ(z)] or log_softmax(z)."""
        with no_grad():
            z = Tensor(self._outputs(X), dtype=np.float64)
            if z.shape[1] == 1:
                return concatenate([F.log_sigmoid(-z), F.log_sigmoid(z)], axis=1).numpy()
            return F.log_softmax(z, axis=1).numpy()

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(class | x), (n, K), each row summing to 1."""
        return np.exp(self.predict_log_proba(X))


class LogisticRegression(LogisticOutputMixin, CPenaltyMixin, GradientTrainedModel):
    """L2-regularised logistic regression (binary or multinomial) with scikit-learn's `C`.

    scikit-learn's defaults: solver="lbfgs" (full-batch L-BFGS to max |∂J/∂θ_i| ≤ tol = 1e-4,
    at most 100 iterations); solver="adam", "sgd", ... train by gradient descent in the
    shared loop (then set max_iter, tol and learning_rate_init for it, e.g. max_iter=2000,
    tol=1e-7).

    After fit: `classes_`, `coef_` (1, d) for two classes or (K, d), `intercept_`.
    """

    def __init__(self, C: float = 1.0, *, solver: str = "lbfgs", learning_rate_init: float = 0.05,
                 max_iter: int = 100, batch_size: int | None = None,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 20, tol: float = 1e-4, random_state: Any = None,
                 verbose: bool = False):
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

    def _check_parameters(self) -> None:
        self._check_C()
        self._check_training_parameters()
