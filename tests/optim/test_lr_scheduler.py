"""Learning-rate schedulers: the closed formulas, and the same sequences as torch."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler

EPOCHS = 25
SCHEDULES = [
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
]


def our_lrs(name, options, lrs=(0.1, 0.03)):
    groups = [{"params": [tg.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    optimizer = optim.SGD(groups, lr=1.0)
    scheduler = getattr(lr_scheduler, name)(optimizer, **options)
    seen = [scheduler.get_last_lr()]
    for _ in range(EPOCHS):
        optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
        assert seen[-1] == [g["lr"] for g in optimizer.param_groups]
    return np.array(seen)


@pytest.mark.parametrize(("name", "options"), SCHEDULES)
def test_schedules_match_torch(name, options):
    torch = pytest.importorskip("torch")
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.03)]
    optimizer = torch.optim.SGD(groups, lr=1.0)
    scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **options)
    seen = [scheduler.get_last_lr()]
    for _ in range(EPOCHS):
        optimizer.step()
        scheduler.step()
        seen.append(scheduler.get_last_lr())
    np.testing.assert_allclose(our_lrs(name, options), np.array(seen), rtol=1e-12, atol=1e-15)


def test_closed_forms():
    t = np.arange(EPOCHS + 1)
    np.testing.assert_allclose(our_lrs("StepLR", dict(step_size=4, gamma=0.5), (1.0,))[:, 0],
                               0.5 ** (t // 4))
    np.testing.assert_allclose(our_lrs("ExponentialLR", dict(gamma=0.9), (2.0,))[:, 0],
                               2.0 * 0.9**t)
    cosine = our_lrs("CosineAnnealingLR", dict(T_max=10, eta_min=0.1), (1.0,))[:, 0]
    np.testing.assert_allclose(cosine, 0.1 + 0.9 * (1 + np.cos(math.pi * t / 10)) / 2)
    assert cosine[0] == 1.0 and cosine[10] == pytest.approx(0.1) and cosine[20] == 1.0


def test_state_dict_round_trip():
    optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2)
    for _ in range(3):
        scheduler.step()
    restored = lr_scheduler.StepLR(optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1), 5)
    restored.load_state_dict(scheduler.state_dict())
    assert restored.last_epoch == 3 and restored.step_size == 2
    restored.step()
    assert restored.get_last_lr() == pytest.approx([0.001])


def test_bad_arguments():
    optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be positive, got 0"):
        lr_scheduler.StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: T_max must be positive"):
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=0)
    with pytest.raises(TypeError, match="ExponentialLR: expected an Optimizer, got list"):
        lr_scheduler.ExponentialLR([], gamma=0.9)
