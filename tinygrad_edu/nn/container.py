"""Sequential: layers applied one after the other."""

from __future__ import annotations

from collections.abc import Iterator

from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class Sequential(Module):
    """y = fₙ(...f₂(f₁(x))): the modules are children named "0", "1", ...

    So the state dict keys are "0.weight", "0.bias", "2.weight", ... exactly as
    for the same `torch.nn.Sequential`. `seq[i]`, `len(seq)` and `for layer in seq`
    work as for a list; a slice gives a Sequential that keeps the original names.
    """

    def __init__(self, *modules: Module):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential: {type(module).__name__} is not a Module")
        setattr(self, str(len(self)), module)
        return self

    def __getitem__(self, index: int | slice) -> Module:
        names = list(self._modules)
        if isinstance(index, slice):
            part = Sequential()
            for name in names[index]:
                setattr(part, name, self._modules[name])
            return part
        if not -len(names) <= index < len(names):
            raise IndexError(f"Sequential: index {index} is out of range for {len(names)} modules")
        return self._modules[names[index]]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def forward(self, x: Tensor) -> Tensor:
        for module in self:
            x = module(x)
        return x
