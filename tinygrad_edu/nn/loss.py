"""Loss modules: each wraps one loss of `tinygrad_edu.functional`.

`reduction` says what to do with the per-element losses: "mean" (the
default), "sum", or "none" (return them all).
"""

from __future__ import annotations

from typing import Any

from tinygrad_edu import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class Loss(Module):
    """Base of the loss modules: checks `reduction` once, when the loss is built."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in F.REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {F.REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(Loss):
    """ℓ = (x - y)²."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, self.reduction)


class BCELoss(Loss):
    """ℓ = -(y log p + (1 - y) log(1 - p)) for probabilities p (each log clamped at -100)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, self.reduction)


class BCEWithLogitsLoss(Loss):
    """ℓ = -(y log σ(z) + (1 - y) log(1 - σ(z))) for logits z, computed stably as
    softplus(z) - y z. Prefer it to Sigmoid followed by BCELoss."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.reduction)


class CrossEntropyLoss(Loss):
    """ℓ = -log softmax(z)[y] = logsumexp(z) - z_y for logits z of shape (N, C) and
    integer class indices y of shape (N,)."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.reduction)
