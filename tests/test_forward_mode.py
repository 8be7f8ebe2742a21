"""Every registered op's jvp rule, checked in float64 on the registry's own cases.

The cases are OP_CASES of test_op_gradients.py (one registry, walked by both
files). Each rule's tangent J u is compared with central differences of the op
and with its reverse-mode rule: <v, J u> must equal <Jᵀ v, u>.
"""

import importlib.util
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_op_gradients import OP_CASES, ops_used

import tinygrad_edu as tg
from tinygrad_edu import autograd, func
from tinygrad_edu.autograd import OPS, Function

EPS = 1e-6


def random_like(x: tg.Tensor, seed: int) -> tg.Tensor:
    data = np.random.default_rng(seed).standard_normal(x.shape)
    return tg.Tensor(data, dtype=np.float64)


def test_every_registered_op_has_a_jvp_rule_with_its_formula():
    missing = sorted(name for name, op in OPS.items() if op.jvp is Function.jvp)
    assert not missing, f"ops without a jvp rule: {missing}"
    unstated = sorted(name for name, op in OPS.items() if "ẏ" not in op.__doc__)
    assert not unstated, f"ops whose docstring does not state ẏ: {unstated}"


def test_an_op_without_a_jvp_rule_fails_clearly():
    class NoRule(Function, register=False):
        name = "no_rule"

        @staticmethod
        def forward(x):
            return x * 2.0

    x = tg.Tensor([1.0, 2.0], dtype=np.float64)
    with pytest.raises(NotImplementedError, match="no_rule has no jvp rule"):
        func.jvp(NoRule.apply, (x,), (x,))


def tangent_of(fn, inputs, tangents) -> np.ndarray:
    _, output_tangent = func.jvp(fn, tuple(inputs), tuple(tangents))
    return output_tangent.data


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=15)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_jvp_rule_matches_central_differences(op, data, seed):
    fn, inputs = data.draw(OP_CASES[op])
    assert op in ops_used(fn, inputs), f"the case for {op} does not apply {op}"
    tangents = [random_like(x, seed + i) for i, x in enumerate(inputs)]
    with tg.no_grad():
        ahead = fn(*(tg.Tensor(x.data + EPS * u.data, dtype=np.float64)
                     for x, u in zip(inputs, tangents))).data
        behind = fn(*(tg.Tensor(x.data - EPS * u.data, dtype=np.float64)
                      for x, u in zip(inputs, tangents))).data
    numeric = (ahead - behind) / (2 * EPS)
    np.testing.assert_allclose(tangent_of(fn, inputs, tangents), numeric, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=15)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_jvp_rule_agrees_with_the_backward_rule(op, data, seed):
    """<v, J u> from the jvp rule equals <Jᵀ v, u> from the backward rule."""
    fn, inputs = data.draw(OP_CASES[op])
    tangents = [random_like(x, seed + i) for i, x in enumerate(inputs)]
    output = fn(*inputs)
    v = random_like(output, seed + len(inputs))
    forward = np.sum(v.data * tangent_of(fn, inputs, tangents))
    gradients = tg.grad(output, inputs, v, allow_unused=True)
    reverse = sum(np.sum(g.data * u.data) for g, u in zip(gradients, tangents))
    assert forward == pytest.approx(reverse, rel=1e-10, abs=1e-12)


def test_jvp_records_no_graph_and_runs_fn_once(monkeypatch):
    recorded = []
    record = autograd._record

    def counted_record(output, op, *rest):
        recorded.append(op.name)
        record(output, op, *rest)

    monkeypatch.setattr(autograd, "_record", counted_record)
    calls = []
    w = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float64, requires_grad=True)

    def f(x):
        calls.append(1)
        return (w @ x).tanh().sum()

    x = tg.Tensor([0.1, 0.2], dtype=np.float64, requires_grad=True)
    y, y_dot = func.jvp(f, (x,), (tg.Tensor([1.0, 0.0], dtype=np.float64),))
    assert calls == [1]
    assert recorded == []  # not even through w, which requires grad
    assert not y.requires_grad and y._op is None and not y_dot.requires_grad


def test_tangents_go_away_with_their_tensors():
    with autograd.dual_level() as level:
        x = func.make_dual(tg.Tensor([1.0, 2.0], dtype=np.float64),
                           tg.Tensor([1.0, 1.0], dtype=np.float64))
        for _ in range(50):
            x = x * 1.5
        assert len(level._entries) == 1  # every intermediate died, and its tangent with it
        _, tangent = func.unpack_dual(x)
        np.testing.assert_allclose(tangent.data, 1.5 ** 50)


@pytest.mark.parametrize("no_gradient", [
    lambda x: x.argmax(),
    lambda x: tg.floor_divide(x, 0.7),
    lambda x: x.sign(),
    lambda x: x > 0,
    lambda x: x.detach() * 2.0,
])
def test_ops_with_no_gradient_give_a_zero_tangent(no_gradient):
    x = tg.Tensor([0.5, -1.5, 2.5], dtype=np.float64)
    y, y_dot = func.jvp(no_gradient, (x,), (tg.ones_like(x),))
    assert y_dot.shape == y.shape and y_dot.dtype == y.dtype
    assert not y_dot.data.any()


def test_an_in_place_change_of_a_dual_tensor_is_refused():
    def f(x):
        y = x * 2.0
        y.add_(1.0)
        return y * 3.0

    x = tg.Tensor([1.0, 2.0], dtype=np.float64)
    with pytest.raises(RuntimeError, match="changed in place"):
        func.jvp(f, (x,), (x,))


def test_forward_mode_is_per_thread_and_refuses_to_nest():
    x = tg.Tensor([1.0], dtype=np.float64)
    with pytest.raises(RuntimeError, match="nested"):
        func.jvp(lambda t: func.jvp(lambda s: s * 2.0, (t,), (t,))[1], (x,), (x,))
    assert autograd.current_tangents() is None  # switched off again after the error
    with pytest.raises(RuntimeError, match="dual_level"):
        func.make_dual(x, x)
    seen_by_another_thread = []
    with autograd.dual_level():
        other = threading.Thread(
            target=lambda: seen_by_another_thread.append(autograd.current_tangents()))
        other.start()
        other.join()
    assert seen_by_another_thread == [None]


def test_float32_tangents_stay_float32():
    x = tg.Tensor([0.5, 1.5])
    y, y_dot = func.jvp(lambda t: (t * t).exp(), (x,), (tg.ones_like(x),))
    assert y_dot.dtype == np.float32
    np.testing.assert_allclose(y_dot.data, 2 * x.data * np.exp(x.data ** 2), rtol=1e-6)


def test_forward_mode_graph_example_draws_every_tangent(tmp_path, capsys):
    """examples/forward_mode_graph.py, run as tests/test_examples.py runs the examples."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    sys.path.insert(0, str(examples))  # the script imports its helper _cli
    try:
        spec = importlib.util.spec_from_file_location("forward_mode_graph",
                                                      examples / "forward_mode_graph.py")
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        results = example.main(["--out", str(tmp_path)])
    finally:
        sys.path.remove(str(examples))
    assert results["y_dot"] == pytest.approx(results["expected_y_dot"], rel=1e-14)
    assert results["y"] == pytest.approx(10 + np.sin(2.0), rel=1e-14)
    dot = (tmp_path / "forward_mode_graph.dot").read_text()
    for label in ("ẋ₁ = 1", "ẋ₂ = 0", "v̇₁ = 5", "v̇₂ = -0.4161", "ẏ = 4.584"):
        assert label in dot and label in results["dot"]
    assert "| v₂ " in capsys.readouterr().out  # the evaluation trace was printed
