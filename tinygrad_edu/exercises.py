"""Checks for the exercises of the notebook docs/notebooks/exercises.ipynb.

    from tinygrad_edu.exercises import check_sigmoid_backward
    check_sigmoid_backward(sigmoid_backward)   # ✓ ..., or what is wrong, and where

A check calls your function on a few fixed float64 cases and compares what it
returns with what the engine computes for the same inputs: the engine's own
backward rules and losses, which the test suite proves with gradcheck. It
answers with a `Verdict`, shown in a notebook as one line:

    ✓ ...       every case is right
    ✗ ...       the first case that is wrong: the shape, or how many elements
                differ, the worst one, its index, your value and the right one
    not yet ... your function still raises NotImplementedError

A stub that raises NotImplementedError gets "not yet" rather than an exception,
so a notebook of unsolved exercises still runs from top to bottom.

The exercises:

    check_sigmoid_backward(fn)          fn(y, grad) -> dL/dx, for y = σ(x)
    check_matmul_backward(fn)           fn(a, b, grad) -> (dL/da, dL/db), for y = a @ b
    check_add_backward(fn)              fn(grad, a_shape, b_shape) -> (dL/da, dL/db),
                                        for y = a + b, which broadcasts
    check_mse(fn)                       fn(prediction, target) -> the mean squared error
    check_softmax_cross_entropy(fn)     fn(logits, targets) -> the mean cross-entropy

The backward rules take and return NumPy arrays; the losses take Tensors and
return a scalar Tensor, built from Tensor operations so that backward() can
reach the prediction. Needs `hypothesis` (the testing extra), for assert_close.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import tinygrad_edu.functional as F
from tinygrad_edu.autograd import grad as engine_grad
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing import assert_close

ATOL = 1e-7
RTOL = 1e-6
"""How close an answer must be: float64 formulas agree far better than this."""


@dataclass(frozen=True)
class Verdict:
    """The answer of a check. `status` is "pass", "fail" or "not yet"."""

    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def __repr__(self) -> str:  # a notebook shows the message, as it is
        return self.message


@dataclass(frozen=True)
class _Case:
    """One call of the learner's function: `run` returns what is wrong, or None."""

    description: str
    run: Callable[[Callable], str | None]


def _verdict(name: str, cases: Sequence[_Case], attempt: Callable) -> Verdict:
    """Run the cases in order and report the first that is wrong."""
    for number, case in enumerate(cases, 1):
        where = f"case {number} of {len(cases)} ({case.description})"
        try:
            with np.errstate(all="ignore"):  # an overflow shows up as a value that is not finite
                problem = case.run(attempt)
        except NotImplementedError:
            return Verdict("not yet", f"not yet: {name} raises NotImplementedError; replace "
                                      "the `raise` with your code and run the cell again")
        except Exception as error:  # the learner's code: report it, do not crash the check
            return Verdict("fail", f"✗ {name}, {where}: it raised {type(error).__name__}: "
                                   f"{error} (call it yourself to see the traceback)")
        if problem:
            return Verdict("fail", f"✗ {name}, {where}: {problem}")
    described = "; ".join(case.description for case in cases)
    return Verdict("pass", f"✓ {name} is right on all {len(cases)} cases ({described})")


def _mismatch(what: str, yours: Any, expected: np.ndarray) -> str | None:
    """What is wrong with `yours` (an array or a Tensor) against `expected`, or None."""
    if yours is None:
        return f"{what} is None: did the function forget to `return` it?"
    yours = np.asarray(yours.data if isinstance(yours, Tensor) else yours, dtype=np.float64)
    if yours.shape != expected.shape:
        return (f"{what} has shape {yours.shape}, but it must have shape {expected.shape} "
                "(a gradient always has the shape of the tensor it belongs to)")
    if not np.isfinite(yours).all():
        return f"{what} is not finite: {yours}"
    try:
        assert_close(yours, expected, atol=ATOL, rtol=RTOL)
    except AssertionError as error:  # "k of n elements differ; worst at index ...: ..."
        comparison = str(error).removeprefix("assert_close: ")
        return f"{what}, yours (actual) against the right one (expected): {comparison}"
    return None


