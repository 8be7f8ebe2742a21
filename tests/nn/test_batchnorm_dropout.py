"""BatchNorm1d and Dropout: the two layers that behave differently in train and eval."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.testing import assert_close


def batch(*shape, seed=0):
    data = np.random.default_rng(seed).normal(2.0, 3.0, shape)
    return tg.Tensor(data, dtype=np.float64, requires_grad=True)


def make_bn(num_features=3, **options):
    bn = nn.BatchNorm1d(num_features, dtype=np.float64, **options)
    bn.weight.data[...] = [0.5, 2.0, -1.0][:num_features]
    bn.bias.data[...] = [0.1, -0.3, 1.0][:num_features]
    return bn


# ------------------------------------------------------------------ BatchNorm1d


def test_batchnorm_training_normalizes_with_batch_statistics():
    bn = make_bn()
    x = batch(8, 3)
    y = bn(x).numpy()
    mean, var = x.numpy().mean(0), x.numpy().var(0)
    expected = (x.numpy() - mean) / np.sqrt(var + 1e-5) * bn.weight.numpy() + bn.bias.numpy()
    assert_close(y, expected, atol=1e-12)
    # After undoing the affine map each feature has mean 0 and (almost) variance 1.
    z = (y - bn.bias.numpy()) / bn.weight.numpy()
    assert_close(z.mean(0), np.zeros(3), atol=1e-12)
    assert_close(z.var(0), var / (var + 1e-5), atol=1e-12)


def test_batchnorm_updates_running_stats_with_momentum_and_unbiased_variance():
    bn = make_bn(momentum=0.25)
    x1, x2 = batch(8, 3, seed=1), batch(8, 3, seed=2)
    bn(x1)
    bn(x2)
    mean, var = np.zeros(3), np.ones(3)
    for x in (x1, x2):
        mean = 0.75 * mean + 0.25 * x.numpy().mean(0)
        var = 0.75 * var + 0.25 * x.numpy().var(0, ddof=1)
    assert_close(bn.running_mean, mean, atol=1e-12)
    assert_close(bn.running_var, var, atol=1e-12)
    assert bn.num_batches_tracked.item() == 2


def test_batchnorm_momentum_none_is_a_cumulative_average():
    bn = make_bn(momentum=None)
    xs = [batch(6, 3, seed=s) for s in range(3)]
    for x in xs:
        bn(x)
    assert_close(bn.running_mean, np.mean([x.numpy().mean(0) for x in xs], axis=0), atol=1e-12)
    assert_close(bn.running_var, np.mean([x.numpy().var(0, ddof=1) for x in xs], axis=0),
                 atol=1e-12)


def test_batchnorm_eval_uses_running_stats_and_leaves_them_alone():
    bn = make_bn()
    bn(batch(8, 3, seed=1))
    running_mean, running_var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    bn.eval()
    x = batch(4, 3, seed=5)
    expected = ((x.numpy() - running_mean) / np.sqrt(running_var + 1e-5) * bn.weight.numpy()
                + bn.bias.numpy())
    assert_close(bn(x), expected, atol=1e-12)
    # One sample's output does not depend on the others in eval.
    assert_close(bn(x[:1]), expected[:1], atol=1e-12)
    np.testing.assert_array_equal(bn.running_mean.numpy(), running_mean)
    np.testing.assert_array_equal(bn.running_var.numpy(), running_var)
    assert bn.num_batches_tracked.item() == 1
    bn.train()
    assert not np.allclose(bn(x).numpy(), expected)


def test_batchnorm_three_dimensional_input_normalizes_over_batch_and_length():
    bn = make_bn()
    x = batch(4, 3, 5)
    mean, var = x.numpy().mean((0, 2), keepdims=True), x.numpy().var((0, 2), keepdims=True)
    expected = ((x.numpy() - mean) / np.sqrt(var + 1e-5) * bn.weight.numpy()[:, None]
                + bn.bias.numpy()[:, None])
    assert_close(bn(x), expected, atol=1e-12)
    assert_close(bn.running_var, 0.9 + 0.1 * x.numpy().var((0, 2), ddof=1), atol=1e-12)


def test_batchnorm_without_affine_has_no_parameters():
    bn = nn.BatchNorm1d(3, affine=False)
    assert list(bn.parameters()) == []
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


@pytest.mark.parametrize("shape", [(5, 3), (3, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck_wrt_input_and_parameters(shape, training):
    bn = make_bn()
    bn(batch(*shape, seed=9))  # non-trivial running statistics
    bn.train(training)
    assert gradcheck(lambda x, w, b: bn(x), [batch(*shape), bn.weight, bn.bias])


def test_batchnorm_rejects_bad_inputs_before_touching_its_statistics():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 3\) or "
                                         r"\(N, 3, L\), got \(4, 2\)"):
        bn(tg.zeros(4, 2))
    with pytest.raises(ValueError, match=r"BatchNorm1d: training needs more than one value per "
                                         r"feature, got input of shape \(1, 3\)"):
        bn(tg.zeros(1, 3))
    assert bn.num_batches_tracked.item() == 0
    bn.eval()
    assert bn(tg.ones(1, 3)).shape == (1, 3)  # a single sample is fine in eval
    with pytest.raises(ValueError, match="BatchNorm1d: momentum must be in"):
        nn.BatchNorm1d(3, momentum=1.5)


def test_batchnorm_repr():
    assert repr(nn.BatchNorm1d(30)) == "BatchNorm1d(30, eps=1e-05, momentum=0.1, affine=True)"


# ------------------------------------------------------------------ Dropout


def test_dropout_in_train_zeros_about_p_and_scales_the_rest():
    tg.manual_seed(0)
    drop = nn.Dropout(p=0.3)
    x = tg.Tensor(np.random.default_rng(0).uniform(1, 2, (200, 500)))
    y = drop(x).numpy()
    dropped = y == 0
    # 100,000 Bernoulli(0.3) draws: the fraction is 0.3 ± 0.0015 (one standard deviation).
    assert dropped.mean() == pytest.approx(0.3, abs=0.01)
    assert_close(y[~dropped], x.numpy()[~dropped] / 0.7, rtol=1e-6)


def test_dropout_gradient_is_the_scaled_mask():
    tg.manual_seed(1)
    x = tg.ones(50, 40, dtype=np.float64, requires_grad=True)
    y = nn.Dropout(0.5)(x)
    y.sum().backward()
    assert_close(x.grad, y.numpy(), atol=0)  # y = mask · 2 · 1, and dy/dx = mask · 2
    assert set(np.unique(x.grad.numpy())) == {0.0, 2.0}


def test_dropout_gradcheck_with_a_fixed_mask():
    drop = nn.Dropout(0.4)

    def fixed_mask_dropout(x):
        tg.manual_seed(3)  # the same mask at every evaluation
        return drop(x)

    assert gradcheck(fixed_mask_dropout, [batch(4, 5)])


def test_dropout_is_the_identity_in_eval():
    drop = nn.Dropout(0.9).eval()
    x = batch(10, 10)
    assert drop(x) is x


def test_dropout_rejects_bad_probabilities():
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)
