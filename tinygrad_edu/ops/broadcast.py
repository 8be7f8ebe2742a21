"""Broadcasting, resolved in one place.

Forward, binary ops broadcast their inputs as NumPy does. Backward, the
gradient has the broadcast shape, and `unbroadcast` sums it back to the shape
of each input: an input that was copied along an axis receives the sum of the
gradients of all its copies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tinygrad_edu.autograd import Gradient


def broadcast_shape(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the inputs broadcast to, or a ValueError naming the op and shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(s) for s in shapes)
        raise ValueError(f"{op}: shapes {listed} cannot be broadcast together") from None


def unbroadcast(grad: Gradient, shape: tuple[int, ...]) -> Gradient:
    """Sum `grad` (an array or a Tensor) over the axes that broadcasting added or
    stretched, giving `shape`."""
    if grad.shape == shape:
        return grad
    added = grad.ndim - len(shape)
    if added:
        grad = grad.sum(axis=tuple(range(added)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
