"""Hypothesis strategies for tensors, and an assertion that explains its failures.

A gradient property test in three lines:

    @given(tensors(shape=(3, 4)))
    def test_my_op(x):
        assert gradcheck(my_op, [x])

Needs the `hypothesis` package (`pip install tinygrad_edu[testing]`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu.tensor import Tensor


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes, small enough for finite differences."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                            min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 4) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """`num_shapes` shapes that broadcast together (some axes of length 1, some missing)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, max_side=max_side,
    ).map(lambda result: result.input_shapes)


def arrays(shape: tuple[int, ...] | st.SearchStrategy | None = None, dtype: Any = np.float64,
           min_value: float = -3.0, max_value: float = 3.0,
           min_magnitude: float = 0.0) -> st.SearchStrategy[np.ndarray]:
    """Float arrays with elements in [min_value, max_value].

    `min_magnitude` keeps every element at least that far from zero, for ops
    with a kink or a pole there (abs, relu, log, division).
    """
    elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False, width=64)
    if min_magnitude > 0:
        elements = elements.filter(lambda v: abs(v) >= min_magnitude)
    return hnp.arrays(dtype=dtype, shape=shapes() if shape is None else shape, elements=elements)


def tensors(shape: tuple[int, ...] | st.SearchStrategy | None = None, dtype: Any = np.float64,
            requires_grad: bool = True, **array_options) -> st.SearchStrategy[Tensor]:
    """Tensors (float64 by default, for gradient checks) wrapping `arrays(...)`."""
    return arrays(shape, dtype, **array_options).map(
        lambda a: Tensor(a, requires_grad=requires_grad, dtype=dtype)
    )


def assert_close(actual: Any, expected: Any, atol: float = 1e-6, rtol: float = 1e-5) -> None:
    """Assert elementwise |actual - expected| <= atol + rtol * |expected| (Tensors or arrays).

    The failure message gives the shapes, the worst element and both values there.
    """
    actual = np.asarray(actual.data if isinstance(actual, Tensor) else actual)
    expected = np.asarray(expected.data if isinstance(expected, Tensor) else expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"assert_close: shapes differ: {actual.shape} vs {expected.shape}")
    if actual.size == 0:
        return
    with np.errstate(invalid="ignore"):
        excess = np.abs(actual - expected) - (atol + rtol * np.abs(expected))
    same = (np.isnan(actual) & np.isnan(expected)) | (actual == expected)  # also ±inf
    excess = np.where(same, -1.0, np.nan_to_num(excess, nan=np.inf))
    if excess.max() > 0:
        index = np.unravel_index(np.argmax(excess), excess.shape)
        raise AssertionError(
            f"assert_close: {int((excess > 0).sum())} of {excess.size} elements differ; "
            f"worst at index {tuple(map(int, index))}: actual {actual[index]!r}, "
            f"expected {expected[index]!r} (atol={atol}, rtol={rtol})"
        )
