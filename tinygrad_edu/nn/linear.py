"""Linear: the fully connected layer."""

from __future__ import annotations

import math
from typing import Any

import tinygrad_edu.functional as F
from tinygrad_edu.nn import init
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import DEFAULT_FLOAT, Tensor, zeros


class Linear(Module):
    """y = x Wᵀ + b, for x of shape (..., in_features).

    W has shape (out_features, in_features) and b shape (out_features,), as in
    PyTorch, so state dicts move between the two unchanged. Both start as
    U(-1/√in, 1/√in), PyTorch's default (`kaiming_uniform_` with a = √5).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = DEFAULT_FLOAT):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear: in_features and out_features must be positive, "
                             f"got {in_features} and {out_features}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = zeros(out_features, in_features, dtype=dtype, requires_grad=True)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = None
        if bias:
            bound = 1 / math.sqrt(in_features)
            self.bias = zeros(out_features, dtype=dtype, requires_grad=True)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"Linear: input of shape {x.shape} does not fit weight of shape "
                             f"{self.weight.shape}: the last axis must have in_features="
                             f"{self.in_features} elements")
        return F.linear(x, self.weight, self.bias)

    @property
    def label(self) -> str:
        """The short name a graph drawing gives the layer: "Linear(784→30)"."""
        return f"Linear({self.in_features}→{self.out_features})"

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
