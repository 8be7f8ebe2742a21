"""Broadcasting, resolved in one place.

Forward, binary ops broadcast their inputs as NumPy does. Backward, the
gradient has the broadcast shape, and the engine calls `unbroadcast` to sum it
back to the shape of each input of an op that broadcasts: an input that was
copied along an axis receives the sum of the gradients of all its copies. So
the backward rule of such an op is the textbook formula, `return grad * b, grad * a`.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def broadcast_shape(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the inputs broadcast to, or a ValueError naming the op and shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(s) for s in shapes)
        raise ValueError(f"{op}: shapes {listed} cannot be broadcast together") from None


def summed_axes(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of a gradient of `grad_shape` that broadcasting added or stretched
    from `shape`: the axes `unbroadcast` sums over."""
    added = len(grad_shape) - len(shape)
    stretched = tuple(added + i for i, n in enumerate(shape)
                      if n == 1 and grad_shape[added + i] != 1)
    return tuple(range(added)) + stretched


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` (an array or a Tensor) over the axes that broadcasting added or
    stretched, giving `shape`."""
    if grad.shape == shape:
        return grad
    axes = summed_axes(grad.shape, shape)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)
