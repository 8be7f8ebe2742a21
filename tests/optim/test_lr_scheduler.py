"""Learning-rate schedulers: the closed formulas, and the same sequences as torch, alone,
composed, and after a manual change of the learning rate."""

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
    # stepped recursively, as torch does, the cosine comes back to 1.0000000000000042 (torch's
    # value too) rather than exactly 1
    assert cosine[0] == 1.0 and cosine[10] == pytest.approx(0.1)
    assert cosine[20] == pytest.approx(1.0, rel=1e-14)


def test_state_dict_round_trip():
    """A checkpoint holds the optimizer's state (the current lr) and the scheduler's (the
    epoch): restored into fresh ones, training goes on as if it had never stopped."""
    def make(step_size):
        optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
        return optimizer, lr_scheduler.StepLR(optimizer, step_size=step_size)

    optimizer, scheduler = make(2)
    for _ in range(3):
        scheduler.step()
    checkpoint = (optimizer.state_dict(), scheduler.state_dict())
    restored_optimizer, restored = make(5)
    restored_optimizer.load_state_dict(checkpoint[0])
    restored.load_state_dict(checkpoint[1])
    assert restored.last_epoch == 3 and restored.step_size == 2
    for _ in range(3):
        scheduler.step()
        restored.step()
        assert restored.get_last_lr() == scheduler.get_last_lr()
    assert restored.get_last_lr() == pytest.approx([1e-4])


def test_bad_arguments():
    optimizer = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="StepLR: step_size must be positive, got 0"):
        lr_scheduler.StepLR(optimizer, step_size=0)
    with pytest.raises(ValueError, match="CosineAnnealingLR: T_max must be positive"):
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=0)
    with pytest.raises(TypeError, match="ExponentialLR: expected an Optimizer, got list"):
        lr_scheduler.ExponentialLR([], gamma=0.9)


def run_schedulers(library, schedulers, lr=1.0, steps=EPOCHS, manual=None):
    """The lr after each epoch, with every scheduler of `schedulers` [(name, options)] stepping
    the same optimizer; `manual` {epoch: lr} sets group["lr"] by hand after that epoch."""
    if library == "torch":
        torch = pytest.importorskip("torch")
        params, module = [torch.zeros(1, requires_grad=True)], torch.optim
    else:
        params, module = [tg.zeros(1, requires_grad=True)], optim
    optimizer = module.SGD(params, lr=lr)
    made = [getattr(module.lr_scheduler, name)(optimizer, **options)
            for name, options in schedulers]
    seen = [optimizer.param_groups[0]["lr"]]
    for epoch in range(1, steps + 1):
        optimizer.step()
        for scheduler in made:
            scheduler.step()
        if manual and epoch in manual:
            optimizer.param_groups[0]["lr"] = manual[epoch]
        seen.append(optimizer.param_groups[0]["lr"])
    return np.array(seen)


def test_exponential_and_step_compose_as_in_torch():
    both = [("ExponentialLR", dict(gamma=0.9)), ("StepLR", dict(step_size=2, gamma=0.1))]
    ours = run_schedulers("ours", both, steps=4)
    np.testing.assert_allclose(ours, [1.0, 0.9, 0.081, 0.0729, 0.006561], rtol=1e-12)
    np.testing.assert_allclose(ours, run_schedulers("torch", both, steps=4), rtol=1e-12)


COMPOSITIONS = [
    [("ExponentialLR", dict(gamma=0.9)), ("StepLR", dict(step_size=2, gamma=0.1))],
    [("StepLR", dict(step_size=3, gamma=0.5)), ("CosineAnnealingLR", dict(T_max=6))],
    [("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)), ("ExponentialLR", dict(gamma=0.95))],
]


@pytest.mark.parametrize("schedulers", COMPOSITIONS)
def test_compositions_match_torch_over_20_epochs(schedulers):
    np.testing.assert_allclose(run_schedulers("ours", schedulers, steps=20),
                               run_schedulers("torch", schedulers, steps=20),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("name", "options"), SCHEDULES)
def test_a_manual_change_of_the_lr_is_kept_as_in_torch(name, options):
    manual = {5: 0.3, 12: 0.05}  # e.g. a user halving the lr after a plateau
    ours = run_schedulers("ours", [(name, options)], steps=20, manual=manual)
    np.testing.assert_allclose(ours, run_schedulers("torch", [(name, options)], steps=20,
                                                    manual=manual), rtol=1e-12, atol=1e-15)
    assert ours[5] == 0.3 and ours[6] != run_schedulers("ours", [(name, options)], steps=6)[6]
