"""Stochastic gradient descent, with momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.optim.optimizer import Optimizer, ParamsArgument


class SGD(Optimizer):
    """PyTorch's SGD. With gradient g of parameter θ, at each step:

        g ← g + λ θ                            (weight_decay λ)
        b ← g at the first step, else μ b + (1 - τ) g   (momentum μ, dampening τ)
        g ← g + μ b  (nesterov)   or   g ← b   (plain momentum)
        θ ← θ - η g                            (learning rate η)

    Without momentum (μ = 0) it is plain gradient descent, θ ← θ - η g.
    """

    def __init__(self, params: ParamsArgument, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def check_group(self, group: dict[str, Any]) -> None:
        self._require_nonnegative(group, "lr", "momentum", "dampening", "weight_decay")
        self._require(not group["nesterov"] or (group["momentum"] > 0 and group["dampening"] == 0),
                      f"nesterov needs momentum > 0 and dampening = 0, got momentum "
                      f"{group['momentum']} and dampening {group['dampening']}")

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        momentum = group["momentum"]
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = grad.copy()
            else:
                buffer = momentum * buffer + (1 - group["dampening"]) * grad
            state["momentum_buffer"] = buffer
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad
