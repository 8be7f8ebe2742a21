"""Composites: values against references, numerical stability, gradients, errors.

RuntimeWarnings are errors in this suite (pyproject.toml), so "no NumPy
warnings" is checked by every test here.
"""

import numpy as np
import pytest
from scipy import special

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck
from tinygrad_edu.testing import assert_close

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((5, 4))
TARGETS = np.array([0, 3, 1, 1, 2])
PROBS = special.expit(RNG.standard_normal((5,)))
LABELS = np.array([1.0, 0.0, 1.0, 1.0, 0.0])


def t64(array, requires_grad=True):
    return tg.Tensor(array, requires_grad=requires_grad, dtype=np.float64)


def test_softmax_family_matches_scipy():
    x = t64(LOGITS)
    assert_close(F.softmax(x), special.softmax(LOGITS, axis=-1), atol=1e-12)
    assert_close(F.log_softmax(x, axis=0), special.log_softmax(LOGITS, axis=0), atol=1e-12)
    assert_close(F.logsumexp(x, axis=1), special.logsumexp(LOGITS, axis=1), atol=1e-12)
    assert_close(F.logsumexp(x, axis=None), special.logsumexp(LOGITS), atol=1e-12)
    assert_close(F.logsumexp(x, axis=1, keepdims=True),
                 special.logsumexp(LOGITS, axis=1, keepdims=True), atol=1e-12)


def test_losses_match_their_formulas():
    x = t64(LOGITS)
    log_p = special.log_softmax(LOGITS, axis=1)
    expected_ce = -log_p[np.arange(5), TARGETS].mean()
    assert F.cross_entropy(x, TARGETS).item() == pytest.approx(expected_ce, rel=1e-12)
    assert F.nll_loss(t64(log_p), TARGETS, reduction="sum").item() == pytest.approx(
        5 * expected_ce, rel=1e-12)
    p, y = t64(PROBS), LABELS
    bce = -(y * np.log(PROBS) + (1 - y) * np.log(1 - PROBS))
    assert_close(F.binary_cross_entropy(p, y, reduction="none"), bce, atol=1e-12)
    z = special.logit(PROBS)
    assert F.binary_cross_entropy_with_logits(t64(z), y).item() == pytest.approx(bce.mean())
    assert F.mse_loss(p, y).item() == pytest.approx(((PROBS - y) ** 2).mean())
    scores, signs = LOGITS[:, 0], np.where(LABELS > 0, 1.0, -1.0)
    assert F.hinge_loss(t64(scores), signs).item() == pytest.approx(
        np.maximum(0, 1 - signs * scores).mean())
    assert F.epsilon_insensitive_loss(t64(scores), LOGITS[:, 1], epsilon=0.3).item() == \
        pytest.approx(np.maximum(0, np.abs(scores - LOGITS[:, 1]) - 0.3).mean())


def test_statistics_and_activations():
    x = t64(LOGITS)
    assert_close(F.mean(x, axis=0), LOGITS.mean(axis=0), atol=1e-12)
    assert_close(F.var(x, axis=(0, 1), ddof=1), LOGITS.var(ddof=1), atol=1e-12)
    assert_close(F.leaky_relu(x, 0.1), np.where(LOGITS > 0, LOGITS, 0.1 * LOGITS), atol=1e-12)
    assert_close(F.softplus(x), np.logaddexp(0, LOGITS), atol=1e-12)
    assert_close(F.log_sigmoid(x), -np.logaddexp(0, -LOGITS), atol=1e-12)


def test_losses_match_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    logits = torch.tensor(LOGITS, requires_grad=True)
    tf.cross_entropy(logits, torch.tensor(TARGETS)).backward()
    x = t64(LOGITS)
    F.cross_entropy(x, TARGETS).backward()
    assert_close(x.grad, logits.grad.numpy(), atol=1e-12)
    z = torch.tensor(LOGITS[:, 0], requires_grad=True)
    tf.binary_cross_entropy_with_logits(z, torch.tensor(LABELS)).backward()
    ours = t64(LOGITS[:, 0])
    F.binary_cross_entropy_with_logits(ours, LABELS).backward()
    assert_close(ours.grad, z.grad.numpy(), atol=1e-12)


HUGE = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [3.0, 1e4, -1e4]])


@pytest.mark.parametrize("name, fn", [
    ("log_softmax", lambda z: F.log_softmax(z).sum()),
    ("softmax", lambda z: (F.softmax(z) * t64(np.arange(3.0), False)).sum()),
    ("logsumexp", lambda z: F.logsumexp(z).sum()),
    ("cross_entropy", lambda z: F.cross_entropy(z, np.array([0, 1, 2]))),
    ("bce_with_logits", lambda z: F.binary_cross_entropy_with_logits(z, np.eye(3))),
    ("sigmoid", lambda z: z.sigmoid().sum()),
    ("log_sigmoid", lambda z: F.log_sigmoid(z).sum()),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_logits_give_finite_values_and_gradients(name, fn, dtype):
    z = tg.Tensor(HUGE, requires_grad=True, dtype=dtype)
    loss = fn(z)
    loss.backward()
    assert np.isfinite(loss.item()), name
    assert np.all(np.isfinite(z.grad.data)), name


def test_cross_entropy_of_huge_logits_has_the_exact_value():
    # row [1e4, -1e4, 0], target 0: loss = log(1 + e^-2e4 + e^-1e4) = 0 (to float precision)
    # row [-1e4, -1e4, 1e4], target 1: loss = 2e4
    rows = t64(HUGE[:2])
    losses = F.cross_entropy(rows, np.array([0, 1]), reduction="none")
    assert_close(losses, [0.0, 2e4], atol=1e-9)


def test_bce_with_logits_has_the_right_slope_at_zero():
    z = t64(np.zeros(3))
    F.binary_cross_entropy_with_logits(z, np.array([0.0, 1.0, 0.5]), reduction="sum").backward()
    assert_close(z.grad, [0.5, -0.5, 0.0], atol=1e-12)  # σ(0) - y


def test_binary_cross_entropy_at_zero_and_one_stays_finite():
    p = t64(np.array([0.0, 1.0]))
    loss = F.binary_cross_entropy(p, np.array([1.0, 0.0]), reduction="none")
    assert_close(loss, [100.0, 100.0], atol=1e-9)


@pytest.mark.parametrize("fn", [
    lambda z: F.cross_entropy(z, TARGETS),
    lambda z: F.log_softmax(z, axis=0),
    lambda z: F.softmax(z),
    lambda z: F.logsumexp(z, axis=(0, 1)),
    lambda z: F.var(z, axis=1, ddof=1),
    lambda z: F.binary_cross_entropy_with_logits(z, np.ones((5, 4)) * 0.3),
    lambda z: F.binary_cross_entropy(z.sigmoid(), np.ones((5, 4)) * 0.3),
    lambda z: F.softplus(z),
    lambda z: F.leaky_relu(z, 0.2),
])
def test_composites_pass_gradcheck(fn):
    assert gradcheck(fn, [t64(LOGITS)])


def test_softmax_and_log_softmax_pass_gradgradcheck():
    assert gradgradcheck(F.softmax, [t64(LOGITS)])
    assert gradgradcheck(lambda z: F.cross_entropy(z, TARGETS), [t64(LOGITS)])


def test_dropout_scales_kept_elements_and_is_identity_in_eval():
    x = tg.ones(1000)
    tg.manual_seed(0)
    y = F.dropout(x, p=0.25)
    kept = y.data != 0
    assert 0.7 < kept.mean() < 0.8
    assert np.allclose(y.data[kept], 1 / 0.75)
    assert F.dropout(x, p=0.25, training=False) is x
    assert F.dropout(x, p=1.0).data.sum() == 0


@pytest.mark.parametrize("action, error, message", [
    (lambda: F.cross_entropy(t64(LOGITS), np.array([0, 1, 2, 3, 4])), ValueError,
     "cross_entropy: target 4 is out of range for 4 classes"),
    (lambda: F.cross_entropy(t64(LOGITS), TARGETS.astype(float)), TypeError,
     "cross_entropy: targets must be integer class indices"),
    (lambda: F.cross_entropy(t64(LOGITS), TARGETS[:3]), ValueError,
     r"cross_entropy: expected 5 targets of shape \(5,\), got shape \(3,\)"),
    (lambda: F.cross_entropy(t64(LOGITS[0]), TARGETS), ValueError,
     r"cross_entropy: input must be \(N, C\) logits"),
    (lambda: F.cross_entropy(t64(LOGITS), TARGETS, reduction="total"), ValueError,
     "cross_entropy: reduction must be one of"),
    (lambda: F.nll_loss(t64(LOGITS[:0]), TARGETS[:0]), ValueError,
     r"nll_loss: the mean over an empty batch \(0 rows\) is undefined"),
    (lambda: F.mse_loss(t64(LOGITS), LOGITS[0]), ValueError,
     r"mse_loss: input has shape \(5, 4\) but target has shape \(4,\)"),
    (lambda: F.binary_cross_entropy(t64(LOGITS), LOGITS), ValueError,
     r"binary_cross_entropy: input must be probabilities"),
    (lambda: F.hinge_loss(t64(LABELS), LABELS), ValueError, "hinge_loss: targets must be -1 or"),
    (lambda: F.mse_loss(t64(LABELS), LABELS, reduction="avg"), ValueError,
     "mse_loss: reduction must be one of"),
    (lambda: F.dropout(t64(LABELS), p=1.5), ValueError, r"dropout: p must be in \[0, 1\]"),
    (lambda: F.var(t64(LABELS), ddof=5), ValueError, "var: 5 elements with ddof=5"),
])
def test_bad_loss_arguments_name_the_function(action, error, message):
    with pytest.raises(error, match=message):
        action()
