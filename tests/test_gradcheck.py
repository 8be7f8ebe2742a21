"""gradcheck itself: it passes right rules, fails wrong ones, and says where."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import OPS, Function, values
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from tinygrad_edu.testing import assert_close


def t64(array, requires_grad=True):
    return tg.Tensor(array, requires_grad=requires_grad, dtype=np.float64)


def wrong_square(x):
    """x * detach(x): the forward value is x², but the engine's derivative is x, not 2x."""
    return x * x.detach()


def test_numerical_grad_of_a_known_function():
    x = t64([1.0, 2.0, -3.0])
    (g,) = numerical_grad(lambda t: (t ** 3).sum(), [x])
    assert_close(g, 3 * x.data ** 2, atol=1e-6)


def test_numerical_grad_weights_the_output_with_grad_output():
    x = t64([1.0, 2.0])
    (g,) = numerical_grad(lambda t: t * t, [x], grad_output=np.array([1.0, 10.0]))
    assert_close(g, [2.0, 40.0], atol=1e-6)


def test_numerical_grad_skips_inputs_without_grad_and_restores_data():
    x, c = t64([1.0, 2.0]), t64([3.0, 4.0], requires_grad=False)
    gx, gc = numerical_grad(lambda a, b: (a * b).sum(), [x, c])
    assert gc is None
    assert_close(gx, [3.0, 4.0], atol=1e-6)
    assert x.data.tolist() == [1.0, 2.0]


def test_gradcheck_reports_the_worst_element():
    x = t64([0.5, -4.0, 1.0])  # the error |2x - x| = |x| is largest at index 1
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(3,\)\) at index \(1,\), "
                                             r"output element 1: analytic -4, numeric -8"):
        gradcheck(wrong_square, [x])


def test_gradcheck_can_return_false_instead_of_raising():
    assert gradcheck(wrong_square, [t64([1.0])], raise_exception=False) is False


def test_fast_mode_catches_a_wrong_rule_too():
    x = t64(np.linspace(-1, 1, 6).reshape(2, 3))
    with pytest.raises(GradcheckError, match="random projection"):
        gradcheck(wrong_square, [x], fast_mode=True)


class CubeWithFlatSlope(Function, register=False):
    """y = x³ with a backward that is right to first order, but its slope 3x² is
    computed from `values(x)`, a constant array, so the engine sees no second
    derivative."""

    name = "cube_with_flat_slope"

    @staticmethod
    def forward(x):
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * (3 * values(x) ** 2)  # a constant, even when the rule runs on Tensors


def test_gradgradcheck_catches_a_wrong_second_derivative():
    x = t64([0.7, -1.3])
    assert gradcheck(CubeWithFlatSlope.apply, [x])
    with pytest.raises(GradcheckError):
        gradgradcheck(CubeWithFlatSlope.apply, [x])
    assert "cube_with_flat_slope" not in OPS


def test_gradcheck_needs_float64_and_something_to_check():
    with pytest.raises(TypeError, match="input 0 is float32; finite differences need float64"):
        gradcheck(lambda t: t * 2.0, [tg.Tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t: t * 2.0, [t64([1.0], requires_grad=False)])


def test_gradcheck_handles_outputs_that_do_not_depend_on_an_input():
    x, unused = t64([1.0, 2.0]), t64([3.0])
    assert gradcheck(lambda a, b: a * 2.0, [x, unused])
