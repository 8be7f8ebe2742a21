"""Constant padding: a border of one value around a tensor.

Reflect, replicate and circular padding need no op of their own: each is
indexing with an index array (`functional.pad` builds it with `np.pad` on
`arange`), so `getitem` and its adjoint `scatter_add` carry their gradients.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


class Pad(Function):
    """y = x surrounded by `value`: widths[a] = (before, after) elements on axis a;
    dL/dx = g with the border cut off: g[before:before + n] on every axis;
    ẏ = ẋ surrounded by 0 (the border is a constant)
    """

    name = "pad"

    @staticmethod
    def forward(x, widths, value):
        return np.pad(x, widths, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.input_shapes[0]
        return grad[tuple(slice(before, before + n)
                          for (before, _), n in zip(ctx.params["widths"], shape))]

    @staticmethod
    def jvp(ctx, x_dot):
        return Pad.forward(x_dot, ctx.params["widths"], value=0)
