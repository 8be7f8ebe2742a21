"""log_softmax as one op: the fused, stable kernel behind softmax and cross-entropy.

Composed from exp, sum and log it would be six ops forward and a dozen in
backward; as one op it is one step each way, and its derivative reads as the
textbook formula.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tensor_or_array import exp


class LogSoftmax(Function):
    """y = x - log Σ_axis exp(x), computed as (x - m) - log Σ exp(x - m) with m = max(x);
    dL/dx = g - softmax(x) * Σ_axis g,  where softmax(x) = exp(y);
    ẏ = ẋ - Σ_axis softmax(x) ẋ
    """

    name = "log_softmax"

    @staticmethod
    def forward(x, axis):
        shifted = x - x.max(axis=axis, keepdims=True)
        shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        return shifted

    @staticmethod
    def backward(ctx, grad):
        axis = ctx.params["axis"]
        return grad - exp(ctx.output) * grad.sum(axis=axis, keepdims=True)

    @staticmethod
    def jvp(ctx, x_dot):
        mean_dot = (np.exp(ctx.output) * x_dot).sum(axis=ctx.params["axis"], keepdims=True)
        return x_dot - mean_dot
