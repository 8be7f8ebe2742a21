"""The computation graph as lists: which tensors it holds, in which orders, and their names.

Everything in viz starts here. A graph is reached from its output through each
tensor's `_parents`; these walks are loops, not recursion, so a chain of
100,000 ops is fine.

* `reachable_tensors`: every tensor, nearest the output first (what a drawing keeps).
* `backward_steps`: the number #k the engine's backward pass gives each tensor.
* `forward_order`: every op output, each after its inputs (the forward pass).
* `tensor_names` / `tensor_labels`: what each tensor is called in a drawing or a step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from tinygrad_edu import autograd
from tinygrad_edu.tensor import Tensor

if TYPE_CHECKING:
    from tinygrad_edu.nn import Module

Names = Mapping[str, Tensor] | Iterable[tuple[str, Tensor]] | None


def check_root(root: object, caller: str) -> None:
    """A TypeError naming `caller` unless `root` is a Tensor."""
    if not isinstance(root, Tensor):
        raise TypeError(f"{caller}: root must be a Tensor, got {type(root).__name__}")


def reachable_tensors(root: Tensor, caller: str = "draw_graph") -> list[Tensor]:
    """`root` and every tensor it was computed from, each once, breadth first:
    a tensor comes before the tensors that are further from the output.

    Raises RuntimeError (naming `caller`) when part of the graph was freed by `backward()`.
    """
    order = [root]
    seen = {id(root)}
    position = 0
    while position < len(order):  # `order` is the queue: it grows while we read it
        tensor = order[position]
        position += 1
        if tensor._op is None:
            continue
        if tensor._parents is None:  # freed by backward()
            raise RuntimeError(
                f"{caller}: the graph through '{tensor._op.name}' was freed by backward(). "
                "Call backward(retain_graph=True) to keep it, "
                f"or call {caller} before backward()."
            )
        for parent in tensor._parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                order.append(parent)
    return order


def backward_steps(root: Tensor) -> dict[int, int]:
    """id(tensor) -> k when the backward pass from `root` visits that tensor k-th.

    This is the engine's own order (`autograd.topological_order`), so the numbers
    in a drawing are exactly the order in which `backward()` works. Constants get
    no number: no gradient flows into them.
    """
    if not root.requires_grad:
        return {}
    order = autograd.topological_order([root])
    return {id(tensor): step for step, tensor in enumerate(order, start=1)}


def forward_order(root: Tensor) -> list[Tensor]:
    """Every tensor an op produced on the way to `root`, in the order the ops ran
    (each op result is numbered when the op is recorded: `_sequence`)."""
    produced: list[Tensor] = []
    visited: set[int] = set()
    stack = [root]
    while stack:
        tensor = stack.pop()
        if id(tensor) in visited or tensor._op is None:
            continue
        visited.add(id(tensor))
        produced.append(tensor)
        stack.extend(tensor._parents)
    return sorted(produced, key=lambda t: t._sequence)


def tensor_names(params: Names, module: Module | None) -> dict[int, str]:
    """id(tensor) -> name, from the module's parameters and buffers, then `params`."""
    named: dict[str, Tensor] = {}
    if module is not None:
        named.update(module.named_parameters())
        named.update(module.named_buffers())
    if params is not None:
        named.update(params)
    return {id(tensor): name for name, tensor in named.items()}


def tensor_labels(tensors: Iterable[Tensor], names: dict[int, str],
                  steps: dict[int, int]) -> dict[int, str]:
    """id(tensor) -> the short label a step uses: its name, else "#k" (its backward
    number), else for a constant its value ("2") or "constant(8, 1)"."""
    labels = {}
    for tensor in tensors:
        name = names.get(id(tensor), tensor.name)
        if name:
            labels[id(tensor)] = name
        elif id(tensor) in steps:
            labels[id(tensor)] = f"#{steps[id(tensor)]}"
        elif tensor.ndim == 0:
            value = tensor.data.item()
            labels[id(tensor)] = f"{value:g}" if isinstance(value, float) else str(value)
        else:
            labels[id(tensor)] = f"constant{tensor.shape}"
    return labels
