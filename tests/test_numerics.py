"""Values and gradients at the edges (saturation, ±inf, kinks, NaN), as PyTorch gives them."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import nn
from tinygrad_edu.testing import assert_close


def leaf(values, dtype=np.float64):
    return tg.Tensor(values, requires_grad=True, dtype=dtype)


def second_derivative(fn, at):
    x = leaf([at])
    (slope,) = tg.grad(fn(x).sum(), [x], create_graph=True)
    (curvature,) = tg.grad(slope.sum(), [x])
    return curvature.item()


def test_sigmoid_then_bce_in_float32_has_a_finite_gradient_at_saturation():
    logits = tg.Tensor([20.0, 0.5], requires_grad=True)  # sigmoid(20) rounds to 1.0
    loss = nn.BCELoss()(nn.Sigmoid()(logits), tg.Tensor([0.0, 1.0]))
    loss.backward()
    assert np.isfinite(logits.grad.data).all()
    assert_close(logits.grad, [0.0, -0.18877033], atol=1e-6)
    assert_close(loss, (100.0 + np.log1p(np.exp(-0.5))) / 2, rtol=1e-6)


def test_bce_matches_torch_in_value_and_both_gradients():
    torch = pytest.importorskip("torch")
    p = np.array([0.0, 1e-30, 0.3, 0.999999, 1.0])
    t = np.array([0.0, 1.0, 0.4, 0.0, 1.0])
    ours_p, ours_t = leaf(p), leaf(t)
    loss = F.binary_cross_entropy(ours_p, ours_t)
    loss.backward()
    torch_p = torch.tensor(p, requires_grad=True)
    torch_t = torch.tensor(t, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy(torch_p, torch_t)
    expected.backward()
    assert_close(loss, expected.item(), rtol=1e-12)
    assert_close(ours_t.grad, torch_t.grad.numpy(), rtol=1e-12)
    guarded = p * (1 - p) < 1e-12  # there PyTorch divides by its guard, 1e-12 in float32
    assert_close(ours_p.grad.data[~guarded], torch_p.grad.numpy()[~guarded], rtol=1e-12)
    assert_close(ours_p.grad.data[guarded], torch_p.grad.numpy()[guarded], rtol=1e-8)


def test_logsumexp_of_infinite_rows():
    assert F.logsumexp(tg.Tensor([-np.inf, -np.inf]), axis=0).item() == -np.inf
    assert F.logsumexp(tg.Tensor([np.inf, 1.0]), axis=0).item() == np.inf
    rows = tg.Tensor([[-np.inf, -np.inf], [0.0, 0.0]])
    assert_close(F.logsumexp(rows, axis=1), [-np.inf, np.log(2.0)])


@pytest.mark.parametrize("base, exponent", [
    ([-2.0, -1.5, 0.0, 3.0], 2.0),   # a negative base squared
    ([0.0], 0.0),                    # 0 ** 0 = 1
    ([-2.0], 3.0),
])
def test_pow_with_a_tensor_exponent_matches_torch(base, exponent):
    torch = pytest.importorskip("torch")
    a, b = leaf(base), leaf(exponent)
    (a ** b).sum().backward()
    ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    (ta ** tb).sum().backward()
    assert_close(a ** b, (ta ** tb).detach().numpy())
    assert_close(a.grad, ta.grad.numpy())
    assert_close(b.grad, tb.grad.numpy())


def test_a_number_raised_to_a_tensor():
    x = leaf([0.0, 1.0, 2.0])
    y = (-2.0) ** x
    assert_close(y, [1.0, -2.0, 4.0])
    assert_close(0.0 ** x, [1.0, 0.0, 0.0])


def test_leaky_relu_has_the_negative_slope_at_zero():
    x = leaf([0.0, -1.0, 2.0])
    F.leaky_relu(x, 0.1).sum().backward()
    assert_close(x.grad, [0.1, 0.1, 1.0])
    layer = nn.Sequential(nn.Linear(2, 1), nn.LeakyReLU())
    with tg.no_grad():
        layer[0].weight.zero_()
        layer[0].bias.zero_()
    layer(tg.ones(3, 2)).sum().backward()
    assert np.abs(layer[0].weight.grad.data).sum() > 0  # a zero-initialised layer trains


def test_softplus_and_bce_with_logits_have_their_curvature_at_zero():
    assert second_derivative(F.softplus, 0.0) == pytest.approx(0.25)
    target = tg.Tensor([1.0], dtype=np.float64)
    curvature = second_derivative(
        lambda z: F.binary_cross_entropy_with_logits(z, target), 0.0)
    assert curvature == pytest.approx(0.25)
    assert F.softplus(tg.Tensor([1000.0, -1000.0])).data.tolist() == [1000.0, 0.0]


def test_a_logistic_regression_hessian_vector_product_at_zero_is_not_zero():
    X = tg.Tensor([[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0]], dtype=np.float64)
    y = tg.Tensor([1.0, 0.0, 1.0], dtype=np.float64)
    w = leaf([0.0, 0.0])
    (g,) = tg.grad(F.binary_cross_entropy_with_logits(X @ w, y), [w], create_graph=True)
    v = np.array([1.0, -1.0])
    (hv,) = tg.grad((g * tg.Tensor(v, dtype=np.float64)).sum(), [w])
    expected = X.data.T @ (0.25 * (X.data @ v)) / 3  # Xᵀ diag(σ'(0)) X v / n
    assert_close(hv, expected, rtol=1e-12)


def test_the_gradient_of_a_max_goes_to_its_nan():
    x = leaf([1.0, np.nan, 2.0])
    x.max().backward()
    assert x.grad.data.tolist() == [0.0, 1.0, 0.0]
    rows = leaf([[1.0, np.nan], [3.0, 2.0]])
    rows.max(axis=1).sum().backward()
    assert rows.grad.data.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_var_and_std_refuse_ddof_that_leaves_no_degrees_of_freedom():
    x = tg.Tensor([1.0, 2.0])
    for reduce in (x.var, x.std):
        with pytest.raises(ValueError, match="2 elements with ddof=2 leave no degrees"):
            reduce(ddof=2)
    assert_close(x.std(ddof=1), np.std([1.0, 2.0], ddof=1))
    assert_close(tg.Tensor([[1.0, 3.0], [2.0, 2.0]]).std(axis=1), [1.0, 0.0])
