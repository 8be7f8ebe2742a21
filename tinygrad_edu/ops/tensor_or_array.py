"""The few functions a backward rule needs beyond what Tensors and NumPy arrays share.

A backward rule runs on one of two kinds of values:

* NumPy arrays in an ordinary `backward()`: no graph is wanted, so the rule is
  plain NumPy arithmetic and costs what the arithmetic costs;
* Tensors under `backward(create_graph=True)`: the rule's operations are
  recorded, the gradient gets a graph of its own, and differentiating it again
  gives second derivatives.

So a rule is written with what both kinds understand: the operators
(`+ - * / ** @`, comparisons), `.sum(axis=, keepdims=)`, `.reshape`,
`.transpose`, `.T`, `.swapaxes`, `.astype`, indexing, `.shape`, `.ndim`,
`.dtype`, and the functions below, which pick the Tensor method or the NumPy
function to match their argument. The rule itself never asks which kind it has.
`values(x)` (defined with the engine, which uses it too) gives the numbers of
either kind, for a constant such as a mask; no gradient flows through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tinygrad_edu.autograd import values
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.tensor import where as tensor_where

if TYPE_CHECKING:
    from tinygrad_edu.autograd import Function

__all__ = ["values", "exp", "log", "expand", "unsqueeze", "where", "apply_op"]


def exp(x: Tensor | np.ndarray) -> Tensor | np.ndarray:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x: Tensor | np.ndarray) -> Tensor | np.ndarray:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def expand(x: Tensor | np.ndarray, shape: tuple[int, ...]) -> Tensor | np.ndarray:
    """`x` broadcast to `shape` (a read-only view for an array, as np.broadcast_to gives)."""
    return x.expand(shape) if isinstance(x, Tensor) else np.broadcast_to(x, shape)


def unsqueeze(x: Tensor | np.ndarray, axis: int) -> Tensor | np.ndarray:
    """`x` with a new length-1 axis at `axis`."""
    return x.unsqueeze(axis) if isinstance(x, Tensor) else np.expand_dims(x, axis)


def where(condition: Any, a: Any, b: Any) -> Tensor | np.ndarray:
    """`a` where `condition` is true, else `b`; a Tensor when any argument is one."""
    if any(isinstance(v, Tensor) for v in (condition, a, b)):
        return tensor_where(condition, a, b)
    return np.where(condition, a, b)


def apply_op(op: type[Function], *xs: Tensor | np.ndarray, **params) -> Tensor | np.ndarray:
    """`op` applied to Tensors (recorded when grad mode is on), or its forward
    computed straight on arrays. With several inputs, one Tensor among them makes
    the others Tensors too (constants: no gradient flows into an array)."""
    if any(isinstance(x, Tensor) for x in xs):
        return op.apply(*(x if isinstance(x, Tensor) else Tensor._from_op(np.asarray(x))
                          for x in xs), **params)
    return op.forward(*xs, **params)
