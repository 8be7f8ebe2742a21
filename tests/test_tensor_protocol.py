"""The parts of PyTorch's Tensor surface that learners reach for: owned gradients,
hooks, retain_grad, requires_grad rules, NumPy conversion, no_grad on generators,
and the edge cases where NumPy and PyTorch agree."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import autograd, nn, optim
from tinygrad_edu.testing import assert_close


def leaf(values, dtype=np.float64):
    return tg.Tensor(values, requires_grad=True, dtype=dtype)


def own_array(t):
    flags = t.data.flags
    return flags.owndata and flags.writeable and flags.c_contiguous


# ------------------------------------------------------------- owned gradients


def test_gradients_of_a_broadcast_sum_are_separate_writable_arrays():
    a, b = leaf([[1.0, 2.0]]), leaf([[3.0, 4.0]])
    (a + b).sum().backward()
    assert a.grad.data is not b.grad.data
    assert own_array(a.grad) and own_array(b.grad)
    scalar, matrix = leaf(2.0), leaf(np.ones((2, 3)))
    (scalar + matrix).sum().backward()
    assert own_array(scalar.grad) and own_array(matrix.grad)
    assert_close(scalar.grad, 6.0)


def test_in_place_clipping_of_each_gradient_happens_once():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    for p in (a, b):
        p.grad.mul_(0.5)
    assert_close(a.grad, [0.5, 0.5])
    assert_close(b.grad, [0.5, 0.5])
    for p in (a, b):
        p.grad.clamp_(max=0.25)
    assert_close(a.grad, [0.25, 0.25])


def test_grad_never_aliases_the_array_passed_to_backward():
    x = leaf([1.0, 2.0])
    g = np.array([5.0, 6.0])
    x.backward(g)
    assert x.grad.data is not g and not np.shares_memory(x.grad.data, g)
    y = x * 1.0
    y.backward(g)
    g[:] = 0.0
    assert_close(x.grad, [10.0, 12.0])


def test_grad_results_are_owned_arrays_too():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ga, gb = tg.grad(a + b, [a, b], tg.Tensor([1.0, 1.0], dtype=np.float64))
    assert ga.data is not gb.data and own_array(ga) and own_array(gb)


def test_create_graph_gradients_are_separate_tensors():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and a.grad.data is not b.grad.data


# ------------------------------------------------------------ hooks, retain_grad


def test_retain_grad_keeps_an_intermediate_gradient():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    h.retain_grad()
    assert h.retains_grad and not h.is_leaf and x.is_leaf
    (h * h).sum().backward()
    assert_close(h.grad, [6.0, 12.0])
    assert_close(x.grad, [18.0, 36.0])
    unkept = x * 2.0
    unkept.sum().backward()
    assert unkept.grad is None


def test_a_hook_sees_the_gradient_and_may_replace_it():
    x = leaf([1.0, 2.0])
    h = x * 3.0
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = h.register_hook(lambda g: g * 10.0)
    h.sum().backward(retain_graph=True)
    assert_close(seen[0], [1.0, 1.0])
    assert_close(x.grad, [30.0, 30.0])
    handle.remove()
    x.grad = None
    h.sum().backward()
    assert_close(x.grad, [3.0, 3.0])
    assert len(seen) == 2


def test_a_hook_on_a_leaf_changes_what_accumulates_and_cannot_write_in_place():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g.clip(max=0.5))
    (x * 2.0).sum().backward()
    assert_close(x.grad, [0.5, 0.5])
    y = leaf([1.0])
    y.register_hook(lambda g: g.mul_(2.0))
    with pytest.raises(RuntimeError, match="read-only"):
        (y + y).sum().backward()


def test_hooks_need_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tg.Tensor([1.0]).register_hook(print)


# ------------------------------------------------------------ requires_grad rules


def test_requires_grad_can_change_on_leaves_only():
    x = tg.Tensor([1.0, 2.0]).requires_grad_()
    assert x.requires_grad and x.is_leaf
    h = x * 2.0
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf "
                                           "variables"):
        h.requires_grad = False
    assert h.requires_grad
    h.sum().backward()
    assert_close(x.grad, [2.0, 2.0])


def test_zero_grad_sets_to_none_or_zeros_in_place():
    lin = nn.Linear(2, 1)
    opt = optim.SGD(lin.parameters(), lr=0.1)
    lin(tg.ones(3, 2)).sum().backward()
    weight_grad = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is weight_grad
    assert_close(weight_grad, np.zeros((1, 2)))
    opt.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None
    x = leaf([1.0])
    (x * x).sum().backward(create_graph=True)
    x.zero_grad(set_to_none=False)
    assert x.grad._op is None and x.grad.item() == 0.0


# ------------------------------------------------------------ NumPy conversion


def test_numpy_array_conversion_copies_as_numpy_2_asks():
    t = tg.Tensor([1.0, 2.0])
    assert np.array(t) is not t.data and not np.shares_memory(np.array(t), t.data)
    assert not np.shares_memory(np.array(t, copy=True), t.data)
    assert np.shares_memory(np.asarray(t), t.data)
    assert np.array(t, dtype=np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="without a copy"):
        np.array(t, dtype=np.float64, copy=False)


def test_abs_is_the_abs_op():
    x = leaf([-2.0, 3.0])
    y = abs(x)
    assert y.op == "abs"
    y.sum().backward()
    assert_close(x.grad, [-1.0, 1.0])


# ------------------------------------------------------------ no_grad on generators


def test_no_grad_decorates_a_generator_for_its_own_steps_only():
    w = leaf([1.0])

    @tg.no_grad()
    def predictions(n):
        for _ in range(n):
            inside = tg.is_grad_enabled()
            yield w * 2.0, inside

    seen = []
    for y, inside in predictions(2):
        seen.append((y.requires_grad, inside, tg.is_grad_enabled()))
    assert seen == [(False, False, True), (False, False, True)]

    @tg.no_grad
    def plain():
        return (w * 2.0).requires_grad

    assert plain() is False


def test_a_generator_under_no_grad_passes_sends_throws_and_close():
    @tg.no_grad()
    def echo():
        received = yield "ready"
        try:
            yield received * 2
        except KeyError:
            yield "caught"
        return "done"

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send(21) == 42
    assert gen.throw(KeyError()) == "caught"
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
    assert tg.is_grad_enabled()


# ------------------------------------------------------------ rules keep nothing hidden


def test_a_context_has_no_place_for_hidden_saved_arrays():
    assert not hasattr(autograd.Context, "saved")
    y = leaf([1.0]) * 2.0
    with pytest.raises(AttributeError):
        autograd.Context(y).saved = np.ones(1)


# ------------------------------------------------------------ edge cases


def test_transpose_accepts_negative_axes_like_numpy():
    x = leaf(np.arange(24.0).reshape(2, 3, 4))
    y = x.transpose(-1, 0, 1)
    assert y.shape == (4, 2, 3)
    np.testing.assert_array_equal(y.data, np.transpose(x.data, (-1, 0, 1)))
    (y * tg.Tensor(np.arange(24.0).reshape(4, 2, 3), dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.transpose(np.arange(24.0).reshape(4, 2, 3),
                                                            (1, 2, 0)))


def test_an_empty_index_list_selects_nothing():
    x = leaf([1.0, 2.0, 3.0])
    y = x[[]]
    assert y.shape == (0,)
    y.sum().backward()
    assert_close(x.grad, [0.0, 0.0, 0.0])


def test_reductions_over_non_empty_axes_of_an_empty_batch():
    empty = tg.zeros((0, 3))
    assert empty.max(axis=1).shape == (0,)
    assert empty.min(axis=1, keepdims=True).shape == (0, 1)
    with pytest.raises(ValueError, match="max: axis 0 of a tensor of shape .0, 3. is empty"):
        empty.max(axis=0)


def test_pow_with_an_array_exponent_forward_and_backward():
    x = leaf([2.0, 3.0, 4.0])
    y = x ** np.array([1.0, 2.0, 0.0])
    assert_close(y, [2.0, 9.0, 1.0])
    y.sum().backward()
    assert_close(x.grad, [1.0, 6.0, 0.0])
    broadcast = leaf([2.0])
    (broadcast ** np.array([1.0, 2.0, 3.0])).sum().backward()
    assert_close(broadcast.grad, [1.0 + 4.0 + 12.0])
