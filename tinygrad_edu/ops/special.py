"""The error function, which the exact GELU is made of.

NumPy has no erf. `math.erf` is the C library's, correct to the last bit in
float64, and is applied to each element in turn: about 0.1 µs an element, fine
for the activations of a small network. (SciPy's `special.erf` would be faster,
but tinygrad_edu depends on NumPy alone.)
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tensor_or_array import exp

_erf = np.frompyfunc(math.erf, 1, 1)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Function):
    """y = erf x = (2/√π) ∫₀ˣ e^(-t²) dt;  dL/dx = g (2/√π) e^(-x²);  ẏ = (2/√π) e^(-x²) ẋ"""

    name = "erf"

    @staticmethod
    def forward(x):
        return np.asarray(_erf(x.astype(np.float64)), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return grad * exp(-(x * x)) * TWO_OVER_SQRT_PI

    @staticmethod
    def jvp(ctx, x_dot):
        x = ctx.inputs[0]
        return x_dot * np.exp(-(x * x)) * TWO_OVER_SQRT_PI
