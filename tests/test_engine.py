"""The backward engine: accumulation, shared subgraphs, freeing, grad modes, anomalies."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import Function, topological_order
from tinygrad_edu.ops.tensor_or_array import values
from tinygrad_edu.testing import assert_close


def leaf(values, dtype=np.float64):
    return tg.Tensor(values, requires_grad=True, dtype=dtype)


def test_a_plus_a_counts_both_uses():
    a = leaf(3.0)
    (a + a).backward()
    assert a.grad.item() == 2.0


def test_a_times_a_uses_the_product_rule():
    a = leaf([1.0, -2.0, 3.0])
    (a * a).sum().backward()
    assert_close(a.grad, [2.0, -4.0, 6.0])


def test_diamond_sums_both_paths():
    # d = (2a) * (3a) = 6a², so dd/da = 12a
    a = leaf(1.5)
    b, c = a * 2.0, a * 3.0
    (b * c).backward()
    assert a.grad.item() == pytest.approx(18.0)


def test_reused_intermediate_is_backpropagated_once_with_summed_gradient():
    # h = x², y = h + h² = x² + x⁴, dy/dx = 2x + 4x³
    x = leaf(2.0)
    h = x * x
    (h + h * h).backward()
    assert x.grad.item() == pytest.approx(2 * 2.0 + 4 * 2.0 ** 3)


def test_topological_order_puts_every_consumer_before_its_inputs():
    x = leaf([1.0, 2.0])
    h = x * 2.0
    y = (h + h.exp()).sum()
    order = topological_order([y])
    position = {id(t): i for i, t in enumerate(order)}
    assert order[0] is y
    for t in order:
        if t._op is not None:
            for parent in t._parents:
                if parent.requires_grad:
                    assert position[id(t)] < position[id(parent)]


def test_gradients_accumulate_over_two_backward_calls_with_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, [4.0, 8.0])


def test_second_backward_through_freed_graph_raises_and_changes_nothing():
    x = leaf(2.0)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="freed.*retain_graph=True"):
        y.backward()
    assert x.grad.item() == 4.0


def test_freed_shared_subgraph_is_detected_from_another_output():
    x = leaf(1.0)
    h = x.exp()
    (h * 2.0).backward()
    with pytest.raises(RuntimeError, match="'exp' was already freed"):
        (h * 3.0).backward()


def test_chain_of_100000_ops_backprops_without_recursion():
    x = leaf(0.5)
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    y.backward()
    assert x.grad.item() == 1.0


def test_no_grad_builds_no_graph_and_enable_grad_reenables_it():
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        y = x * 2.0
        with tg.enable_grad():
            z = x * 2.0
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and z.op == "mul"
    assert tg.is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    @tg.no_grad()
    def predict(t):
        return t * 3.0

    assert not predict(leaf(1.0)).requires_grad


def test_backward_on_non_scalar_needs_a_gradient():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*only for scalar outputs"):
        y.backward()
    assert x.grad is None
    y.backward(np.array([1.0, 10.0]))
    assert_close(x.grad, [3.0, 30.0])


def test_backward_gradient_of_the_wrong_shape_is_rejected():
    y = leaf([1.0, 2.0]) * 2.0
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\) but the output has shape"):
        y.backward(np.ones(3))


def test_backward_on_a_tensor_without_graph_is_rejected():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.Tensor(1.0).backward()


def test_intermediate_tensors_get_no_grad_attribute():
    x = leaf(1.0)
    h = x * 2.0
    (h * h).backward()
    assert h.grad is None
    assert x.grad is not None


def test_constants_in_the_graph_get_no_gradient():
    x = leaf([1.0, 2.0])
    c = tg.Tensor([3.0, 4.0], dtype=np.float64)
    (x * c).sum().backward()
    assert c.grad is None
    assert_close(x.grad, [3.0, 4.0])


def test_grad_function_returns_gradients_without_touching_dot_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    y = (x * w).sum()
    gx, gw = tg.grad(y, [x, w])
    assert_close(gx, [3.0, -1.0])
    assert_close(gw, [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_of_unused_input_raises_unless_allowed():
    x, unused = leaf(1.0), leaf(2.0)
    with pytest.raises(RuntimeError, match="input 1 .* not used"):
        tg.grad(x * 2.0, [x, unused])
    _, g = tg.grad(x * 2.0, [x, unused], allow_unused=True)
    assert g.item() == 0.0


def test_grad_with_several_outputs_sums_their_contributions():
    x = leaf(2.0)
    (g,) = tg.grad([x * 3.0, x * x], [x])
    assert g.item() == pytest.approx(3.0 + 4.0)


def test_create_graph_gives_differentiable_gradients():
    # y = x³: dy/dx = 3x², d²y/dx² = 6x
    x = leaf(2.0)
    (dy,) = tg.grad(x ** 3, [x], create_graph=True)
    assert dy.requires_grad
    (d2y,) = tg.grad(dy, [x])
    assert d2y.item() == pytest.approx(12.0)


def test_backward_with_create_graph_keeps_a_graph_on_dot_grad():
    x = leaf(3.0)
    (x * x * x).backward(create_graph=True)
    assert x.grad.item() == pytest.approx(27.0)
    first = x.grad
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(18.0)


def test_hessian_vector_product_matches_finite_differences():
    rng = np.random.default_rng(0)
    A = tg.Tensor(rng.standard_normal((4, 3)), dtype=np.float64)
    x = leaf(rng.standard_normal(3))
    v = rng.standard_normal(3)

    def gradient_at(point):
        p = leaf(point)
        return tg.grad(((A @ p).tanh() ** 2).sum(), [p])[0].data

    (g,) = tg.grad(((A @ x).tanh() ** 2).sum(), [x], create_graph=True)
    (hv,) = tg.grad((g * tg.Tensor(v, dtype=np.float64)).sum(), [x])
    eps = 1e-6
    numeric = (gradient_at(x.data + eps * v) - gradient_at(x.data - eps * v)) / (2 * eps)
    assert_close(hv, numeric, atol=1e-6, rtol=1e-5)


def test_float32_parameter_gets_float32_gradient_from_float64_graph():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)  # float32
    x = tg.Tensor(np.array([0.5, 0.25]), dtype=np.float64)
    (w * x).sum().backward()
    assert w.grad.dtype == np.float32
    assert_close(w.grad, [0.5, 0.25])


def test_backward_reads_the_output_forward_produced_even_after_data_is_replaced():
    # exp's rule reads its output; PyTorch keeps the output's values for it too
    x = tg.Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = x.exp()
    y.data = np.zeros(2)
    y.sum().backward()
    assert_close(x.grad, np.exp([1.0, 2.0]))


def test_backward_reads_an_input_as_it_is_after_its_data_is_replaced():
    # as PyTorch: mul's rule reads b when it runs, so the new array (torch gives [10, 20])
    a = tg.Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    b = tg.Tensor([3.0, 4.0], dtype=np.float64, requires_grad=True)
    y = a * b
    b.data = np.array([10.0, 20.0])
    y.sum().backward()
    assert_close(a.grad, [10.0, 20.0])
    assert_close(b.grad, [1.0, 2.0])


class CubeThatBackpropsInside(Function, register=False):
    """y = x³; its backward first runs a backward pass of its own (on a graph it
    builds), then reads its ctx: dL/dx = g · 3x²."""

    name = "cube_that_backprops_inside"

    @staticmethod
    def forward(x):
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        with tg.enable_grad():
            z = tg.Tensor(2.0, dtype=np.float64, requires_grad=True)
            (dz,) = tg.grad(z * z * z, [z])  # d(z³)/dz = 3z² = 12 at z = 2
        (x,) = ctx.inputs
        assert ctx.function is CubeThatBackpropsInside
        return grad * (values(dz) / 4.0) * x * x


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_backward_pass_inside_a_rule_does_not_move_the_rules_ctx(create_graph):
    # A backward pass points one ctx at each node in turn; a pass inside a rule has a
    # ctx of its own, so the outer rule still reads its own op when the inner one ends.
    x = tg.Tensor([1.5, -2.0], dtype=np.float64, requires_grad=True)
    (dx,) = tg.grad((CubeThatBackpropsInside.apply(x) * 2.0).sum(), [x],
                    create_graph=create_graph)
    assert_close(dx, 6.0 * x.data ** 2)


class SquareWithTensorMethods(Function, register=False):
    """y = x²; its backward calls `x.abs()`, which only Tensors have."""

    name = "square_with_tensor_methods"

    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * 2.0 * x.abs() * (values(x) > 0)


def test_a_rule_that_needs_tensor_methods_is_told_that_rules_run_on_arrays():
    x = leaf([1.5, 2.0])
    with pytest.raises(AttributeError, match="square_with_tensor_methods.backward: 'numpy.ndarray'"
                       " object has no attribute 'abs'. An ordinary backward.. runs every rule on"
                       " NumPy arrays"):
        SquareWithTensorMethods.apply(x).sum().backward()
    assert x.grad is None
    assert tg.is_grad_enabled()  # the failed backward put grad mode back
    (dy,) = tg.grad(SquareWithTensorMethods.apply(x).sum(), [x], create_graph=True)
    assert_close(dy, [3.0, 4.0])  # on Tensors the same rule runs


def test_plain_backward_leaves_tensors_without_graph_in_dot_grad():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    assert isinstance(w.grad, tg.Tensor) and not w.grad.requires_grad
    assert_close(w.grad, [2.0, 4.0])


def test_detect_anomaly_names_the_op_that_made_nan_in_forward():
    x = leaf([1.0, -1.0])
    with tg.detect_anomaly(), np.errstate(invalid="ignore"), \
            pytest.raises(FloatingPointError, match="log produced nan in forward") as error:
        x.log()
    assert "test_engine.py" in str(error.value)  # where the op was created


def test_detect_anomaly_names_the_op_that_made_inf_in_backward():
    x = leaf([0.0, 4.0])
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt().sum()
        with pytest.raises(FloatingPointError, match="sqrt produced inf in backward"):
            y.backward()


def test_without_detect_anomaly_no_check_is_made():
    x = leaf([0.0, 4.0])
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert np.isinf(x.grad.data[0])


def test_maximum_and_minimum_split_the_gradient_evenly_at_a_tie():
    a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 5.0, 0.0])
    (tg.maximum(a, b).sum() + tg.minimum(a, b).sum() * 10.0).backward()
    assert_close(a.grad, [0.5 + 5.0, 10.0, 1.0])
    assert_close(b.grad, [0.5 + 5.0, 1.0, 10.0])


def test_max_splits_the_gradient_evenly_between_ties():
    x = leaf([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]])
    x.max(axis=1).sum().backward()
    assert_close(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


def test_ops_without_parameters_share_one_read_only_params_mapping():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    first, second = (x + 1.0)._params, (x * 2.0)._params
    assert first is second and dict(first) == {}
    with pytest.raises(TypeError):  # shared by every such op, so nobody may write to it
        first["axis"] = 0
    assert x.sum(axis=0)._params == {"axis": (0,), "keepdims": False}  # its own dict
