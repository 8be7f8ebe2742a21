"""nn.init: the distributions have PyTorch's bounds and standard deviations."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import init

FAN_OUT, FAN_IN = 300, 500  # a (300, 500) weight: 150,000 draws, std known to ~0.2%


def weight(*shape):
    return tg.zeros(*shape or (FAN_OUT, FAN_IN))


def test_xavier_uniform_bound_and_std():
    tg.manual_seed(0)
    w = init.xavier_uniform_(weight(), gain=2.0)
    bound = 2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(w.numpy()).max() <= bound
    assert np.abs(w.numpy()).max() == pytest.approx(bound, rel=1e-3)
    assert w.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_xavier_normal_std():
    tg.manual_seed(0)
    w = init.xavier_normal_(weight())
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.01)
    assert abs(w.numpy().mean()) < 1e-3


@pytest.mark.parametrize(("a", "mode", "nonlinearity", "gain", "fan"), [
    (0.0, "fan_in", "leaky_relu", math.sqrt(2), FAN_IN),
    (math.sqrt(5), "fan_in", "leaky_relu", math.sqrt(1 / 3), FAN_IN),
    (0.0, "fan_out", "relu", math.sqrt(2), FAN_OUT),
    (0.0, "fan_in", "tanh", 5 / 3, FAN_IN),
])
def test_kaiming_uniform_and_normal(a, mode, nonlinearity, gain, fan):
    tg.manual_seed(0)
    std = gain / math.sqrt(fan)
    w = init.kaiming_uniform_(weight(), a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(w.numpy()).max() <= math.sqrt(3) * std
    assert w.numpy().std() == pytest.approx(std, rel=0.01)
    w = init.kaiming_normal_(weight(), a=a, mode=mode, nonlinearity=nonlinearity)
    assert w.numpy().std() == pytest.approx(std, rel=0.01)


def test_fans_of_a_convolution_weight_count_the_kernel():
    assert init.calculate_fan_in_and_fan_out(weight(8, 4, 3, 3)) == (36, 72)


def test_constant_fills_keep_dtype_and_identity():
    w = tg.ones(3, 2, dtype=np.float64)
    assert init.zeros_(w) is w and w.dtype == np.float64 and not w.numpy().any()
    assert (init.ones_(w).numpy() == 1).all()
    assert (init.constant_(w, 0.5).numpy() == 0.5).all()


def test_init_is_reproducible_with_manual_seed():
    tg.manual_seed(3)
    a = init.kaiming_normal_(weight(4, 5)).numpy().copy()
    tg.manual_seed(3)
    np.testing.assert_array_equal(init.kaiming_normal_(weight(4, 5)).numpy(), a)


def test_init_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        init.xavier_uniform_(tg.zeros(5))
    with pytest.raises(ValueError, match="mode must be one of"):
        init.kaiming_uniform_(weight(2, 2), mode="fan_avg")
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_gains_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12)
