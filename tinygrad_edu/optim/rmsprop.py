"""RMSprop: divide the gradient by a running root-mean-square of itself."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsArgument


class RMSprop(Optimizer):
    """PyTorch's RMSprop. With gradient g of parameter θ, at each step:

        g ← g + λ θ                              (weight_decay λ)
        s ← α s + (1 - α) g²                     (running mean square, s starts at 0)
        d = √s + ε,  or  √(s - ḡ²) + ε with ḡ ← α ḡ + (1 - α) g   (centered)
        b ← μ b + g / d,  θ ← θ - η b            (momentum μ > 0)
        θ ← θ - η g / d                          (μ = 0)

    `centered` divides by an estimate of the gradient's standard deviation
    instead of its root mean square.
    """

    def __init__(self, params: ParamsArgument, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def check_group(self, group: dict[str, Any]) -> None:
        self._require_nonnegative(group, "lr", "eps", "momentum", "weight_decay")
        self._require(0 <= group["alpha"] <= 1,
                      f"invalid alpha {group['alpha']} (must be in [0, 1])")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["square_avg"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
            if momentum:
                state["momentum_buffer"] = np.zeros_like(param)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * grad * grad
        mean_square = state["square_avg"]
        if group["centered"]:
            state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * grad
            mean_square = mean_square - state["grad_avg"] ** 2
        step = grad / (np.sqrt(mean_square) + group["eps"])
        if momentum:
            state["momentum_buffer"] = momentum * state["momentum_buffer"] + step
            step = state["momentum_buffer"]
        param -= group["lr"] * step
