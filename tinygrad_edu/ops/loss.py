"""nll_loss as one op: the pick-and-average at the end of every classifier.

Composed from getitem, sum and mul it would be three ops forward and three in
backward, one of them a scatter into zeros. As one op its derivative is one
product with a constant matrix that is -1/N at each row's target and 0 elsewhere.
Targets are checked by `functional.nll_loss` and `cross_entropy`, once, before
anything is computed.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function


class NLLLoss(Function):
    """yᵢ = -x[i, tᵢ] for log-probabilities x (N, C) and class indices t (N,),
    reduced to y = Σᵢ yᵢ / N ("mean"), Σᵢ yᵢ ("sum") or kept as the vector y ("none");
    dL/dx[i, j] = -wᵢ where j = tᵢ and 0 elsewhere,  wᵢ = g / N, g or gᵢ respectively
    """

    name = "nll_loss"

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
