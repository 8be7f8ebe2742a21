"""Loss modules: the same values as functional and PyTorch, gradients, reduction."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.gradcheck import gradcheck
from tinygrad_edu.testing import assert_close

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(0, 2, (5, 4))
PROBS = RNG.uniform(0.05, 0.95, (5, 4))
SOFT_TARGETS = RNG.uniform(0, 1, (5, 4))
CLASSES = np.array([0, 3, 1, 1, 2])

# loss class, input, target, is the target differentiable
CASES = [
    (nn.MSELoss, LOGITS, SOFT_TARGETS, True),
    (nn.BCELoss, PROBS, SOFT_TARGETS, True),
    (nn.BCEWithLogitsLoss, LOGITS, SOFT_TARGETS, True),
    (nn.CrossEntropyLoss, LOGITS, CLASSES, False),
]
REDUCTIONS = ["mean", "sum", "none"]


def as_input(array, differentiable=True):
    if array.dtype.kind == "i":
        return array
    return tg.Tensor(array.copy(), dtype=np.float64, requires_grad=differentiable)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("loss_class", "input", "target", "target_grad"), CASES,
                         ids=lambda v: getattr(v, "__name__", None))
def test_loss_gradcheck_wrt_input_and_target(loss_class, input, target, target_grad, reduction):
    loss = loss_class(reduction=reduction)
    inputs = [as_input(input)] + ([as_input(target)] if target_grad else [])
    assert gradcheck(lambda *t: loss(t[0], t[1] if target_grad else target), inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(("loss_class", "input", "target", "target_grad"), CASES,
                         ids=lambda v: getattr(v, "__name__", None))
def test_loss_values_match_pytorch(loss_class, input, target, target_grad, reduction):
    torch = pytest.importorskip("torch")
    ours = loss_class(reduction=reduction)(as_input(input), as_input(target, False))
    theirs = getattr(torch.nn, loss_class.__name__)(reduction=reduction)(
        torch.tensor(input), torch.tensor(target))
    assert_close(ours, theirs.numpy(), atol=1e-12, rtol=1e-10)


def test_bad_reduction_is_rejected_when_the_loss_is_built():
    with pytest.raises(ValueError, match=r"CrossEntropyLoss: reduction must be one of "
                                         r"\('mean', 'sum', 'none'\), got 'avg'"):
        nn.CrossEntropyLoss(reduction="avg")


def test_shape_mismatch_names_the_loss_and_shapes():
    with pytest.raises(ValueError, match=r"mse_loss: input has shape \(5, 4\) but target has "
                                         r"shape \(5,\)"):
        nn.MSELoss()(as_input(LOGITS), np.zeros(5))


def test_loss_reprs():
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert repr(nn.BCELoss(reduction="sum")) == "BCELoss(reduction='sum')"
