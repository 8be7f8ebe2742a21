"""The primitive ops, one family per module. Importing them fills the op registry."""

from tinygrad_edu.ops import elementwise, linalg, loss, movement, reduce, softmax

__all__ = ["elementwise", "linalg", "loss", "movement", "reduce", "softmax"]
