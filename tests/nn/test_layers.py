"""Linear, Sequential and the parameter-free layers: values, gradients, errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.testing import assert_close, tensors


def randn64(*shape, requires_grad=True):
    return tg.randn(*shape, dtype=np.float64, requires_grad=requires_grad)


# ------------------------------------------------------------------ Linear


def test_linear_has_pytorch_shapes_dtype_and_default_init_range():
    tg.manual_seed(0)
    layer = nn.Linear(400, 300)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    bound = 1 / math.sqrt(400)
    for t in (layer.weight, layer.bias):
        assert np.abs(t.numpy()).max() <= bound
    # U(-b, b) has standard deviation b/√3; 120,000 draws pin it to about 0.3%.
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_linear_init_is_reproducible_with_manual_seed():
    tg.manual_seed(7)
    a = nn.Linear(5, 3)
    tg.manual_seed(7)
    b = nn.Linear(5, 3)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())


def test_linear_computes_x_w_transpose_plus_b_for_batched_and_single_inputs():
    layer = nn.Linear(3, 2, dtype=np.float64)
    x = np.arange(24.0).reshape(2, 4, 3)
    expected = x @ layer.weight.numpy().T + layer.bias.numpy()
    assert_close(layer(tg.Tensor(x, dtype=np.float64)), expected, atol=1e-12)
    assert_close(layer(tg.Tensor(x[0, 0], dtype=np.float64)), expected[0, 0], atol=1e-12)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, dtype=np.float64)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x = randn64(4, 3, requires_grad=False)
    assert_close(layer(x), x.numpy() @ layer.weight.numpy().T, atol=1e-12)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.booleans())
def test_linear_gradcheck_wrt_input_and_parameters(n_in, n_out, batch, bias):
    layer = nn.Linear(n_in, n_out, bias=bias, dtype=np.float64)
    params = list(layer.parameters())
    assert gradcheck(lambda x, *_: layer(x), [randn64(batch, n_in), *params])


def test_linear_rejects_a_wrong_feature_count_before_computing():
    layer = nn.Linear(784, 30)
    with pytest.raises(ValueError, match=r"Linear: input of shape \(5, 3\) does not fit weight "
                                         r"of shape \(30, 784\).*in_features=784"):
        layer(tg.zeros(5, 3))
    with pytest.raises(ValueError, match=r"Linear: input of shape \(\)"):
        layer(tg.Tensor(1.0))


def test_linear_rejects_empty_sizes():
    with pytest.raises(ValueError, match="Linear: in_features and out_features must be positive"):
        nn.Linear(0, 3)


# ------------------------------------------------------------------ activations


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(axis=1), lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
    (nn.Softmax(axis=0), lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)),
    (nn.Identity(), lambda x: x),
]


@pytest.mark.parametrize(("layer", "reference"), ACTIVATIONS, ids=lambda v: repr(v))
def test_activation_values(layer, reference):
    x = tg.Tensor(np.linspace(-3, 3, 12).reshape(3, 4), dtype=np.float64)
    assert_close(layer(x), reference(x.numpy()), atol=1e-12)


@pytest.mark.parametrize(("layer", "reference"), ACTIVATIONS, ids=lambda v: repr(v))
@given(x=tensors(shape=(3, 4), min_magnitude=1e-3))  # away from the kinks at 0
def test_activation_gradcheck(layer, reference, x):
    assert gradcheck(layer, [x])


def test_activation_reprs():
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Softmax()) == "Softmax(axis=-1)"
    assert repr(nn.Flatten()) == "Flatten(start_axis=1, end_axis=-1)"


def test_flatten_merges_the_requested_axes():
    x = randn64(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten()(tg.zeros(0, 28, 28)).shape == (0, 784)
    assert_close(nn.Flatten()(x), x.numpy().reshape(2, 60))
    assert gradcheck(nn.Flatten(1, -2), [randn64(2, 2, 3, 2)])


def test_flatten_rejects_axes_out_of_range():
    with pytest.raises(ValueError, match=r"Flatten: cannot flatten axes 1..-1 of an input of "
                                         r"shape \(5,\)"):
        nn.Flatten()(tg.zeros(5))
    with pytest.raises(ValueError, match="Flatten: cannot flatten axes 2..1"):
        nn.Flatten(2, 1)(tg.zeros(2, 3, 4))


# ------------------------------------------------------------------ Sequential


def test_sequential_indexing_len_iteration_and_slices():
    layers = [nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.Sigmoid()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[-1]
    tail = seq[2:]
    assert list(tail) == layers[2:]
    assert [name for name, _ in tail.named_parameters()] == ["2.weight", "2.bias"]
    with pytest.raises(IndexError, match="Sequential: index 4 is out of range for 4 modules"):
        seq[4]
    with pytest.raises(TypeError, match="Sequential: int is not a Module"):
        nn.Sequential(3)


def test_sequential_applies_layers_in_order_and_gradchecks_every_parameter():
    seq = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Tanh(),
                        nn.Linear(4, 2, dtype=np.float64), nn.Softmax())
    x = randn64(5, 3)
    expected = x
    for layer in seq:
        expected = layer(expected)
    assert_close(seq(x), expected, atol=0)
    assert [name for name, _ in seq.named_parameters()] == [
        "0.weight", "0.bias", "2.weight", "2.bias"]
    assert gradcheck(lambda x, *_: seq(x), [x, *seq.parameters()])
