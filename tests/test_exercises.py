"""The exercise checks (tinygrad_edu.exercises): each passes the solution shown on the
solutions page (docs/notebooks/solutions.py, loaded from there), answers "not yet"
for an untouched stub, and names what is wrong in a wrong answer."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import exercises

SOLUTIONS_FILE = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "solutions.py"


def load_solutions():
    spec = importlib.util.spec_from_file_location("solutions", SOLUTIONS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


solutions = load_solutions()

CHECKS = {
    "sigmoid_backward": exercises.check_sigmoid_backward,
    "matmul_backward": exercises.check_matmul_backward,
    "add_backward": exercises.check_add_backward,
    "mse": exercises.check_mse,
    "softmax_cross_entropy": exercises.check_softmax_cross_entropy,
}


@pytest.mark.parametrize("name", CHECKS)
def test_the_solution_passes(name):
    verdict = CHECKS[name](getattr(solutions, name))
    assert verdict.passed, verdict.message
    assert verdict.message.startswith(f"✓ {name} is right on all")


@pytest.mark.parametrize("name", CHECKS)
def test_a_stub_is_not_yet_and_raises_nothing(name):
    def stub(*args):
        raise NotImplementedError("your code here")

    verdict = CHECKS[name](stub)
    assert verdict.status == "not yet" and not verdict.passed
    assert repr(verdict).startswith(f"not yet: {name} raises NotImplementedError")


def fails(verdict: exercises.Verdict, *parts: str) -> None:
    assert verdict.status == "fail" and not verdict.passed, verdict.message
    for part in parts:
        assert part in verdict.message, f"{part!r} not in: {verdict.message}"


def test_a_wrong_value_names_the_worst_element_and_both_values():
    verdict = exercises.check_sigmoid_backward(lambda y, grad: y * (1 - y))  # forgot grad
    fails(verdict, "✗ sigmoid_backward, case 1 of 4 (x of shape (5,))", "dL/dx",
          "5 of 5 elements differ", "worst at index (", "actual", "expected")


def test_the_worst_element_is_the_one_most_wrong():
    def off_at_one_element(y, grad):
        result = solutions.sigmoid_backward(y, grad)
        if np.shape(result) == (2, 3):
            result = result.copy()
            result[1, 2] += 0.5
            result[0, 0] += 0.1
        return result

    fails(exercises.check_sigmoid_backward(off_at_one_element), "case 2 of 4",
          "2 of 6 elements differ", "worst at index (1, 2)")


def test_a_wrong_shape_is_named():
    verdict = exercises.check_sigmoid_backward(lambda y, grad: np.sum(grad * y * (1 - y)))
    fails(verdict, "dL/dx has shape (), but it must have shape (5,)")
    no_unbroadcast = exercises.check_add_backward(lambda grad, a_shape, b_shape: (grad, grad))
    fails(no_unbroadcast, "case 2 of 5 (a (4, 3) + b (3,))",
          "dL/db has shape (4, 3), but it must have shape (3,)")


def test_a_missing_return_or_pair_is_named():
    fails(exercises.check_sigmoid_backward(lambda y, grad: None), "dL/dx is None",
          "forget to `return`")
    fails(exercises.check_matmul_backward(lambda a, b, grad: grad @ b.T),
          "it must return a pair (dL/da, dL/db), got ndarray")


def test_an_exception_in_the_answer_is_reported_not_raised():
    verdict = exercises.check_matmul_backward(lambda a, b, grad: (grad @ b, a.T @ grad))
    fails(verdict, "case 1 of 3 (a (2, 3) @ b (3, 4)): it raised ValueError")


def test_a_loss_without_its_mean_is_off_in_value():
    def summed(prediction, target):
        difference = prediction - target
        return (difference * difference).sum()

    fails(exercises.check_mse(summed), "the loss", "1 of 1 elements differ", "worst at index ()")


def test_a_loss_computed_outside_the_graph_is_named():
    def in_numpy(prediction, target):
        return float(np.mean((prediction.data - target.data) ** 2))

    fails(exercises.check_mse(in_numpy), "returned float, not a Tensor")

    def detached(prediction, target):
        return tg.Tensor(np.mean((prediction.data - target.data) ** 2), dtype=np.float64)

    fails(exercises.check_mse(detached), "right value but no graph")


def test_a_loss_with_a_wrong_gradient_is_named():
    def half_gradient(prediction, target):  # right value, gradient halved through detach
        difference = prediction - target
        return (difference * difference.detach()).mean()

    fails(exercises.check_mse(half_gradient), "the gradient dL/d(prediction)", "worst at index")


def test_an_unstable_cross_entropy_fails_on_large_logits():
    def unstable(logits, targets):
        probabilities = logits.exp() / logits.exp().sum(axis=1, keepdims=True)
        return -probabilities.log()[np.arange(logits.shape[0]), targets].mean()

    fails(exercises.check_softmax_cross_entropy(unstable), "case 3 of 3",
          "logits of about ±1000", "the loss is not finite")