def _pair(result: Any, what: str) -> tuple[Any, Any]:
    """The two gradients a two-input backward rule returns, or a clear error."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"it must return a pair ({what}), got {type(result).__name__}")
    return result[0], result[1]


def _random(seed: int, *shapes: tuple[int, ...], scale: float = 1.0) -> list[np.ndarray]:
    generator = np.random.default_rng(seed)
    return [scale * generator.standard_normal(shape) for shape in shapes]


def _engine_gradients(fn: Callable[..., Tensor], arrays: Sequence[np.ndarray],
                      grad_output: np.ndarray) -> list[np.ndarray]:
    """The engine's dL/d(input) for each input, with L = Σ fn(inputs) * grad_output."""
    inputs = [Tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    output = fn(*inputs)
    grads = engine_grad(output, inputs, Tensor(grad_output, dtype=np.float64))
    return [g.data for g in grads]


# ------------------------------------------------------------- backward rules


def check_sigmoid_backward(sigmoid_backward: Callable) -> Verdict:
    """sigmoid_backward(y, grad) -> dL/dx, where y = σ(x) and grad = dL/dy."""

    def case(shape: tuple[int, ...], scale: float) -> _Case:
        def run(attempt: Callable) -> str | None:
            x, g = _random(len(shape), shape, shape, scale=scale)
            y = 1.0 / (1.0 + np.exp(-x))
            [expected] = _engine_gradients(Tensor.sigmoid, [x], g)
            return _mismatch("dL/dx", attempt(y.copy(), g.copy()), expected)
        return _Case(f"x of shape {shape}" + (", |x| up to about 10" if scale > 1 else ""), run)

    return _verdict("sigmoid_backward", [case((5,), 1.0), case((2, 3), 1.0), case((), 1.0),
                                         case((4,), 5.0)], sigmoid_backward)


def check_matmul_backward(matmul_backward: Callable) -> Verdict:
    """matmul_backward(a, b, grad) -> (dL/da, dL/db), where y = a @ b (2-D) and grad = dL/dy."""

    def case(n: int, k: int, m: int) -> _Case:
        def run(attempt: Callable) -> str | None:
            a, b, g = _random(n + k + m, (n, k), (k, m), (n, m))
            expected_a, expected_b = _engine_gradients(Tensor.__matmul__, [a, b], g)
            grad_a, grad_b = _pair(attempt(a.copy(), b.copy(), g.copy()), "dL/da, dL/db")
            return (_mismatch("dL/da", grad_a, expected_a)
                    or _mismatch("dL/db", grad_b, expected_b))
        return _Case(f"a {(n, k)} @ b {(k, m)}", run)

    return _verdict("matmul_backward", [case(2, 3, 4), case(1, 5, 1), case(4, 2, 3)],
                    matmul_backward)


def check_add_backward(add_backward: Callable) -> Verdict:
    """add_backward(grad, a_shape, b_shape) -> (dL/da, dL/db), where y = a + b broadcasts
    a and b to the shape of grad = dL/dy."""

    def case(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> _Case:
        def run(attempt: Callable) -> str | None:
            a, b = _random(len(a_shape) + 3 * len(b_shape), a_shape, b_shape)
            [g] = _random(7, np.broadcast_shapes(a_shape, b_shape))
            expected_a, expected_b = _engine_gradients(Tensor.__add__, [a, b], g)
            grad_a, grad_b = _pair(attempt(g.copy(), a_shape, b_shape), "dL/da, dL/db")
            return (_mismatch("dL/da", grad_a, expected_a)
                    or _mismatch("dL/db", grad_b, expected_b))
        return _Case(f"a {a_shape} + b {b_shape}", run)

    return _verdict("add_backward", [case((2, 3), (2, 3)), case((4, 3), (3,)),
                                     case((4, 3), (4, 1)), case((2, 1, 3), (4, 1)),
                                     case((), (2, 2))], add_backward)


# --------------------------------------------------------------------- losses


def _loss_case(description: str, reference: Callable[[Tensor, Any], Tensor],
               prediction: np.ndarray, target: Any) -> _Case:
    """Call the learner's loss on a fresh prediction Tensor; compare its value with the
    reference loss and its gradient (through the engine, from backward()) with the
    reference loss's gradient."""

    def run(attempt: Callable) -> str | None:
        expected_value = reference(Tensor(prediction, dtype=np.float64), target).data
        [expected_grad] = _engine_gradients(lambda p: reference(p, target), [prediction],
                                            np.ones(()))
        p = Tensor(prediction.copy(), dtype=np.float64, requires_grad=True)
        loss = attempt(p, target)
        if not isinstance(loss, Tensor):
            return (f"it returned {type(loss).__name__}, not a Tensor: build the loss from "
                    "Tensor operations (no .data, no NumPy) so that backward() can reach "
                    "the prediction")
        problem = _mismatch("the loss", loss, np.asarray(expected_value))
        if problem:
            return problem
        if not loss.requires_grad:
            return ("the loss has the right value but no graph (requires_grad is False): "
                    "was part of it computed with NumPy or on .data?")
        loss.backward()
        return _mismatch("the gradient dL/d(prediction)", p.grad, expected_grad)

    return _Case(description, run)


def check_mse(mse: Callable) -> Verdict:
    """mse(prediction, target) -> mean of (prediction - target)², a scalar Tensor."""
    cases = []
    for shape in [(5,), (4, 2), (1,)]:
        prediction, target = _random(len(shape) + 10, shape, shape)
        cases.append(_loss_case(f"prediction of shape {shape}", F.mse_loss, prediction,
                                Tensor(target, dtype=np.float64)))
    return _verdict("mse", cases, mse)


def check_softmax_cross_entropy(softmax_cross_entropy: Callable) -> Verdict:
    """softmax_cross_entropy(logits, targets) -> mean over the rows of
    -log softmax(logits)[target], for logits (N, C) and integer targets (N,)."""
    cases = []
    for n, c, scale in [(3, 4, 1.0), (1, 2, 1.0), (4, 3, 1000.0)]:
        [logits] = _random(n * c, (n, c), scale=scale)
        targets = np.arange(n) % c
        large = (", logits of about ±1000, where exp overflows unless each row's max is "
                 "subtracted first") if scale > 1 else ""
        cases.append(_loss_case(f"logits {(n, c)}{large}", F.cross_entropy, logits, targets))
    return _verdict("softmax_cross_entropy", cases, softmax_cross_entropy)
