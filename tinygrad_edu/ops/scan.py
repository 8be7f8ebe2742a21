"""Running sums along an axis."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tangents import linear_jvp
from tinygrad_edu.ops.tensor_or_array import apply_op


def reverse(x, axis: int):
    """`x` read backwards along `axis` (a reversed slice: a view of an array, a
    getitem of a Tensor)."""
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


class Cumsum(Function):
    """yᵢ = Σ_{j ≤ i} xⱼ along `axis`;  dL/dxⱼ = Σ_{i ≥ j} gᵢ (the running sum of g
    taken from the other end: reverse, cumsum, reverse);  ẏ = cumsum(ẋ) (linear)
    """

    name = "cumsum"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, axis):
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.params["axis"]
        return reverse(apply_op(Cumsum, reverse(grad, axis), axis=axis), axis)
