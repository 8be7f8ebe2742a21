"""The everyday ops and activations against PyTorch: values, gradients and dtypes on the
same inputs (skipped without torch), and the behaviour PyTorch does not decide."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import nn
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import assert_close

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4)) + 3.0
INDEX = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])
SCATTER_INDEX = np.array([[0, 1, 2, 0], [1, 2, 0, 2]])  # each place written at most once
SQUARE = RNG.standard_normal((2, 4, 4))
POSITIVE = np.abs(X) + 0.5

# name -> (ours, theirs, inputs): both functions take the inputs as tensors of their kind
CASES = {
    "sin": (lambda x: x.sin(), lambda x: x.sin(), [X]),
    "cos": (lambda x: x.cos(), lambda x: x.cos(), [X]),
    "erf": (lambda x: x.erf(), lambda x: x.erf(), [X]),
    "square": (lambda x: x.square(), lambda x: x.square(), [X]),
    "rsqrt": (lambda x: x.rsqrt(), lambda x: x.rsqrt(), [POSITIVE]),
    "reciprocal": (lambda x: x.reciprocal(), lambda x: x.reciprocal(), [POSITIVE]),
    "sign": (lambda x: x.sign(), lambda x: x.sign(), [X]),
    "remainder": (lambda a, b: a % b, lambda a, b: a % b, [X * 5, Y]),
    "cumsum": (lambda x: x.cumsum(1), lambda x: x.cumsum(1), [X]),
    "prod": (lambda x: x.prod(1), lambda x: x.prod(1), [X]),
    "prod_all": (lambda x: x.prod(), lambda x: x.prod(), [X]),
    "std": (lambda x: x.std(1, ddof=1), lambda x: x.std(1), [X]),  # torch: correction=1
    "std_biased": (lambda x: x.std(0), lambda x: x.std(0, correction=0), [X]),
    "flip": (lambda x: x.flip((0, 1)), lambda x: x.flip((0, 1)), [X]),
    "roll": (lambda x: x.roll((1, -3), (0, 1)), lambda x: x.roll((1, -3), (0, 1)), [X]),
    "roll_flat": (lambda x: x.roll(5), lambda x: x.roll(5), [X]),
    "tril": (lambda x: x.tril(), lambda x: x.tril(), [SQUARE]),
    "triu": (lambda x: x.triu(1), lambda x: x.triu(1), [SQUARE]),
    "gather": (lambda x: x.gather(0, INDEX), lambda x: x.gather(0, _t(INDEX)), [X]),
    "scatter": (lambda x, s: x.scatter(0, SCATTER_INDEX, s),
                lambda x, s: x.scatter(0, _t(SCATTER_INDEX), s), [X, Y[:2]]),
    "scatter_add": (lambda x, s: x.scatter_add(1, INDEX, s),
                    lambda x, s: x.scatter_add(1, _t(INDEX), s), [X[:2], Y[:2]]),
    "einsum": (lambda a, b: tg.einsum("bij,bjk->bik", a, b),
               lambda a, b: _torch().einsum("bij,bjk->bik", a, b), [SQUARE, SQUARE[:, :, :3]]),
    "einsum_ellipsis": (lambda a, b: tg.einsum("...ij,jk", a, b),
                        lambda a, b: _torch().einsum("...ij,jk", a, b), [SQUARE, X.T]),
    "sort": (lambda x: x.sort(1, descending=True).values,
             lambda x: x.sort(1, descending=True).values, [X]),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), [X]),
    "tile": (lambda x: x.tile((2,)), lambda x: x.tile((2,)), [X]),
    "split": (lambda x: x.split([1, 3], 1)[1], lambda x: x.split([1, 3], 1)[1], [X]),
    "chunk": (lambda x: x.chunk(3, 1)[-1], lambda x: x.chunk(3, 1)[-1], [X]),
    "gelu": (F.gelu, lambda x: _torch().nn.functional.gelu(x), [X * 3]),
    "gelu_tanh": (lambda x: F.gelu(x, "tanh"),
                  lambda x: _torch().nn.functional.gelu(x, approximate="tanh"), [X * 3]),
    "silu": (F.silu, lambda x: _torch().nn.functional.silu(x), [X * 3]),
    "elu": (lambda x: F.elu(x, 0.7), lambda x: _torch().nn.functional.elu(x, 0.7), [X]),
    "softplus": (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                 lambda x: _torch().nn.functional.softplus(x, beta=2.0, threshold=3.0), [X * 3]),
    "logsigmoid": (F.logsigmoid, lambda x: _torch().nn.functional.logsigmoid(x), [X * 30]),
}


def _torch():
    return pytest.importorskip("torch")


def _t(array):
    return _torch().tensor(array)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_gradients_and_dtypes_match_torch(name, dtype):
    torch = _torch()
    ours_fn, torch_fn, arrays = CASES[name]
    arrays = [a.astype(dtype) for a in arrays]
    ours = [tg.Tensor(a, requires_grad=True, dtype=dtype) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, expected = ours_fn(*ours), torch_fn(*theirs)
    tolerance = {"atol": 1e-12, "rtol": 1e-12} if dtype == np.float64 else {}
    assert y.dtype == np.dtype(str(expected.dtype).removeprefix("torch."))
    assert_close(y, expected.detach().numpy(), **tolerance)
    weights = RNG.standard_normal(y.shape).astype(dtype)
    grads = tg.grad(y, ours, weights, allow_unused=True)
    expected_grads = torch.autograd.grad(expected, theirs, torch.tensor(weights), allow_unused=True)
    for got, want in zip(grads, expected_grads):
        want = np.zeros_like(got.data) if want is None else want.numpy()
        assert got.dtype == want.dtype
        assert_close(got, want, **tolerance)


@pytest.mark.parametrize("name", ["gelu", "elu", "silu", "softplus", "logsigmoid", "prod",
                                  "scatter", "sort", "roll", "tril", "repeat"])
def test_composites_have_second_derivatives(name):
    ours_fn, _, arrays = CASES[name]
    inputs = [tg.Tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    assert gradcheck(ours_fn, inputs) and gradgradcheck(ours_fn, inputs)


INTEGERS = np.array([[7, -7, 3], [0, 5, -2]])


@pytest.mark.parametrize("expression", [
    lambda m: m.cumsum(0), lambda m: m.prod(1), lambda m: m.square(), lambda m: m.sign(),
    lambda m: m.sin(), lambda m: (m * 0 + 4).reciprocal(), lambda m: (m * 0 + 4).rsqrt(),
    lambda m: m.flip(0),
    lambda m: m.argsort(1), lambda m: m.argmin(), lambda m: m.any(0), lambda m: m.all(),
    lambda m: m % 3, lambda m: m // 2, lambda m: m.isclose(m),
    lambda m: m.tril(), lambda m: m.gather(1, [[0], [2]]),
])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_integer_and_boolean_dtypes_follow_torch(expression, dtype):
    torch = _torch()
    data = INTEGERS.astype(dtype)
    try:
        expected = expression(torch.tensor(data) if dtype != np.bool_ else torch.tensor(data))
    except (RuntimeError, TypeError):
        pytest.skip("PyTorch refuses this dtype")
    ours = expression(tg.Tensor(data))
    expected = expected.numpy() if not isinstance(expected, tuple) else expected[0].numpy()
    assert ours.dtype == expected.dtype
    assert_close(ours.astype(np.float64), expected.astype(np.float64), atol=1e-6)


def test_sort_returns_values_and_indices_stably_and_gradients_follow_the_values():
    x = tg.Tensor([[3.0, 1.0, 3.0, 2.0]], requires_grad=True)
    result = x.sort(1, descending=True)
    assert_close(result.values, np.array([[3.0, 3.0, 2.0, 1.0]]))
    assert result.indices.numpy().tolist() == [[0, 2, 3, 1]] and result.indices.dtype == np.int64
    (result.values * tg.Tensor([[1.0, 2.0, 3.0, 4.0]])).sum().backward()
    assert_close(x.grad, np.array([[1.0, 4.0, 2.0, 3.0]]))


def test_prod_gradient_at_zeros():
    x = tg.Tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], requires_grad=True)
    x.prod(1).sum().backward()
    assert_close(x.grad, np.array([[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]]))
    assert gradcheck(lambda t: t.prod(1), [tg.Tensor(x.data, requires_grad=True,
                                                     dtype=np.float64)])


def test_non_differentiable_ops_and_clear_errors():
    a = tg.Tensor([7, -7])
    assert (a // 2).numpy().tolist() == [3, -4] and (a % 3).numpy().tolist() == [1, 2]
    with pytest.raises(ZeroDivisionError, match="floor_divide: integer division by zero"):
        a // 0
    with pytest.raises(ZeroDivisionError, match="remainder: integer division by zero"):
        a % tg.Tensor([1, 0])
    assert tg.isclose(tg.Tensor([1.0, np.nan]), [1.0 + 1e-9, np.nan], equal_nan=True).all()
    with pytest.raises(IndexError, match=r"gather: index 5 is out of range for axis 0 of size 3"):
        tg.zeros(3, 2).gather(0, [[5, 0]])
    with pytest.raises(ValueError, match=r"gather: index of shape \(1, 3\) does not fit"):
        tg.zeros(3, 2).gather(0, [[0, 0, 0]])
    with pytest.raises(ValueError, match="scatter: an index repeats a place"):
        tg.zeros(3).scatter(0, [1, 1], tg.ones(2))
    with pytest.raises(ValueError, match=r"einsum: operand 0 repeats the letter 'i'"):
        tg.einsum("ii->i", tg.zeros(2, 2))
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] do not add up to 4"):
        tg.zeros(4).split([1, 1])
    with pytest.raises(ValueError, match=r"tril: needs at least 2 dimensions"):
        tg.zeros(3).tril()
    with pytest.raises(ValueError, match="gelu: approximate must be"):
        F.gelu(tg.zeros(2), "fast")


def test_split_chunk_repeat_shapes():
    x = tg.arange(10).reshape(2, 5)
    assert [p.shape for p in x.split(2, 1)] == [(2, 2), (2, 2), (2, 1)]
    assert [p.shape for p in x.chunk(2, 1)] == [(2, 3), (2, 2)]
    assert x.repeat(2, 2).shape == (4, 10) and x.tile(2).shape == (2, 10)


def test_activation_modules_match_functional():
    x = tg.Tensor(X)
    pairs = [(nn.GELU(), F.gelu(x)), (nn.GELU("tanh"), F.gelu(x, "tanh")), (nn.SiLU(), F.silu(x)),
             (nn.ELU(0.5), F.elu(x, 0.5)), (nn.Softplus(2.0, 10.0), F.softplus(x, 2.0, 10.0)),
             (nn.LogSigmoid(), F.logsigmoid(x))]
    for module, expected in pairs:
        assert_close(module(x), expected.data, atol=0)
    assert repr(nn.Softplus(2.0)) == "Softplus(beta=2.0, threshold=20.0)"
    assert repr(nn.GELU("tanh")) == "GELU(approximate='tanh')"
