"""The primitive ops, one family per module. Importing them fills the op registry."""

from tinygrad_edu.ops import (
    conv,
    einsum,
    elementwise,
    gather,
    linalg,
    loss,
    movement,
    pad,
    product,
    reduce,
    rounding,
    scan,
    softmax,
    special,
    trig,
)

__all__ = ["conv", "einsum", "elementwise", "gather", "linalg", "loss", "movement", "pad",
           "product", "reduce", "rounding", "scan", "softmax", "special", "trig"]
