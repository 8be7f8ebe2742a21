"""In-place operations and version counters: PyTorch's rules, and never a silently
wrong gradient."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.testing import assert_close


def leaf(values, dtype=np.float64):
    return tg.Tensor(values, requires_grad=True, dtype=dtype)


def test_manual_sgd_in_place_keeps_the_parameter_registered_and_trainable():
    tg.manual_seed(0)
    lin = nn.Linear(3, 2)
    weight = lin.weight
    opt = optim.SGD(lin.parameters(), lr=0.0)  # made before the manual updates
    x = tg.randn(4, 3)
    for _ in range(2):  # the second backward used to raise
        lin.zero_grad()
        lin(x).sum().backward()
        before = weight.data.copy()
        with tg.no_grad():
            lin.weight -= 0.1 * lin.weight.grad
        assert_close(lin.weight, before - 0.1 * weight.grad.data)
    assert lin.weight is weight
    assert [name for name, _ in lin.named_parameters()] == ["weight", "bias"]
    assert lin.state_dict()["weight"].data is weight.data
    assert opt.param_groups[0]["params"][0] is lin.weight


def test_rebinding_a_parameter_to_a_plain_tensor_is_refused():
    lin = nn.Linear(3, 2)
    with tg.no_grad(), pytest.raises(TypeError, match="cannot assign a Tensor that does not "
                                                      "require grad as parameter 'weight'"):
        lin.weight = lin.weight - 1.0
    assert "weight" in dict(lin.named_parameters())


def test_backward_after_an_optimizer_step_raises_instead_of_using_new_weights():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    assert_close(w.grad, [2.0, 4.0])
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="mul.backward: one of the variables needed for "
                                           "gradient computation has been modified by an "
                                           "inplace operation: input 0 .* is at version 1; "
                                           "expected version 0"):
        loss.backward()


def test_in_place_on_a_leaf_that_requires_grad_is_refused_with_pytorchs_message():
    w = leaf([1.0, 2.0])
    for update in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(),
                   lambda: w.fill_(3.0), lambda: w.copy_(np.ones(2)), lambda: w.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            update()
    assert_close(w, [1.0, 2.0])
    assert w._version == 0


def test_in_place_on_a_tensor_in_a_recorded_graph_is_refused():
    w = leaf([1.0, 2.0])
    h = w * 2.0
    with pytest.raises(RuntimeError, match="add_: this tensor was computed by 'mul' in a "
                                           "recorded graph"):
        h += 1.0
    with pytest.raises(RuntimeError, match="the value written in place requires grad"):
        tg.zeros(2, dtype=np.float64).add_(w)


def test_in_place_ops_compute_as_their_out_of_place_forms_and_count_versions():
    x = tg.Tensor([1.0, -2.0, 3.0])
    x.add_(1.0)
    x.sub_(tg.Tensor([1.0, 1.0, 1.0]))
    x *= 2.0
    x /= 4.0
    assert_close(x, [0.5, -1.0, 1.5])
    x.clamp_(-1.0, 0.5)
    assert_close(x, [0.5, -1.0, 0.5])
    x[1] = 7.0
    assert_close(x, [0.5, 7.0, 0.5])
    x.fill_(2.0)
    x.copy_(np.array([1, 2, 3]))
    assert_close(x, [1.0, 2.0, 3.0])
    x.zero_()
    assert_close(x, [0.0, 0.0, 0.0])
    assert x._version == 9


def test_in_place_results_must_fit_the_tensor():
    x = tg.Tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="div_: result type float32 can't be cast to the "
                                           "desired output type int64"):
        x /= 2
    with pytest.raises(RuntimeError, match=r"add_: a result of shape \(2, 3\) does not fit"):
        x.add_(tg.Tensor([[1], [2]]))
    assert x.data.tolist() == [1, 2, 3] and x._version == 0


def test_a_read_only_broadcast_view_cannot_be_changed_in_place():
    x = tg.Tensor([1.0, 2.0]).expand(3, 2)
    with pytest.raises(RuntimeError, match="add_: this tensor's array is read-only"):
        x.add_(1.0)


def test_changing_an_input_a_rule_needs_raises_but_one_it_does_not_need_is_fine():
    w = leaf([1.0, 2.0])
    x = tg.Tensor([3.0, 4.0], dtype=np.float64)
    (w * x).sum().backward(retain_graph=False)  # mul reads both inputs
    y = (w * x).sum()
    x.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    z = (w + x).sum()  # add's rule reads neither input
    x.mul_(2.0)
    w.grad = None
    z.backward()
    assert_close(w.grad, [1.0, 1.0])


def test_changing_an_output_a_rule_needs_raises():
    w = leaf([0.5, 1.0])
    y = w.exp()  # exp's backward reads its output
    loss = y.sum()
    with tg.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="its output of 'exp'"):
        loss.backward()


def test_changing_an_output_through_a_view_or_detach_made_later_raises():
    # An op's output gets its version counter only when something needs it; the op
    # must still see a change made through a view or a detach() taken afterwards.
    for take in (lambda y: y[0], lambda y: y.detach()):
        w = leaf([0.5, 1.0])
        y = w.exp()
        loss = y.sum()
        with tg.no_grad():
            take(y).mul_(2.0)
        assert y._version == 1
        with pytest.raises(RuntimeError, match="its output of 'exp'"):
            loss.backward()


def test_a_change_in_place_counts_for_that_tensor_only():
    # Tensors never changed share one counter at version 0 until they need their own.
    x, y = tg.Tensor([1.0, 2.0]), tg.Tensor([3.0])
    x.add_(1.0)
    with tg.no_grad():
        x[0] = 5.0
    assert (x._version, y._version, tg.tensor.UNCHANGED.value) == (2, 0, 0)


def test_views_share_a_version_counter_with_their_base():
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    x = tg.Tensor([[1.0, 1.0], [1.0, 1.0]], dtype=np.float64)
    loss = (w * x).sum()
    row = x[0]  # a view of x: changing it changes x
    row.add_(5.0)
    assert x._version == row._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    detached = w.detach()
    assert detached._version_counter is w._version_counter


def test_create_graph_backward_checks_versions_too():
    w = leaf([1.0, 2.0])
    x = tg.Tensor([3.0, 4.0], dtype=np.float64)
    y = (w * x).sum()
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tg.grad(y, [w], create_graph=True)


def test_buffers_and_state_dict_loads_count_as_in_place_changes():
    bn = nn.BatchNorm1d(2)
    bn(tg.randn(4, 2))
    assert bn.running_mean._version == 1
    lin = nn.Linear(2, 2)
    version = lin.weight._version
    lin.load_state_dict({"weight": np.ones((2, 2)), "bias": np.zeros(2)})
    assert lin.weight._version == version + 1
