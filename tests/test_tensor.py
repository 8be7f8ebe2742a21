"""Tensor: construction, dtypes, forward values against NumPy, and errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import OPS
from tinygrad_edu.testing import assert_close


def test_float_data_defaults_to_float32_and_float64_on_request():
    assert tg.Tensor([1.0, 2.0]).dtype == np.float32
    assert tg.Tensor(np.zeros(3)).dtype == np.float32
    assert tg.Tensor([1.0], dtype=np.float64).dtype == np.float64
    assert tg.Tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32


def test_integer_and_boolean_data_keep_their_kind():
    assert tg.Tensor([1, 2]).dtype.kind == "i"
    assert tg.Tensor([True, False]).dtype == np.bool_


def test_tensor_shares_memory_with_an_array_of_the_same_dtype_unless_it_requires_grad():
    array = np.zeros(3, dtype=np.float32)
    assert np.shares_memory(tg.Tensor(array).data, array)
    parameter = tg.Tensor(array, requires_grad=True)
    parameter.data += 1.0
    assert array.sum() == 0


@pytest.mark.parametrize("data", [[1, 2], [True], np.arange(3)])
def test_integer_and_boolean_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        tg.Tensor(data, requires_grad=True)
    t = tg.Tensor(data)
    with pytest.raises(TypeError, match="dtype"):
        t.requires_grad = True
    assert not t.requires_grad


@pytest.mark.parametrize("data", ["abc", ["a", "b"], {"x": 1}, [[1, 2], [3]], None])
def test_non_numeric_data_is_rejected(data):
    with pytest.raises(TypeError, match="Tensor: "):
        tg.Tensor(data)


def test_attributes():
    t = tg.Tensor(np.ones((2, 3)), requires_grad=True, name="w")
    assert (t.shape, t.ndim, t.size, t.name) == ((2, 3), 2, 6, "w")
    assert t.is_leaf and t.op is None and t.grad is None
    assert (t * 2.0).op == "mul"
    assert t.numpy() is t.data
    assert tg.Tensor(3.5).item() == 3.5
    assert "requires_grad=True" in repr(t) and "name='w'" in repr(t)


def test_detach_shares_data_and_leaves_the_graph():
    x = tg.Tensor([1.0], requires_grad=True)
    y = (x * 2.0).detach()
    assert not y.requires_grad and y.is_leaf


def test_comparisons_give_boolean_tensors_without_grad():
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x < 2, [1, 0, 0]), (x <= 2, [1, 1, 0]), (x > 2, [0, 0, 1]),
                             (x >= 2, [0, 1, 1]), (x == 2, [0, 1, 0]), (x != 2, [1, 0, 1])]:
        assert result.dtype == np.bool_ and not result.requires_grad
        assert result.data.tolist() == [bool(e) for e in expected]


def test_tensors_stay_hashable_although_eq_is_elementwise():
    a, b = tg.Tensor([1.0]), tg.Tensor([1.0])
    assert len({a, b}) == 2


def test_numpy_arrays_on_the_left_defer_to_tensor():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0]) * x
    assert isinstance(y, tg.Tensor) and y.requires_grad
    assert_close(y, [2.0, 6.0])


def test_python_numbers_take_the_tensor_dtype():
    x = tg.Tensor([1.0], dtype=np.float64)
    assert (x * 0.1).dtype == np.float64
    assert (tg.Tensor([1.0]) * 0.1).dtype == np.float32


RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4,))

FORWARD_CASES = [
    (lambda t: t + 1.5, lambda a: a + 1.5),
    (lambda t: 2.0 - t, lambda a: 2.0 - a),
    (lambda t: t / 4.0, lambda a: a / 4.0),
    (lambda t: 1.0 / (t.abs() + 1.0), lambda a: 1.0 / (np.abs(a) + 1.0)),
    (lambda t: t ** 3, lambda a: a ** 3),
    (lambda t: 2.0 ** t, lambda a: 2.0 ** a),
    (lambda t: t.abs() ** tg.Tensor(B, dtype=np.float64), lambda a: np.abs(a) ** B),
    (lambda t: t.exp(), np.exp),
    (lambda t: t.abs().log(), lambda a: np.log(np.abs(a))),
    (lambda t: t.abs().sqrt(), lambda a: np.sqrt(np.abs(a))),
    (lambda t: t.relu(), lambda a: np.maximum(a, 0)),
    (lambda t: t.sigmoid(), lambda a: 1 / (1 + np.exp(-a))),
    (lambda t: t.tanh(), np.tanh),
    (lambda t: t.clip(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5)),
    (lambda t: tg.maximum(t, 0.1), lambda a: np.maximum(a, 0.1)),
    (lambda t: tg.minimum(t, t.T.T * 0.5), lambda a: np.minimum(a, a * 0.5)),
    (lambda t: tg.where(t > 0, t, -t), np.abs),
    (lambda t: t.sum(axis=0), lambda a: a.sum(axis=0)),
    (lambda t: t.sum(axis=(0, 1), keepdims=True), lambda a: a.sum(axis=(0, 1), keepdims=True)),
    (lambda t: t.max(axis=-1), lambda a: a.max(axis=-1)),
    (lambda t: t.min(), lambda a: a.min()),
    (lambda t: t.mean(axis=1), lambda a: a.mean(axis=1)),
    (lambda t: t.var(axis=0, ddof=1), lambda a: a.var(axis=0, ddof=1)),
    (lambda t: t.var(), lambda a: a.var()),
    (lambda t: t.reshape(2, 6), lambda a: a.reshape(2, 6)),
    (lambda t: t.reshape((4, -1)), lambda a: a.reshape(4, -1)),
    (lambda t: t.T, lambda a: a.T),
    (lambda t: t.flatten(), lambda a: a.ravel()),
    (lambda t: t.unsqueeze(1).squeeze(1), lambda a: a),
    (lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    (lambda t: t.expand(2, 3, 4), lambda a: np.broadcast_to(a, (2, 3, 4))),
    (lambda t: t[1:, ::2], lambda a: a[1:, ::2]),
    (lambda t: t[[0, 0, 2]], lambda a: a[[0, 0, 2]]),
    (lambda t: t[t > 0], lambda a: a[a > 0]),
    (lambda t: t[tg.Tensor([2, 1]), 3], lambda a: a[[2, 1], 3]),
    (lambda t: t @ tg.Tensor(B, dtype=np.float64), lambda a: a @ B),
    (lambda t: tg.concatenate([t, t * 2.0], axis=1), lambda a: np.concatenate([a, 2 * a], 1)),
    (lambda t: tg.stack([t, t + 1.0], axis=1), lambda a: np.stack([a, a + 1], axis=1)),
]


@pytest.mark.parametrize("index", range(len(FORWARD_CASES)))
def test_forward_values_match_numpy(index):
    ours, numpy_reference = FORWARD_CASES[index]
    assert_close(ours(tg.Tensor(A, dtype=np.float64)), numpy_reference(A), atol=1e-12)


def test_argmax_and_argmin_are_integer_tensors_without_grad():
    t = tg.Tensor(A, requires_grad=True)
    assert t.argmax(axis=1).data.tolist() == A.argmax(axis=1).tolist()
    assert t.argmin().item() == A.argmin()
    assert not t.argmax().requires_grad


def test_constructors():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).data.sum() == 0
    assert tg.ones(4).data.sum() == 4 and tg.full((2,), 7.0).data.tolist() == [7, 7]
    assert tg.eye(3).data.trace() == 3
    assert tg.arange(5).data.tolist() == [0, 1, 2, 3, 4]
    assert tg.arange(0.0, 1.0, 0.5).dtype == np.float32
    x = tg.Tensor(np.ones(3), dtype=np.float64)
    assert tg.zeros_like(x).dtype == np.float64 and tg.ones_like(x).data.sum() == 3
    assert tg.randn(2, 3, requires_grad=True).requires_grad


def test_manual_seed_makes_random_tensors_reproducible():
    tg.manual_seed(42)
    first = tg.randn(5).data.copy(), tg.rand(3).data.copy()
    tg.manual_seed(42)
    second = tg.randn(5).data, tg.rand(3).data
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert np.all((second[1] >= 0) & (second[1] < 1))


# ---------------------------------------------------------------- bad input


def test_misaligned_matmul_names_the_op_and_the_shapes():
    a = tg.Tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) are not aligned "
                                         r"\(4 != 5\)"):
        a @ tg.Tensor(np.ones((5, 2)))


def test_non_broadcastable_shapes_name_the_op_and_the_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        tg.Tensor(np.ones(3)) + tg.Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
        tg.Tensor(np.ones((2, 3))) * tg.Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"<: shapes"):
        _ = tg.Tensor(np.ones(3)) < tg.Tensor(np.ones(2))


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.broadcasts])
def test_every_broadcasting_op_names_itself_when_shapes_cannot_broadcast(name):
    op = OPS[name]
    inputs = [tg.Tensor(np.ones(3), requires_grad=True), tg.Tensor(np.ones(4))]
    if name == "where":
        inputs.insert(0, tg.Tensor(np.ones(3, dtype=bool)))
    message = rf"^{name}: shapes (\(3,\) and )+\(4,\) cannot be broadcast"
    with pytest.raises(ValueError, match=message):
        op.apply(*inputs)


@pytest.mark.parametrize("action, message", [
    (lambda t: t.reshape(5), r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\)"),
    (lambda t: t.sum(axis=2), r"sum: axis 2 is out of range for a tensor with 2 dimensions"),
    (lambda t: t.max(axis=(0, 0)), r"max: axis \(0, 0\) repeats an axis"),
    (lambda t: t.transpose(0, 0), r"transpose: axes \(0, 0\) are not a permutation"),
    (lambda t: t.expand(4, 3), r"expand: cannot expand a tensor of shape \(2, 3\) to \(4, 3\)"),
    (lambda t: t.squeeze(0), r"squeeze: axis 0 has size 2, not 1"),
    (lambda t: t[5], r"getitem: .*out of bounds.*\(tensor shape \(2, 3\)\)"),
    (lambda t: tg.concatenate([t, tg.ones(3, 3)], axis=1), r"concatenate: shapes \(2, 3\) and "
                                                             r"\(3, 3\) differ outside axis 1"),
    (lambda t: tg.stack([t, tg.ones(3)]), r"stack: all tensors must have the same shape"),
    (lambda t: tg.where(t, t, t), r"where: the condition must be boolean"),
    (lambda t: t.clip(), r"clip: give at least one of min and max"),
    (lambda t: t.item(), r"item: only a tensor with one element"),
])
def test_bad_arguments_raise_errors_that_name_the_op(action, message):
    t = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises((ValueError, IndexError, TypeError), match=message):
        action(t)


def test_seeded_draws_reproducibly_and_restores_the_previous_generator():
    from tinygrad_edu import rng

    tg.manual_seed(7)
    expected_after = tg.rand(2).data.copy()
    tg.manual_seed(7)
    with rng.seeded(1):
        inside = tg.rand(4).data.copy()
    with rng.seeded(1):
        assert np.array_equal(tg.rand(4).data, inside)
    assert np.array_equal(tg.rand(2).data, expected_after)


def test_import_tinygrad_edu_gives_nn_optim_and_data_as_import_torch_does():
    # In a fresh interpreter: another test's imports must not be what makes it work.
    code = ("import tinygrad_edu as tg; "
            "print(tg.nn.Linear.__name__, tg.optim.SGD.__name__, tg.data.DataLoader.__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent, check=True)
    assert result.stdout.split() == ["Linear", "SGD", "DataLoader"]
