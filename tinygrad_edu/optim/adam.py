"""Adam and AdamW: gradient descent with per-parameter step sizes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsArgument


class Adam(Optimizer):
    """PyTorch's Adam. With gradient g of parameter θ, at step t = 1, 2, ...:

        g ← g + λ θ                         (weight_decay λ, an L2 penalty)
        m ← β₁ m + (1 - β₁) g               (moving average of the gradient)
        v ← β₂ v + (1 - β₂) g²              (moving average of its square)
        m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ)   (bias correction: m, v start at 0)
        θ ← θ - η m̂ / (√v̂ + ε)

    Each coordinate moves by about η, whatever the scale of its gradient.
    """

    decoupled_weight_decay = False

    def __init__(self, params: ParamsArgument, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def check_group(self, group: dict[str, Any]) -> None:
        self._require_nonnegative(group, "lr", "eps", "weight_decay")
        for i, beta in enumerate(group["betas"]):
            self._require(0 <= beta < 1, f"invalid beta at index {i}: {beta} (must be in [0, 1))")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        if weight_decay and self.decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        elif weight_decay:
            grad = grad + weight_decay * param
        state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * grad
        state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * grad * grad
        step = state["step"]
        step_size = lr / (1 - beta1**step)
        denominator = np.sqrt(state["exp_avg_sq"]) / math.sqrt(1 - beta2**step) + group["eps"]
        param -= step_size * state["exp_avg"] / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter). The decay shrinks θ
    directly instead of entering the gradient, so m and v see only the loss:

        θ ← θ (1 - η λ),   then the Adam step with λ = 0.

    The default λ is 0.01, as in PyTorch.
    """

    decoupled_weight_decay = True

    def __init__(self, params: ParamsArgument, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
