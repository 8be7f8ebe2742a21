"""dtype promotion follows PyTorch: checked against the table in docs/ops.md and,
when torch is installed, against torch itself on every pair of operand kinds."""

import itertools

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import dtypes

DTYPES = [np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64, np.float16, np.float32,
          np.float64]
SCALARS = [True, 3, 2.5]


def operand(kind, dtype_or_value):
    """A tensor with dimensions, a 0-d tensor, or a Python number."""
    if kind == "scalar":
        return dtype_or_value
    shape = (2,) if kind == "tensor" else ()
    return tg.Tensor(np.ones(shape, dtype=dtype_or_value), dtype=dtype_or_value)


@pytest.mark.parametrize("expression, expected", [
    (lambda: tg.Tensor([1.0]) + tg.Tensor(2.0, dtype=np.float64), np.float32),
    (lambda: tg.Tensor([1.0]) * 2.5, np.float32),
    (lambda: tg.Tensor([1, 2]) / tg.Tensor([2, 2]), np.float32),
    (lambda: tg.Tensor(np.array([1], np.int8)) + 1, np.int8),
    (lambda: tg.Tensor([1, 2]) + 2.5, np.float32),
    (lambda: tg.Tensor([1, 2]) + tg.Tensor(2.5, dtype=np.float64), np.float64),
    (lambda: tg.Tensor(np.array([1], np.uint8)) + tg.Tensor(np.array([1], np.int8)), np.int16),
    (lambda: tg.Tensor([True]) + True, np.bool_),
    (lambda: tg.Tensor([True]) + 1, np.int64),
    (lambda: tg.Tensor([1, 2]).exp(), np.float32),
    (lambda: tg.Tensor([1, 2]) ** 2, np.int64),
    (lambda: tg.Tensor([1, 2]) ** 0.5, np.float32),
    (lambda: 2.0 ** tg.Tensor([1.0]), np.float32),
    (lambda: tg.maximum(tg.Tensor([1.0]), tg.Tensor(2.0, dtype=np.float64)), np.float32),
    (lambda: tg.where(tg.Tensor([True]), tg.Tensor([1.0]), 0), np.float32),
])
def test_promotion_examples(expression, expected):
    assert expression().dtype == np.dtype(expected)


def test_a_float32_gradient_flows_through_a_promoting_cast():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    x = tg.Tensor(np.array([3.0, 4.0]), dtype=np.float64)
    y = w * x  # float32 with float64 (both with dimensions) -> float64
    assert y.dtype == np.float64
    y.sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.data.tolist() == [3.0, 4.0]


KINDS = ["tensor", "zero_dim", "scalar"]


def pairs():
    for kind_a, kind_b in itertools.product(KINDS, KINDS):
        if kind_a == kind_b == "scalar":
            continue
        values_a = SCALARS if kind_a == "scalar" else DTYPES
        values_b = SCALARS if kind_b == "scalar" else DTYPES
        for a, b in itertools.product(values_a, values_b):
            yield kind_a, a, kind_b, b


def test_promotion_matches_torch_for_every_pair_of_operand_kinds():
    torch = pytest.importorskip("torch")

    def torch_operand(kind, value):
        if kind == "scalar":
            return value
        shape = (2,) if kind == "tensor" else ()
        return torch.ones(shape, dtype=getattr(torch, np.dtype(value).name))

    mismatches = []
    checked = 0
    for kind_a, a, kind_b, b in pairs():
        ops = [("add", lambda x, y: x + y), ("mul", lambda x, y: x * y),
               ("div", lambda x, y: x / y)]
        for name, op in ops:
            try:
                expected = op(torch_operand(kind_a, a), torch_operand(kind_b, b)).dtype
            except RuntimeError:
                continue  # torch refuses it (e.g. bool - bool): nothing to compare
            actual = op(operand(kind_a, a), operand(kind_b, b)).dtype
            checked += 1
            if str(expected).removeprefix("torch.") != actual.name:
                mismatches.append(f"{kind_a} {a!r} {name} {kind_b} {b!r}: torch {expected}, "
                                  f"ours {actual}")
    assert checked > 400
    assert not mismatches, "\n".join(mismatches[:20])


def test_in_place_casting_rules():
    assert dtypes.can_cast(np.dtype(np.int64), np.dtype(np.float32))
    assert not dtypes.can_cast(np.dtype(np.float32), np.dtype(np.int64))
    assert not dtypes.can_cast(np.dtype(np.int8), np.dtype(np.bool_))


def test_clip_and_concatenate_promote_as_torch():
    assert tg.Tensor([-1, 2]).clip(-0.5, 1).dtype == np.float32
    assert tg.Tensor([-1, 2]).clip(0, 1).dtype == np.int64
    assert tg.concatenate([tg.Tensor([1, 2]), tg.Tensor([1.5])]).dtype == np.float32
    assert tg.stack([tg.Tensor([1, 2]), tg.Tensor([1.5, 2.5])]).dtype == np.float32


def test_integers_to_negative_integer_powers_as_torch():
    assert (2 ** tg.Tensor([1, -1])).data.tolist() == [2, 0]
    result = tg.Tensor([2, 1, -1, 0, -1]) ** tg.Tensor([-1, -1, -1, -2, -2])
    assert result.data.tolist() == [0, 1, -1, 0, 1] and result.dtype == np.int64
