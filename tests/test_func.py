"""tinygrad_edu.func against torch.autograd.functional (float64, 1e-10) and against
finite differences, on every registered op, and on bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_op_gradients import OP_CASES

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import func

RNG = np.random.default_rng(0)
TARGETS = np.array([1, 0, 2, 2])
X_BATCH = RNG.standard_normal((4, 3))


# Each function is written once for both frameworks: `lib` names the one in use.
def elementwise(lib, x):
    return (x.sin() * x.exp()) / (1.0 + x * x)


def matmul_chain(lib, x, w):
    return ((x @ w).tanh() @ w.T).sigmoid()


def softmax(lib, x):
    return F.softmax(x, axis=-1) if lib == "tg" else x.softmax(-1)


def mlp_loss(lib, w1, b1, w2):
    if lib == "tg":
        x = tg.Tensor(X_BATCH, dtype=np.float64)
        return F.cross_entropy((x @ w1.T + b1).tanh() @ w2.T, TARGETS)
    import torch

    x = torch.tensor(X_BATCH)
    return torch.nn.functional.cross_entropy((x @ w1.T + b1).tanh() @ w2.T,
                                             torch.tensor(TARGETS))


FUNCTIONS = {  # name -> (function, input shapes)
    "elementwise": (elementwise, [(3,)]),
    "matmul_chain": (matmul_chain, [(2, 3), (3, 3)]),
    "softmax": (softmax, [(2, 4)]),
    "mlp_loss": (mlp_loss, [(5, 3), (5,), (3, 5)]),
}
SCALAR = {"mlp_loss"}


def inputs_for(shapes, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) * 0.7 for s in shapes]


def ours(name):
    fn, _ = FUNCTIONS[name]
    return lambda *xs: fn("tg", *xs)


def theirs(name):
    fn, _ = FUNCTIONS[name]
    return lambda *xs: fn("torch", *xs)


def as_tg(arrays):
    return tuple(tg.Tensor(a, dtype=np.float64) for a in arrays)


def assert_close(ours_result, torch_result):
    if isinstance(ours_result, tuple):
        assert isinstance(torch_result, tuple) and len(ours_result) == len(torch_result)
        for a, b in zip(ours_result, torch_result):
            assert_close(a, b)
        return
    np.testing.assert_allclose(ours_result.data, torch_result.detach().numpy(), rtol=1e-10,
                               atol=1e-10)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_equals_torch(name, mode):
    torch = pytest.importorskip("torch")
    arrays = inputs_for(FUNCTIONS[name][1])
    expected = torch.autograd.functional.jacobian(theirs(name),
                                                  tuple(torch.tensor(a) for a in arrays))
    assert_close(func.jacobian(ours(name), as_tg(arrays), mode=mode), expected)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jvp_and_vjp_equal_torch(name):
    torch = pytest.importorskip("torch")
    arrays = inputs_for(FUNCTIONS[name][1])
    directions = inputs_for(FUNCTIONS[name][1], seed=2)
    primals = tuple(torch.tensor(a) for a in arrays)
    expected_out, expected_jvp = torch.autograd.functional.jvp(
        theirs(name), primals, tuple(torch.tensor(d) for d in directions))
    out, out_dot = func.jvp(ours(name), as_tg(arrays), as_tg(directions))
    assert_close(out, expected_out)
    assert_close(out_dot, expected_jvp)

    v = np.random.default_rng(3).standard_normal(out.shape)
    _, expected_vjp = torch.autograd.functional.vjp(theirs(name), primals, torch.tensor(v))
    out, vjp_fn = func.vjp(ours(name), *as_tg(arrays))
    assert_close(vjp_fn(tg.Tensor(v, dtype=np.float64)), expected_vjp)


@pytest.mark.parametrize("name", ["elementwise_sum", "mlp_loss"])
def test_hessian_and_hvp_equal_torch(name):
    torch = pytest.importorskip("torch")
    if name == "elementwise_sum":
        fn, shapes = ((lambda lib, x: elementwise(lib, x).sum()), [(3,)])
        mine, reference = (lambda x: fn("tg", x)), (lambda x: fn("torch", x))
    else:
        shapes = FUNCTIONS[name][1]
        mine, reference = ours(name), theirs(name)
    arrays = inputs_for(shapes)
    v = inputs_for(shapes, seed=4)
    primals = tuple(torch.tensor(a) for a in arrays)
    expected = torch.autograd.functional.hessian(reference, primals)
    assert_close(func.hessian(mine, as_tg(arrays)), expected)
    expected_value, expected_hvp = torch.autograd.functional.hvp(
        reference, primals, tuple(torch.tensor(d) for d in v))
    value, product = func.hvp(mine, as_tg(arrays), as_tg(v))
    assert_close(value, expected_value)
    assert_close(product, expected_hvp)


def test_grad_equals_torch_func_grad_with_argnums_and_aux():
    torch = pytest.importorskip("torch")
    arrays = inputs_for(FUNCTIONS["mlp_loss"][1])

    def with_aux(lib):
        return lambda *w: (mlp_loss(lib, *w), w[0].sum())

    expected, expected_aux = torch.func.grad(with_aux("torch"), argnums=(0, 2), has_aux=True)(
        *(torch.tensor(a) for a in arrays))
    found, aux = func.grad(with_aux("tg"), argnums=(0, 2), has_aux=True)(*as_tg(arrays))
    assert_close(found, expected)
    assert_close(aux, expected_aux)
    single = func.grad(ours("mlp_loss"), argnums=1)(*as_tg(arrays))
    assert_close(single, torch.func.grad(theirs("mlp_loss"), argnums=1)(
        *(torch.tensor(a) for a in arrays)))


# ---------------------------------------------- without PyTorch: finite differences


def numeric_jacobian(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = eps
        step = step.reshape(x.shape)
        ahead = fn(tg.Tensor(x + step, dtype=np.float64)).data
        behind = fn(tg.Tensor(x - step, dtype=np.float64)).data
        columns.append(((ahead - behind) / (2 * eps)).reshape(-1))
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_matches_finite_differences(mode):
    x = inputs_for([(2, 3)])[0]
    w = tg.Tensor(inputs_for([(3, 3)], seed=5)[0], dtype=np.float64)

    def fn(t):
        return matmul_chain("tg", t, w)

    found = func.jacobian(fn, tg.Tensor(x, dtype=np.float64), mode=mode)
    assert found.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(found.data.reshape(6, 6), numeric_jacobian(fn, x), rtol=1e-6,
                               atol=1e-8)


def test_hessian_matches_finite_differences_of_the_gradient():
    x = inputs_for([(4,)])[0]

    def loss(t):
        return F.softmax(t, axis=0)[1] * (t * t).sum()

    gradient = func.grad(loss)
    found = func.hessian(loss, tg.Tensor(x, dtype=np.float64))
    np.testing.assert_allclose(found.data, numeric_jacobian(gradient, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(found.data, found.data.T, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------- every registered op


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=5)
@given(data=st.data())
def test_forward_and_reverse_jacobians_agree_on_every_op(op, data):
    fn, inputs = data.draw(OP_CASES[op])
    inputs = tuple(tg.Tensor(x.data, dtype=np.float64) for x in inputs)
    reverse = func.jacobian(fn, inputs, mode="reverse")
    forward = func.jacobian(fn, inputs, mode="forward")
    for r, f in zip(reverse, forward):
        assert r.shape == f.shape
        np.testing.assert_allclose(f.data, r.data, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("op", sorted(OP_CASES))
@settings(max_examples=3)
@given(data=st.data())
def test_forward_over_reverse_hessian_equals_reverse_over_reverse(op, data):
    """The Hessian of <w, op(x)> by jvps of the gradient (jvp through every backward
    rule's ops) equals the Jacobian of the gradient by reverse mode."""
    fn, inputs = data.draw(OP_CASES[op])
    inputs = tuple(tg.Tensor(x.data, dtype=np.float64) for x in inputs)
    weights = tg.Tensor(np.random.default_rng(0).standard_normal(fn(*inputs).shape),
                        dtype=np.float64)

    def loss(*xs):
        return (fn(*xs) * weights).sum()

    hessian = func.hessian(loss, inputs)
    gradient = func.grad(loss, argnums=tuple(range(len(inputs))))
    reverse = func.jacobian(gradient, inputs, mode="reverse")
    for row_h, row_r in zip(hessian, reverse):
        for h, r in zip(row_h, row_r):
            np.testing.assert_allclose(h.data, r.data, rtol=1e-9, atol=1e-10)


# -------------------------------------------------------------------- bad input


def test_bad_input_raises_clear_errors():
    x = tg.Tensor([1.0, 2.0], dtype=np.float64)
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(3,\) but its primal has shape"):
        func.jvp(lambda t: t * 2.0, (x,), (tg.Tensor([1.0, 2.0, 3.0], dtype=np.float64),))
    with pytest.raises(TypeError, match="tangent 0 has dtype float32 but its primal has dtype "
                                        "float64"):
        func.jvp(lambda t: t * 2.0, (x,), (tg.Tensor([1.0, 2.0]),))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        func.jvp(lambda t: t, (x,), (x, x))
    with pytest.raises(TypeError, match="only floating-point"):
        func.jvp(lambda t: t, (tg.Tensor([1, 2]),), (tg.Tensor([1, 2]),))
    for transform in (lambda f: func.jvp(f, (x,), (x,)), lambda f: func.vjp(f, x),
                      lambda f: func.jacobian(f, x), lambda f: func.jacobian(f, x, mode="forward")):
        with pytest.raises(TypeError, match="a Tensor or a tuple of Tensors, got float"):
            transform(lambda t: 3.0)
    with pytest.raises(ValueError, match="mode must be 'reverse' or 'forward'"):
        func.jacobian(lambda t: t, x, mode="sideways")
    with pytest.raises(RuntimeError, match=r"one-element Tensor, got shape \(2,\)"):
        func.grad(lambda t: t * 2.0)(x)
    with pytest.raises(TypeError, match="argument 1"):
        func.grad(lambda a, b: a.sum(), argnums=1)(x, 2.0)
    _, vjp_fn = func.vjp(lambda t: t * 2.0, x)
    with pytest.raises(ValueError, match=r"cotangent 0 has shape \(3,\) but output 0"):
        vjp_fn(tg.Tensor([1.0, 2.0, 3.0], dtype=np.float64))


def test_an_output_that_does_not_depend_on_the_inputs_has_zero_derivatives():
    x = tg.Tensor([1.0, 2.0], dtype=np.float64)
    constant = tg.Tensor([5.0], dtype=np.float64)
    np.testing.assert_array_equal(func.jacobian(lambda t: constant, x).data, np.zeros((1, 2)))
    np.testing.assert_array_equal(func.grad(lambda t: constant.sum())(x).data, [0.0, 0.0])
