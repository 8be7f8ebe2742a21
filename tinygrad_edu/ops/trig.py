"""Sine and cosine: each one's derivative is the other."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tensor_or_array import apply_op


class Sin(Function):
    """y = sin x;  dL/dx = g cos x;  ẏ = cos x ẋ"""

    name = "sin"

    @staticmethod
    def forward(x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * apply_op(Cos, ctx.inputs[0])

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot * np.cos(ctx.inputs[0])


class Cos(Function):
    """y = cos x;  dL/dx = -g sin x;  ẏ = -sin x ẋ"""

    name = "cos"

    @staticmethod
    def forward(x):
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad * apply_op(Sin, ctx.inputs[0])

    @staticmethod
    def jvp(ctx, x_dot):
        return -x_dot * np.sin(ctx.inputs[0])
