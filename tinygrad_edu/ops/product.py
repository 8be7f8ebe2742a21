"""The product of the elements along axes."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.reduce import expand_back, kept_shape, reduction_jvp
from tinygrad_edu.ops.tensor_or_array import apply_op, values, where


class Prod(Function):
    """y = Πᵢ xᵢ over the axes;  dL/dxᵢ = g · Π_{j ≠ i} xⱼ, which is g · y / xᵢ when no
    element of the slice is 0; with one zero, the product of the others at the zero
    and 0 elsewhere; with two or more zeros, 0 everywhere;
    ẏ = Σᵢ (Π_{j ≠ i} xⱼ) ẋᵢ (those same slopes times the tangents)

    Written with ops (div, where, prod), so it has second derivatives; at an exact
    zero the second derivative between that zero and the other elements is taken
    as 0 (the `where` masks are constants), like any rule built on masks.
    """

    name = "prod"
    jvp = staticmethod(reduction_jvp)

    @staticmethod
    def forward(x, axis, keepdims):
        return np.prod(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        x, axis = ctx.inputs[0], ctx.params["axis"]
        product = ctx.output.reshape(kept_shape(x.shape, axis))
        is_zero = values(x) == 0
        zeros = is_zero.sum(axis=axis, keepdims=True)
        nonzero = where(is_zero, 1.0, x)
        at_single_zero = apply_op(Prod, nonzero, axis=axis, keepdims=True)
        others = where(zeros == 0, product / nonzero,
                       where(is_zero & (zeros == 1), at_single_zero, 0.0))
        return expand_back(ctx, grad) * others
