"""Learning-rate schedules: change each param group's "lr" as training goes on.

Call `scheduler.step()` once per epoch, after `optimizer.step()`:

    scheduler = StepLR(optimizer, step_size=10, gamma=0.1)
    for epoch in range(30):
        train_one_epoch(...)
        scheduler.step()

Each `step()` changes the learning rate the group has *now*, as PyTorch's
schedulers do (their "chainable" form): StepLR multiplies it by γ every
`step_size` epochs, ExponentialLR by γ every epoch, CosineAnnealingLR moves it
one step along the cosine. So schedulers compose (two on one optimizer apply
both factors each epoch), and a learning rate you set by hand in
`group["lr"]` is where the schedule goes on from. With one scheduler and no
manual change, the rate at epoch t follows the closed formula in each class's
docstring, where η₀ is the group's learning rate before any scheduler was built
(`base_lrs`, stored in the group as "initial_lr", as PyTorch does).
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses give a group's next learning rate in `next_lr`.

    Building a scheduler sets t = 0 (`last_epoch`; each group keeps its learning
    rate); each `step()` adds 1 to t and writes the new rates into the optimizer.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # the first scheduler built records η₀
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def next_lr(self, lr: float, base_lr: float) -> float:
        """The learning rate for epoch `last_epoch`, from the group's current `lr`."""
        raise NotImplementedError(f"{type(self).__name__} must define next_lr()")

    def step(self) -> None:
        """Move to the next epoch: update every group's "lr" from its current value."""
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.next_lr(group["lr"], base_lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last `step()`."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (whose own state_dict holds the current rates)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned."""
        self.__dict__.update(state_dict)


def _check_positive(scheduler: str, name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{scheduler}: {name} must be positive, got {value}")


class StepLR(LRScheduler):
    """Multiply the lr by γ every `step_size` epochs: η_t = η₀ · γ^⌊t / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        _check_positive("StepLR", "step_size", step_size)
        _check_positive("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def next_lr(self, lr: float, base_lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """Multiply the lr by γ every epoch: η_t = η₀ · γᵗ."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        _check_positive("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def next_lr(self, lr: float, base_lr: float) -> float:
        return lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from η₀ down to η_min over T_max epochs:

        η_t = η_min + (η₀ - η_min) · (1 + cos(π t / T_max)) / 2

    (after that the cosine goes on, back up towards η₀, as in PyTorch). Each step
    scales the distance to η_min by the ratio of two consecutive cosine values,
    which gives that formula when nothing else changes the lr.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        _check_positive("CosineAnnealingLR", "T_max", T_max)
        if eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def next_lr(self, lr: float, base_lr: float) -> float:
        t, T = self.last_epoch, self.T_max
        if (t - 1 - T) % (2 * T) == 0:
            # just past the minimum, where the ratio below would divide by 1 + cos(π) = 0:
            # add the cosine's rise over one epoch instead
            return lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return self.eta_min + (lr - self.eta_min) * ratio
