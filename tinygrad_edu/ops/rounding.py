"""Piecewise-constant functions of their input: the sign, and the remainder of a
floored division (whose quotient is piecewise constant)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tangents import or_zeros
from tinygrad_edu.ops.tensor_or_array import values


def check_integer_divisor(op: str, b: np.ndarray) -> None:
    """Integer division by zero raises, as in PyTorch (NumPy would warn and give 0)."""
    if b.dtype.kind in "iub" and np.any(b == 0):
        raise ZeroDivisionError(f"{op}: integer division by zero")


class Sign(Function):
    """y = sign x (-1, 0 or 1);  dL/dx = 0 (the slope of a step, as PyTorch gives);
    ẏ = 0: the jvp returns None, so y has no tangent (a constant to forward mode)
    """

    name = "sign"

    @staticmethod
    def forward(x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.0

    @staticmethod
    def jvp(ctx, x_dot):
        return None  # a step's slope is 0 wherever it is defined


class Remainder(Function):
    """y = a - b ⌊a / b⌋ (the sign of b, as Python's % and torch.remainder);
    dL/da = g,  dL/db = -g ⌊a / b⌋;  ẏ = ȧ - ḃ ⌊a / b⌋
    """

    name = "remainder"
    broadcasts = True

    @staticmethod
    def forward(a, b):
        check_integer_divisor("remainder", b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return grad, -grad * np.floor_divide(values(a), values(b))

    @staticmethod
    def jvp(ctx, a_dot, b_dot):
        a, b = ctx.inputs
        return or_zeros(a_dot, a) - or_zeros(b_dot, b) * np.floor_divide(a, b)
