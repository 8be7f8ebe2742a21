"""Module: the base class of every layer and model.

A Module is a tree. Its leaves hold Tensors; its inner nodes hold other Modules.
Assigning an attribute is enough to build the tree:

    class TwoLayer(Module):
        def __init__(self):
            super().__init__()
            self.hidden = Linear(4, 8)   # a Module -> a child, named "hidden"
            self.out = Linear(8, 1)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

Then `named_parameters()` walks the tree and yields "hidden.weight",
"hidden.bias", "out.weight", "out.bias", the same keys PyTorch would use.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.autograd import call_in_module, no_grad
from tinygrad_edu.tensor import Tensor


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped (PyTorch returns the same pair)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """A differentiable function with state: parameters, buffers and child modules.

    * A Tensor with `requires_grad=True` assigned to an attribute is a
      **parameter**: the optimizer updates it.
    * A Tensor given to `register_buffer` is a **buffer**: state saved in the
      state dict but not trained (BatchNorm's running mean, for instance).
    * A Module assigned to an attribute is a **child**.

    Subclasses write `forward`; calling the module runs it. Gradients are never
    written by hand here: `forward` is made of Tensor ops, and the engine
    differentiates them.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ------------------------------------------------- registration by assignment

    def __setattr__(self, name: str, value: Any) -> None:
        # The tables say what an attribute is; every attribute also lives in the
        # instance __dict__, so reading `self.weight` is an ordinary attribute lookup.
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if name in self._parameters and value is not None:
            self._check_parameter(name, value)
        table = self._table_for(name, value)
        for other in (self._parameters, self._buffers, self._modules):
            if other is not table:
                other.pop(name, None)
        if table is not None:
            table[name] = value  # a name already in the table keeps its place
        object.__setattr__(self, name, value)

    def _table_for(self, name: str, value: Any) -> dict | None:
        """Where an attribute is registered: a Module is a child, a leaf Tensor that
        requires grad a parameter, a Tensor assigned to a buffer's name a buffer."""
        if isinstance(value, Module):
            return self._modules
        if name in self._buffers and isinstance(value, Tensor):
            return self._buffers
        if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
            return self._parameters
        return None

    def _check_parameter(self, name: str, value: Any) -> None:
        """Refuse to replace a parameter with something that is not one (PyTorch does
        too): `w = w - lr * g` under no_grad would silently leave parameters()."""
        if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
            return
        what = type(value).__name__
        if isinstance(value, Tensor):
            what = "a computed Tensor" if value.requires_grad else "a Tensor that does not " \
                   "require grad"
        raise TypeError(
            f"{type(self).__name__}: cannot assign {what} as parameter {name!r} (a leaf "
            "Tensor with requires_grad=True, or None, expected). To update a parameter, "
            f"change it in place: `with tg.no_grad(): module.{name} -= lr * module.{name}.grad`"
        )

    def _forget(self, name: str) -> None:
        """Remove `name` from wherever it is registered, before it is registered anew."""
        for table in (self._parameters, self._buffers, self._modules):
            table.pop(name, None)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor) -> None:
        """Keep `tensor` as state that is saved and loaded but not trained."""
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{type(self).__name__}.register_buffer: {name!r} must be a Tensor, "
                            f"got {type(tensor).__name__}")
        if tensor.requires_grad:
            raise ValueError(f"{type(self).__name__}.register_buffer: buffer {name!r} must not "
                             "require grad (make it a parameter instead)")
        self._forget(name)
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    # ------------------------------------------------------------ walking the tree

    def named_children(self) -> Iterator[tuple[str, Module]]:
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named `prefix`, "" by default) and every descendant, depth first,
        each once, named by its dotted path: "", "0", "1", "1.0", ..."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(_join(name, child_name), child)
                        for child_name, child in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _named_tensors(self, table: str) -> Iterator[tuple[str, Tensor]]:
        """Every tensor in the `table` dicts of the tree, each once, with its dotted name."""
        seen: set[int] = set()
        for module_name, module in self.named_modules():
            for name, tensor in getattr(module, table).items():
                if id(tensor) not in seen:
                    seen.add(id(tensor))
                    yield _join(module_name, name), tensor

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """("0.weight", tensor), ("0.bias", tensor), ...: each parameter once."""
        return self._named_tensors("_parameters")

    def parameters(self) -> Iterator[Tensor]:
        for _, parameter in self.named_parameters():
            yield parameter

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        return self._named_tensors("_buffers")

    def buffers(self) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers():
            yield buffer

    # ------------------------------------------------------------------ state dict

    def state_dict(self) -> dict[str, Tensor]:
        """Every parameter and buffer by dotted name, in PyTorch's order (each module's
        parameters, then its buffers, then its children).

        As in PyTorch the tensors share memory with the module: an optimizer step
        changes them. Copy them (`{k: v.numpy().copy() for k, v in ...}`) to keep a snapshot.
        """
        return {name: tensor.detach() for name, tensor in self._named_state()}

    def _named_state(self) -> Iterator[tuple[str, Tensor]]:
        """The parameters and buffers themselves, by dotted name, in state-dict order."""
        for module_name, module in self.named_modules():
            for table in (module._parameters, module._buffers):
                for name, tensor in table.items():
                    yield _join(module_name, name), tensor

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy the values of `state_dict` into this module's parameters and buffers.

        Values may be Tensors or arrays; they are copied into the existing
        arrays (cast to their dtype), so optimizers holding the parameters keep
        working. Everything is checked first: with `strict=True` a missing or an
        unexpected key raises, and a shape mismatch always raises; the error
        lists every problem and the module is left unchanged.
        """
        own = {name: tensor for name, tensor in self._named_state()}
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        values = {key: np.asarray(value.data if isinstance(value, Tensor) else value)
                  for key, value in state_dict.items() if key in own}
        mismatched = [f"{key}: got shape {values[key].shape}, expected {own[key].shape}"
                      for key in values if values[key].shape != own[key].shape]
        not_numbers = [f"{key}: dtype {values[key].dtype}"
                       for key in values if values[key].dtype.kind not in "biuf"]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if not_numbers:
            problems.append("values that are not numbers: " + "; ".join(not_numbers))
        if problems:
            raise RuntimeError(f"{type(self).__name__}.load_state_dict: "
                               + "\n  ".join(["nothing was loaded", *problems]))
        with no_grad():
            for key, value in values.items():
                own[key].copy_(value)
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ dtype

    def to(self, dtype: Any) -> Module:
        """Cast every floating-point parameter and buffer to the float `dtype`, in
        place, as PyTorch's `module.to(dtype)`; integer buffers (BatchNorm's
        num_batches_tracked) keep theirs. Returns self. Make the optimizer after it:
        the state it has already made keeps the old dtype."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: expected a floating-point dtype, "
                            f"got {dtype}")
        for _, tensor in self._named_state():
            if tensor.dtype.kind == "f" and tensor.dtype != dtype:
                tensor.data = tensor.data.astype(dtype)
                tensor.grad = None
        return self

    def double(self) -> Module:
        """`to(float64)`: what gradient checks of a whole model run in."""
        return self.to(np.float64)

    def float(self) -> Module:
        """`to(float32)`, the default training dtype."""
        return self.to(np.float32)

    # ------------------------------------------------------------------ modes

    def train(self, mode: bool = True) -> Module:
        """Set `training` on this module and all its descendants (Dropout and
        BatchNorm1d read it). Returns self."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Same as `train(False)`."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradients: every parameter's `.grad` becomes None
        (PyTorch's default), or with set_to_none=False is filled with zeros in place."""
        for parameter in self.parameters():
            parameter.zero_grad(set_to_none)

    # ------------------------------------------------------------------ running

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # The recorded ops are tagged with this module, so the graph drawing
        # can put each layer's ops in one box.
        return call_in_module(self, self.forward, args, kwargs)

    # ------------------------------------------------------------------ printing

    @property
    def label(self) -> str:
        """The short name a graph drawing gives the layer: its class name, unless a
        layer says more ("Linear(784→30)", "Conv2d(1→6, 5×5)")."""
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr, e.g. "in_features=3"."""
        return ""

    def __repr__(self) -> str:
        children = [f"({name}): " + repr(child).replace("\n", "\n  ")
                    for name, child in self.named_children()]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = ([self.extra_repr()] if self.extra_repr() else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
