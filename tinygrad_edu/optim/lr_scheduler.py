"""Learning-rate schedules: change each param group's "lr" as training goes on.

Call `scheduler.step()` once per epoch, after `optimizer.step()`:

    scheduler = StepLR(optimizer, step_size=10, gamma=0.1)
    for epoch in range(30):
        train_one_epoch(...)
        scheduler.step()

Each schedule is a closed formula of the epoch count t (`last_epoch`) and of the
learning rate each group had when the scheduler was made (η₀, `base_lrs`).
PyTorch computes the same values recursively; the two agree as long as nothing
else changes the learning rate.
"""

from __future__ import annotations

import math
from typing import Any

from tinygrad_edu.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses give the learning rate at epoch t in `lr_at`.

    Building a scheduler sets t = 0 (each group keeps its learning rate η₀);
    each `step()` adds 1 to t and writes the new rates into the optimizer.
    """

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = list(self.base_lrs)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define lr_at()")

    def step(self) -> None:
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last `step()`."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


def _check_positive(scheduler: str, name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{scheduler}: {name} must be positive, got {value}")


class StepLR(LRScheduler):
    """η_t = η₀ · γ^⌊t / step_size⌋: multiply by γ every `step_size` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        _check_positive("StepLR", "step_size", step_size)
        _check_positive("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """η_t = η₀ · γᵗ: multiply by γ every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float):
        _check_positive("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """η_t = η_min + (η₀ - η_min) · (1 + cos(π t / T_max)) / 2.

    Half a cosine from η₀ down to η_min over T_max epochs (after that the
    cosine goes on, back up towards η₀, as in PyTorch).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        _check_positive("CosineAnnealingLR", "T_max", T_max)
        if eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        cosine = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return self.eta_min + (base_lr - self.eta_min) * cosine
