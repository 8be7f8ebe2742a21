"""What the jvp rules share: forward mode's counterpart of tensor_or_array.py.

A jvp rule gets one tangent per input, an array, or None for an input that has
none (a constant: a mask, a target, a weight nobody differentiates by). A None
is a zero that costs nothing: a term with it is left out rather than computed.
In the docstrings a dot marks a tangent: ẋ is the tangent of x, and ẏ = J ẋ.
Rules run on arrays only: forward mode records no graph.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import ForwardContext

Tangent = np.ndarray | None


def tangent_sum(*terms: Tangent) -> Tangent:
    """The sum of the terms that are not None (None when all are)."""
    present = [t for t in terms if t is not None]
    if not present:
        return None
    total = present[0]
    for term in present[1:]:
        total = total + term
    return total


def or_zeros(tangent: Tangent, x: np.ndarray) -> np.ndarray:
    """The tangent, or zeros shaped like its input x when it has none."""
    return np.zeros_like(x) if tangent is None else tangent


def linear_jvp(ctx: ForwardContext, *tangents: Tangent) -> np.ndarray:
    """ẏ = f(ẋ₁, …, ẋₙ) for an op f that is linear in its inputs (add, sum, reshape,
    indexing, …): the op itself applied to the tangents, zeros standing in for None."""
    filled = [or_zeros(t, x) for t, x in zip(tangents, ctx.inputs)]
    return ctx.function.forward(*filled, **ctx.params)


def product_rule(ctx: ForwardContext, *tangents: Tangent) -> Tangent:
    """ẏ = Σₖ f(x₁, …, ẋₖ, …, xₙ) for an op f that is linear in each input separately
    (mul, matmul, einsum): the product rule, one term per input with a tangent. Only
    the first len(tangents) inputs are used (linear and conv2d leave out the bias)."""
    inputs = ctx.inputs[:len(tangents)]
    terms = []
    for k, tangent in enumerate(tangents):
        if tangent is not None:
            operands = [tangent if j == k else x for j, x in enumerate(inputs)]
            terms.append(ctx.function.forward(*operands, **ctx.params))
    return tangent_sum(*terms)
