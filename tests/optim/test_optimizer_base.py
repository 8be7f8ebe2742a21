"""Optimizer plumbing: param groups, skipping, zero_grad, state dicts, argument checks."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def params(*values):
    return [tg.Tensor(np.array(v, np.float64), requires_grad=True) for v in values]


def set_grads(tensors, *grads):
    for t, g in zip(tensors, grads):
        t.grad = tg.Tensor(np.array(g, np.float64))


def test_param_groups_fill_in_defaults_and_override_them():
    a, b = params([1.0], [1.0])
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    assert optimizer.param_groups[0]["params"] == [a]
    set_grads([a, b], [1.0], [1.0])
    optimizer.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)


def test_a_parameter_without_gradient_is_skipped_and_gets_no_state():
    a, b = params([1.0, 2.0], [3.0])
    optimizer = optim.Adam([a, b], lr=0.1)
    set_grads([a], [1.0, 1.0])
    optimizer.step()
    assert b.item() == 3.0 and b not in optimizer.state
    assert optimizer.state[a]["step"] == 1


def test_zero_grad_clears_all_gradients():
    model = nn.Linear(3, 2)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model(tg.ones(4, 3)).sum().backward()
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_step_records_no_graph_and_returns_the_closure_loss():
    w, = params([1.0, 2.0])
    optimizer = optim.SGD([w], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6])
    assert w.is_leaf and w.grad.is_leaf


def test_state_dict_round_trip_continues_the_same_trajectory():
    def run(optimizer, w, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            ((w - 3.0) ** 2).sum().backward()
            optimizer.step()

    w1, = params([1.0, -1.0])
    first = optim.Adam([w1], lr=0.1, weight_decay=0.01)
    run(first, w1, 5)
    saved = first.state_dict()
    halfway = w1.numpy().copy()
    assert saved["param_groups"][0]["params"] == [0] and saved["state"][0]["step"] == 5
    run(first, w1, 5)

    w2, = params(halfway)
    second = optim.Adam([w2], lr=0.5)  # its hyperparameters come from the saved state
    second.load_state_dict(saved)
    assert second.param_groups[0]["lr"] == 0.1
    run(second, w2, 5)
    np.testing.assert_array_equal(w2.numpy(), w1.numpy())


def test_state_dict_is_a_copy():
    w, = params([1.0])
    optimizer = optim.SGD([w], lr=0.1, momentum=0.9)
    set_grads([w], [1.0])
    optimizer.step()
    saved = optimizer.state_dict()
    optimizer.step()
    assert saved["state"][0]["momentum_buffer"][0] == 1.0


def test_load_state_dict_rejects_a_different_layout_without_changing_anything():
    a, b = params([1.0], [2.0, 3.0])
    optimizer = optim.SGD([a, b], lr=0.1, momentum=0.9)
    other = optim.SGD(params([1.0]), lr=0.5)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: the saved groups have \[1\] "
                                         r"parameters, this optimizer's have \[2\]"):
        optimizer.load_state_dict(other.state_dict())
    bad = {"state": {1: {"momentum_buffer": np.zeros(5)}},
           "param_groups": [{**optimizer.param_groups[0], "params": [0, 1]}]}
    with pytest.raises(ValueError, match=r"state 'momentum_buffer' of parameter 1 has shape "
                                         r"\(5,\), the parameter has \(2,\)"):
        optimizer.load_state_dict(bad)
    assert optimizer.param_groups[0]["lr"] == 0.1 and optimizer.state == {}


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: optim.SGD(p, lr=-0.1), "SGD: invalid lr -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "SGD: invalid momentum -1"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "SGD: invalid weight_decay -1"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "SGD: nesterov needs momentum > 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "SGD: nesterov needs momentum > 0 and dampening = 0"),
    (lambda p: optim.Adam(p, lr=-1), "Adam: invalid lr -1"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.9)), r"Adam: invalid beta at index 0: 1.0"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Adam: invalid eps"),
    (lambda p: optim.AdamW(p, weight_decay=-0.1), "AdamW: invalid weight_decay -0.1"),
    (lambda p: optim.RMSprop(p, alpha=1.5), "RMSprop: invalid alpha 1.5"),
    (lambda p: optim.RMSprop(p, momentum=-0.5), "RMSprop: invalid momentum -0.5"),
    (lambda p: optim.SGD([{"params": p, "lr": -2.0}], lr=0.1), "SGD: invalid lr -2.0"),
    (lambda p: optim.SGD([{"params": p, "betas": (0.9, 0.9)}], lr=0.1),
     r"SGD: unknown hyperparameters \['betas'\]"),
    (lambda p: optim.SGD([], lr=0.1), "SGD: got an empty parameter list"),
    (lambda p: optim.SGD([p[0], p[0]], lr=0.1), "SGD: a parameter appears in more than one"),
    (lambda p: optim.SGD([p[0] * 2], lr=0.1), "SGD: can't optimize a non-leaf Tensor"),
])
def test_bad_arguments_raise_value_errors_naming_the_optimizer(make, message):
    with pytest.raises(ValueError, match=message):
        make(params([1.0]))


def test_non_tensors_are_rejected():
    with pytest.raises(TypeError, match="SGD: can only optimize Tensors, got ndarray"):
        optim.SGD([np.zeros(3)], lr=0.1)


def test_a_generator_of_parameters_is_accepted():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    assert len(optimizer.param_groups[0]["params"]) == 4
    assert "SGD (\nParameter Group 0\n    lr: 0.1" in repr(optimizer)
