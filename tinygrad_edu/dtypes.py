"""dtype promotion, as PyTorch does it.

Three kinds of operand take part, in order of priority: tensors with at least
one dimension, 0-d tensors, and Python numbers (scalars). A lower-priority
operand decides the result's dtype only when it is of a higher *category*
(bool < integer < floating point); otherwise the higher-priority operands
decide. So:

    float32 tensor + 2.5                 -> float32   (the scalar does not widen)
    float32 tensor + 0-d float64 tensor  -> float32
    int8 tensor + 1                      -> int8      (narrow integers stay narrow)
    int64 tensor + 2.5                   -> float32   (the default float)
    int64 tensor + 0-d float64 tensor    -> float64
    uint8 tensor + int8 tensor           -> int16

True division and the floating-point functions (exp, log, sqrt, ...) give the
default float for integer and boolean inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The smallest dtype both can be converted to. Unlike NumPy, an integer meeting
    a float gives that float (int64 with float32 is float32, not float64)."""
    if a == b or b.kind == "b":
        return a
    if a.kind == "b":
        return b
    if a.kind == "f" and b.kind == "f":
        return a if a.itemsize >= b.itemsize else b
    if a.kind == "f" or b.kind == "f":
        return a if a.kind == "f" else b
    return np.promote_types(a, b)  # two integer types


def scalar_dtype(value: Any) -> np.dtype:
    """The dtype a Python (or NumPy) number stands for: bool, int64 or the default float."""
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return DEFAULT_INT
    if isinstance(value, (float, np.floating)):
        return DEFAULT_FLOAT
    raise TypeError(f"expected a number, got {type(value).__name__}")


def result_type(dimensioned: Sequence[np.dtype], zero_dim: Sequence[np.dtype],
                scalars: Sequence[Any]) -> np.dtype:
    """The dtype of an op's result, from the dtypes of its tensors with dimensions,
    of its 0-d tensors, and from its Python numbers."""
    return _combine(_promote_all(dimensioned),
                    _combine(_promote_all(zero_dim),
                             _promote_all([scalar_dtype(s) for s in scalars])))


def floating(dtype: np.dtype) -> np.dtype:
    """`dtype` if it is a float, else the default float (for division, exp, log, ...)."""
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT


def can_cast(source: np.dtype, target: np.dtype) -> bool:
    """Whether an in-place op may write a `source` result into a `target` tensor:
    never a float into an integer tensor, nor a number into a boolean one."""
    order = {"b": 0, "u": 1, "i": 1, "f": 2}
    return order[source.kind] <= order[target.kind]


def _promote_all(dtypes: Sequence[np.dtype]) -> np.dtype | None:
    result = None
    for dtype in dtypes:
        result = dtype if result is None else promote_types(result, dtype)
    return result


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """The higher-priority dtype, unless the lower one is of a higher category."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher
