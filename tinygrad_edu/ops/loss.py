"""The losses that are ops of their own.

`binary_cross_entropy` is one op because its textbook derivative cannot be
composed safely: at a probability that rounds to 0 or 1 the composed chain
multiplies an infinite slope of the log by a zero slope of the clamp, which is
NaN. As one op its derivative is one formula, with PyTorch's guard against 0/0.

nll_loss as one op: the pick-and-average at the end of every classifier.

Composed from getitem, sum and mul it would be three ops forward and three in
backward, one of them a scatter into zeros. As one op its derivative is one
product with a constant matrix that is -1/N at each row's target and 0 elsewhere.
Targets are checked by `functional.nll_loss` and `cross_entropy`, once, before
anything is computed.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tangents import linear_jvp, tangent_sum
from tinygrad_edu.ops.tensor_or_array import log, values, where

LOG_FLOOR = -100.0
"""Each log of a probability is clamped here (as PyTorch does): a probability of 0
costs 100, not inf."""

SLOPE_GUARD = 1e-12
"""p(1 - p) is kept at least this large in the derivative, so p = 0 or 1 gives a
large finite slope (which the sigmoid's zero slope then cancels) instead of 0/0."""


class BinaryCrossEntropy(Function):
    """yᵢ = -(tᵢ ln pᵢ + (1 - tᵢ) ln(1 - pᵢ)) for probabilities p and targets t (each
    log clamped at -100), elementwise;
    dL/dp = g (p - t) / max(p (1 - p), 1e-12),  dL/dt = g (ln(1 - p) - ln p);
    ẏ = ṗ (p - t) / max(p (1 - p), 1e-12) + ṫ (ln(1 - p) - ln p)
    (dL/dt uses the logs unclamped, as PyTorch does: ±inf at p = 0 or 1)
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(p, t):
        with np.errstate(divide="ignore"):  # ln 0 = -inf, clamped just below
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_not_p = np.maximum(np.log1p(-p), LOG_FLOOR)
        return -(t * log_p + (1 - t) * log_not_p)

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.inputs
        need_p, need_t = ctx.needs_input_grad
        grad_p = grad_t = None
        if need_p:
            spread = p * (1.0 - p)
            grad_p = grad * (p - t) / where(values(spread) > SLOPE_GUARD, spread, SLOPE_GUARD)
        if need_t:
            with np.errstate(divide="ignore"):  # ±inf at p = 0 or 1, as in PyTorch
                grad_t = grad * (log(1.0 - p) - log(p))
        return grad_p, grad_t

    @staticmethod
    def jvp(ctx, p_dot, t_dot):
        """The backward rule's slopes times the tangents, each term only for an input
        with a tangent (ln 0 = -inf must not meet a zero tangent)."""
        p, t = ctx.inputs
        dot_p = dot_t = None
        if p_dot is not None:
            dot_p = p_dot * (p - t) / np.maximum(p * (1.0 - p), SLOPE_GUARD)
        if t_dot is not None:
            with np.errstate(divide="ignore"):
                dot_t = t_dot * (np.log(1.0 - p) - np.log(p))
        return tangent_sum(dot_p, dot_t)


class NLLLoss(Function):
    """yᵢ = -x[i, tᵢ] for log-probabilities x (N, C) and class indices t (N,),
    reduced to y = Σᵢ yᵢ / N ("mean"), Σᵢ yᵢ ("sum") or kept as the vector y ("none");
    dL/dx[i, j] = -wᵢ where j = tᵢ and 0 elsewhere,  wᵢ = g / N, g or gᵢ respectively;
    ẏ = nll_loss(ẋ) (the op is linear in x)
    """

    name = "nll_loss"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, target, reduction):
        losses = -x[np.arange(len(target)), target]
        if reduction == "none":
            return losses
        total = losses.sum()
        return total / len(target) if reduction == "mean" else total

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        target, reduction = ctx.params["target"], ctx.params["reduction"]
        rows = len(target)
        slopes = np.zeros(x.shape, dtype=x.dtype)
        slopes[np.arange(rows), target] = -1.0 / rows if reduction == "mean" else -1.0
        if reduction == "none":
            grad = grad.reshape(rows, 1)
        return grad * slopes
