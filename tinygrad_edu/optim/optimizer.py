"""Optimizer: the base class that holds parameters and their per-parameter state.

An optimizer sees only parameters and their `.grad`. One training step is

    optimizer.zero_grad()      # forget the previous gradients
    loss_fn(model(x), y).backward()
    optimizer.step()           # p ← p - (something computed from p.grad)

Parameters live in **param groups**: dicts with a "params" list and the
hyperparameters ("lr", "momentum", ...) that apply to them, as in PyTorch. A
learning-rate scheduler changes `group["lr"]` between steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tinygrad_edu.autograd import enable_grad
from tinygrad_edu.tensor import Tensor

ParamsArgument = Iterable[Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class. Subclasses pass their default hyperparameters to `__init__`,
    check a group in `check_group`, and write the update of one parameter in `update`.

    `params` is an iterable of Tensors (one group) or of dicts, each with a
    "params" entry and optional hyperparameters that override the defaults.
    `state[p]` is a dict of arrays the update keeps for parameter `p` (momentum
    buffers, moment estimates, a step count).
    """

    def __init__(self, params: ParamsArgument, defaults: dict[str, Any]):
        self.defaults = defaults
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        groups = list(params)
        if not groups:
            raise ValueError(f"{self.name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def name(self) -> str:
        return type(self).__name__

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters, with the defaults filled in for missing
        hyperparameters. Everything is checked before the group is added."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{self.name}: a param group must be a dict with a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{self.name}: can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{self.name}: can't optimize a non-leaf Tensor "
                                 f"(shape {p.shape}, made by op {p.op!r})")
        already = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in already for p in params):
            raise ValueError(f"{self.name}: a parameter appears in more than one place")
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"{self.name}: unknown hyperparameters {sorted(unknown)}")
        full = {**self.defaults, **group, "params": params}
        self.check_group(full)
        self.param_groups.append(full)

    def check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError, naming the optimizer, for a bad hyperparameter."""

    def _require(self, condition: bool, message: str) -> None:
        if not condition:
            raise ValueError(f"{self.name}: {message}")

    def _require_nonnegative(self, group: dict[str, Any], *names: str) -> None:
        for name in names:
            self._require(group[name] >= 0, f"invalid {name} {group[name]} (must be >= 0)")

    # ------------------------------------------------------------------ stepping

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's `.grad` to None (PyTorch's default), or with
        set_to_none=False fill it with zeros in place."""
        for p in self._all_params():
            p.zero_grad(set_to_none)

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a gradient, in place. `closure`, if given,
        re-evaluates the loss (and its gradients) first and its result is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # `update` works on the arrays themselves, so no graph is recorded here; each
        # change is counted in the parameter's version, so a backward through a graph
        # recorded before the step raises instead of using the new values.
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self.update(p.data, p.grad.data, self.state.setdefault(p, {}), group)
                    p._count_in_place_change()
        return loss

    def update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        """Change the array `param` in place, given its gradient, state and group."""
        raise NotImplementedError(f"{self.name} must define update()")

    # ------------------------------------------------------------------ state dict

    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: value}}, "param_groups": [{..., "params": [index]}]},
        as in PyTorch: parameters are numbered in the order of the groups. Values are copies."""
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = [{**group, "params": [index[id(p)] for p in group["params"]]}
                  for group in self.param_groups]
        state = {index[id(p)]: _copy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore hyperparameters and state saved by `state_dict` (for the same
        parameters, in the same groups). Checked first; nothing changes on error."""
        groups = state_dict["param_groups"]
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in groups]
        if sizes != saved_sizes:
            raise ValueError(f"{self.name}.load_state_dict: the saved groups have "
                             f"{saved_sizes} parameters, this optimizer's have {sizes}")
        params = self._all_params()
        for i, saved in state_dict["state"].items():
            for key, value in saved.items():
                if np.ndim(value) and np.shape(value) != params[i].shape:
                    raise ValueError(f"{self.name}.load_state_dict: state {key!r} of parameter "
                                     f"{i} has shape {np.shape(value)}, the parameter has "
                                     f"{params[i].shape}")
        self.param_groups = [{**saved, "params": group["params"]}
                             for saved, group in zip(groups, self.param_groups)]
        self.state = {params[i]: _copy(saved) for i, saved in state_dict["state"].items()}

    def _all_params(self) -> list[Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def __repr__(self) -> str:
        lines = [f"{self.name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join(lines) + "\n)"


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    """A copy of one parameter's state that later in-place updates cannot touch."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.items()}
