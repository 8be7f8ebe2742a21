"""gradcheck.check_graph: every op application of a graph checked on its own inputs.

Every registered op passes on the graphs of tests/test_op_gradients.py's OP_CASES;
an op whose backward is made wrong on purpose (scaled by 1.5) is found, and only
that node; draw_graph(check=True) and the stepper show it in red.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_op_gradients import OP_CASES  # tests/ is on sys.path (pytest rootdir)

import tinygrad_edu as tg
from tinygrad_edu.autograd import Function
from tinygrad_edu.gradcheck import NodeCheck, check_graph
from tinygrad_edu.viz import FAILED_COLOR, Stepper, draw_graph
from tinygrad_edu.viz.graph import forward_order


class ScaledTanh(Function, register=False):
    """y = tanh(x);  dL/dx = 1.5 * g * (1 - y²)  (wrong on purpose: the true rule has no 1.5)"""

    name = "scaled_tanh"

    @staticmethod
    def forward(x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, grad):
        return 1.5 * grad * (1 - ctx.output ** 2)


def graph_with_a_wrong_rule(dtype=np.float32):
    """sum(2 * scaled_tanh(X @ w + b)): four right ops around one wrong one."""
    rng = np.random.default_rng(0)
    X = tg.Tensor(rng.normal(size=(5, 3)), dtype=dtype, name="X")
    w = tg.Tensor(rng.normal(size=(3, 2)) * 0.5, requires_grad=True, dtype=dtype, name="w")
    b = tg.Tensor(np.zeros(2), requires_grad=True, dtype=dtype, name="b")
    hidden = ScaledTanh.apply(X @ w + b)
    hidden.name = "h"
    return (hidden * 2.0).sum()


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=3)
@given(data=st.data())
def test_every_registered_op_passes_check_graph(op, data):
    fn, inputs = data.draw(OP_CASES[op])
    root = fn(*inputs)
    checks = check_graph(root)
    assert op in [c.op for c in checks]
    failed = [c for c in checks if not c.ok]
    assert not failed, failed[0].message
    assert all(c.max_error < 1e-4 for c in checks)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_rule_scaled_by_one_and_a_half_is_found_at_its_node_only(dtype):
    root = graph_with_a_wrong_rule(dtype)
    checks = check_graph(root)
    assert [c.op for c in checks] == ["matmul", "add", "scaled_tanh", "mul", "sum"]
    assert [c.tensor for c in checks] == forward_order(root)
    (failed,) = [c for c in checks if not c.ok]
    assert (failed.op, failed.output) == ("scaled_tanh", "h")
    assert failed.max_error > 0.01
    assert "scaled_tanh.backward disagrees with central differences at input 0" in failed.message
    # the numbers in the message: analytic = 1.5 x numeric
    analytic, numeric = map(float, re.search(r"analytic (\S+), numeric (\S+)",
                                             failed.message).groups())
    assert analytic == pytest.approx(1.5 * numeric, rel=1e-4)
    assert all(c.ok and c.message == "" for c in checks if c is not failed)


def test_large_inputs_are_checked_along_a_random_direction():
    x = tg.Tensor(np.random.default_rng(0).normal(size=(30, 30)), requires_grad=True)
    right = check_graph(x.tanh())
    wrong = check_graph(ScaledTanh.apply(x))
    assert right[0].ok and right[0].max_error < 1e-6
    assert not wrong[0].ok and "a random direction" in wrong[0].message


def test_check_graph_refuses_a_freed_graph_and_a_non_tensor():
    root = graph_with_a_wrong_rule()
    root.backward()
    with pytest.raises(RuntimeError, match=r"check_graph: .*freed by backward\(\)"):
        check_graph(root)
    with pytest.raises(TypeError, match="check_graph: root must be a Tensor"):
        check_graph([1.0])


def test_node_check_fields():
    (check,) = check_graph(tg.Tensor([1.0, 2.0], requires_grad=True, name="x").exp())
    assert isinstance(check, NodeCheck)
    assert (check.op, check.output, check.ok) == ("exp", "#1", True)
    assert "tensor" not in repr(check)


def test_draw_graph_check_colours_the_failing_op_red_and_says_why():
    graph = draw_graph(graph_with_a_wrong_rule(), check=True)
    red = re.findall(rf'^\s+(op\d+) \[label="([^"]*)".*fillcolor="{FAILED_COLOR}"', graph.source,
                     re.M)
    assert [label.split("\\n")[0] for _, label in red] == ["scaled_tanh"]
    assert "✗ backward ≠ finite differences (error" in red[0][1]
    assert "gradient check: 1 of 5 ops FAIL (red)" in graph.source
    assert FAILED_COLOR not in draw_graph(graph_with_a_wrong_rule()).source  # check=False


@pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz `dot` program is missing")
def test_the_stepper_says_which_step_has_the_wrong_rule():
    stepper = Stepper(graph_with_a_wrong_rule())
    data = stepper._step_data
    flagged = {step.op for step in stepper.steps if data(step)["check"] is not None}
    assert flagged == {"scaled_tanh"}
    message = next(data(s)["check"]["message"] for s in stepper.steps if s.op == "scaled_tanh")
    assert "disagrees with central differences" in message
    assert FAILED_COLOR in stepper.html()
