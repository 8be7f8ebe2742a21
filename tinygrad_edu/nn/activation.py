"""Layers without parameters: the activation functions, Identity and Flatten.

Each one only calls an op or a composite from `functional`, so its gradient
comes from the engine.
"""

from __future__ import annotations

import math

from tinygrad_edu import functional as F
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class ReLU(Module):
    """y = max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope · x otherwise."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """y = 1 / (1 + e⁻ˣ)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """y = tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softmax(Module):
    """yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ) along `axis` (PyTorch's `dim`)."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, axis=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Identity(Module):
    """y = x (a placeholder, e.g. to switch a layer off)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Flatten(Module):
    """Merge the axes start_axis..end_axis into one: (N, 28, 28) -> (N, 784) by default."""

    def __init__(self, start_axis: int = 1, end_axis: int = -1):
        super().__init__()
        self.start_axis = start_axis
        self.end_axis = end_axis

    def forward(self, x: Tensor) -> Tensor:
        n = x.ndim
        in_range = -n <= self.start_axis < n and -n <= self.end_axis < n
        if not in_range or self.start_axis % n > self.end_axis % n:
            raise ValueError(f"Flatten: cannot flatten axes {self.start_axis}..{self.end_axis} "
                             f"of an input of shape {x.shape}")
        start, end = self.start_axis % n, self.end_axis % n
        merged = math.prod(x.shape[start:end + 1])
        return x.reshape(*x.shape[:start], merged, *x.shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"


class GELU(Module):
    """y = x Φ(x), Φ the standard normal CDF (approximate="tanh": the tanh formula)."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """y = x σ(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class ELU(Module):
    """y = x for x > 0, α(eˣ - 1) otherwise."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """y = log(1 + e^(βx)) / β, and x itself where βx > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    """y = log σ(x) = -softplus(-x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_sigmoid(x)
