"""einsum: sums of products named by index letters ("ij,jk->ik" is a matrix product).

The derivative of an einsum is an einsum: the gradient of one operand is the
upstream gradient contracted with all the other operands, written to that
operand's letters. A letter that only that operand has (summed away in y and
in no other operand, as j in "ij->i") gets the gradient copied along it.
"""

from __future__ import annotations

import string

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.ops.tangents import product_rule
from tinygrad_edu.ops.tensor_or_array import apply_op, expand


def normalize_equation(equation: str, shapes: list[tuple[int, ...]]) -> str:
    """`equation` in the explicit form "ab,bc->ac": no spaces, no "...", an output
    given. "..." becomes letters unused elsewhere (aligned at the right, as NumPy
    broadcasts them); an implicit output is the "..." letters, then every letter
    used once, in alphabetical order (NumPy's and PyTorch's rule)."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operands, "
                         f"got {len(shapes)}")
    spare = [c for c in string.ascii_letters if c not in equation]
    widest = max((len(s) - len(t.replace("...", "")) for t, s in zip(terms, shapes)
                  if "..." in t), default=0)
    batch = "".join(spare[:widest])
    terms = [_expand_ellipsis(t, s, batch, equation) for t, s in zip(terms, shapes)]
    if arrow:
        output = output.replace("...", batch)
    else:
        letters = "".join(terms)
        output = batch + "".join(sorted(c for c in set(letters)
                                        if letters.count(c) == 1 and c not in batch))
    for number, term in enumerate(terms):
        repeated = sorted({c for c in term if term.count(c) > 1})
        if repeated:
            raise ValueError(f"einsum: operand {number} repeats the letter {repeated[0]!r} in "
                             f"{equation!r} (a diagonal or trace); take the diagonal with "
                             "indexing first")
    return ",".join(terms) + "->" + output


def _expand_ellipsis(term: str, shape: tuple[int, ...], batch: str, equation: str) -> str:
    explicit = len(term.replace("...", ""))
    if "..." not in term:
        if explicit != len(shape):
            raise ValueError(f"einsum: {term!r} in {equation!r} has {explicit} letters for an "
                             f"operand of shape {shape}")
        return term
    count = len(shape) - explicit
    if count < 0:
        raise ValueError(f"einsum: {term!r} in {equation!r} has more letters than the "
                         f"operand of shape {shape} has axes")
    return term.replace("...", batch[len(batch) - count:] if count else "")


class Einsum(Function):
    """y = einsum(equation, x₁, …, xₙ);  dL/dxₖ = einsum(g, the other operands -> the
    letters of xₖ), copied along the letters only xₖ has and summed over the axes
    where xₖ has size 1 and the others more (broadcasting);
    ẏ = Σₖ einsum(equation, x₁, …, ẋₖ, …, xₙ) (the product rule: einsum is linear
    in each operand)
    """

    name = "einsum"
    jvp = staticmethod(product_rule)

    @staticmethod
    def forward(*operands, equation):
        try:
            return np.einsum(equation, *operands, optimize=len(operands) > 2)
        except ValueError as error:
            shapes = ", ".join(str(x.shape) for x in operands)
            raise ValueError(f"einsum: {equation!r} with operands of shapes {shapes}: "
                             f"{error}") from None

    @staticmethod
    def backward(ctx, grad):
        terms, output = ctx.params["equation"].split("->")
        terms = terms.split(",")
        operands = ctx.inputs
        grads = []
        for k, (term, needed) in enumerate(zip(terms, ctx.needs_input_grad)):
            if not needed:
                grads.append(None)
                continue
            others = [x for j, x in enumerate(operands) if j != k]
            other_terms = [t for j, t in enumerate(terms) if j != k]
            known = set(output).union(*other_terms)
            kept = "".join(c for c in term if c in known)
            equation = ",".join([output, *other_terms]) + "->" + kept
            grads.append(_fit(apply_op(Einsum, grad, *others, equation=equation),
                              term, kept, ctx.input_shapes[k]))
        return tuple(grads)


def _fit(grad, term: str, kept: str, shape: tuple[int, ...]):
    """A gradient over the letters `kept` made the shape of an operand with letters
    `term`: summed where the operand broadcast (size 1), copied along its own letters."""
    sizes = dict(zip(kept, grad.shape))
    broadcast = tuple(i for i, c in enumerate(kept) if sizes[c] != shape[term.index(c)])
    if broadcast:
        grad = grad.sum(axis=broadcast, keepdims=True)
    if kept != term:
        grad = expand(grad.reshape(tuple(shape[i] if c in kept else 1
                                         for i, c in enumerate(term))), shape)
    return grad
