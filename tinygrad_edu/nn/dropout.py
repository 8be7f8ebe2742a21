"""Dropout: a regulariser that is only active while training."""

from __future__ import annotations

from tinygrad_edu import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class Dropout(Module):
    """In training, y = x · m / (1 - p) with m ~ Bernoulli(1 - p) per element; in eval, y = x.

    Zeroing a random fraction p of the activations stops units from relying on
    each other; dividing the survivors by 1 - p keeps E[y] = x, so nothing has
    to change at evaluation time. The mask comes from `tinygrad_edu.rng`.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
