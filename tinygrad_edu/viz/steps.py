"""Backpropagation, one op at a time: the steps a learner follows with a finger.

    steps = backprop_steps(loss, module=model)
    for step in steps:
        print(step.phase, step.op, step.inputs, "->", step.output)

The forward steps are the ops in an order they ran in (`graph.forward_order`).
The backward steps are the engine's: `autograd.topological_order`, each op's
rule called once with the summed gradient of its output, each result summed back
over the axes broadcasting added (`broadcast.unbroadcast`). This module runs that
walk itself, calling the same rules on the retained graph, so that it can keep
every intermediate number; it never touches a tensor's `.grad`, runs no hooks
and frees nothing, so it can be run any number of times, before or after
`backward(retain_graph=True)`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tinygrad_edu import autograd
from tinygrad_edu.broadcast import summed_axes, unbroadcast
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.graph import (
    Names,
    backward_steps,
    check_root,
    forward_order,
    reachable_tensors,
    tensor_labels,
    tensor_names,
)

if TYPE_CHECKING:
    from tinygrad_edu.nn import Module


@dataclass(eq=False)
class Step:
    """One op application, seen in the forward or in the backward pass.

    phase        "forward" or "backward"
    op           the op's name ("mul")
    formula      the op and its derivative as its docstring states them
                 ("y = a * b;  dL/da = g * b,  dL/db = g * a")
    inputs       a label per input: the tensor's name, else "#k" (its backward number)
    output       the label of the tensor the op produced
    values       the output's values
    Backward steps only (None in forward steps):
    upstream     dL/d output, the g of the formula
    input_grads  per input, the contribution the rule sends it (None where none is sent)
    accumulated  per input that receives from several consumers, its running sum
                 after this contribution (None for the others)
    summed_axes  per input, the axes summed to undo broadcasting (() where none)
    """

    phase: str
    op: str
    formula: str
    inputs: list[str]
    output: str
    values: np.ndarray
    upstream: np.ndarray | None = None
    input_grads: list[np.ndarray | None] | None = None
    accumulated: list[np.ndarray | None] | None = None
    summed_axes: list[tuple[int, ...]] | None = None
    tensor: Tensor | None = field(default=None, repr=False)
    """The output Tensor itself: how the stepper finds the step's nodes in the drawing."""


def formula(function: type[autograd.Function]) -> str:
    """The first paragraph of an op's docstring, on one line: what it computes and
    its derivative."""
    paragraph = (function.__doc__ or function.name).strip().split("\n\n")[0]
    return " ".join(paragraph.split())


# ------------------------------------------------------------- the backward walk


@dataclass
class _Visit:
    """What one backward step computed, before the running sums are known."""

    tensor: Tensor
    upstream: np.ndarray
    contributions: list[np.ndarray | None]
    summed: list[tuple[int, ...]]


@dataclass
class BackwardPass:
    """The whole backward pass from one output: every visit, and every tensor's gradient."""

    visits: list[_Visit]
    gradients: dict[int, np.ndarray]  # id(tensor) -> dL/dtensor, for each one reached


def seed(root: Tensor) -> np.ndarray:
    """dL/droot where backward starts: 1 for a scalar, and ones for any other shape
    (so the gradients are those of L = root.sum())."""
    return np.ones_like(root.data)


def run_backward(root: Tensor, caller: str = "backprop_steps") -> BackwardPass:
    """Walk the graph in the engine's order, calling each op's rule on the retained graph."""
    check_root(root, caller)
    reachable_tensors(root, caller)  # a clear error if backward() freed part of the graph
    if not root.requires_grad:
        raise ValueError(f"{caller}: the root (shape {root.shape}) does not require grad, "
                         "so no gradient flows back from it: it has no backward pass")
    pending: dict[int, np.ndarray] = {id(root): seed(root)}
    visits = []
    with autograd.no_grad():
        for tensor in autograd.topological_order([root]):
            upstream = pending.get(id(tensor))
            if upstream is None or tensor._op is None:
                continue
            contributions, summed = rule_results(tensor, upstream)
            for parent, contribution in zip(tensor._parents, contributions):
                if contribution is not None:
                    previous = pending.get(id(parent))
                    pending[id(parent)] = (contribution if previous is None
                                           else previous + contribution)
            visits.append(_Visit(tensor, upstream, contributions, summed))
    return BackwardPass(visits, pending)


def rule_results(tensor: Tensor, upstream: np.ndarray
                 ) -> tuple[list[np.ndarray | None], list[tuple[int, ...]]]:
    """What the backward rule of the op that made `tensor` sends each input, summed
    back to the input's shape and cast to its dtype as the engine does, and the axes
    that sum undid."""
    op = tensor._op
    results = op.backward(autograd.Context(tensor), upstream)
    if type(results) is not tuple:
        results = (results,)
    if len(results) != len(tensor._parents):
        raise RuntimeError(f"{op.name}.backward returned {len(results)} gradients "
                           f"for {len(tensor._parents)} inputs")
    contributions: list[np.ndarray | None] = []
    summed: list[tuple[int, ...]] = []
    for parent, result in zip(tensor._parents, results):
        if result is None or not parent.requires_grad:
            contributions.append(None)
            summed.append(())
            continue
        result = np.asarray(result)
        axes = ()
        if op.broadcasts and result.shape != parent.shape:
            axes = summed_axes(result.shape, parent.shape)
            result = unbroadcast(result, parent.shape)
        contributions.append(result.astype(parent.dtype, copy=False))
        summed.append(axes)
    return contributions, summed


def node_gradients(root: Tensor, caller: str = "node_gradients") -> dict[int, np.ndarray]:
    """id(tensor) -> dL/dtensor for every tensor the backward pass from `root` reaches,
    intermediates included, computed from the retained graph (no `.grad` is touched)."""
    return run_backward(root, caller).gradients


# ------------------------------------------------------------------ the steps


def backprop_steps(root: Tensor, *, params: Names = None,
                   module: Module | None = None) -> list[Step]:
    """The forward pass in the order the ops ran, then the backward pass in the
    engine's order, one Step per op application.

    params / module name the tensors as in `draw_graph`. The graph must still
    exist: call it before `backward()`, or after `backward(retain_graph=True)`.
    A root that is not a scalar starts backward from ones (L = root.sum()).
    """
    backward = run_backward(root, "backprop_steps")
    labels = tensor_labels(reachable_tensors(root, "backprop_steps"),
                           tensor_names(params, module), backward_steps(root))
    forward = [_forward_step(tensor, labels) for tensor in forward_order(root)]
    return forward + _backward_steps(backward.visits, labels)


def _forward_step(tensor: Tensor, labels: dict[int, str]) -> Step:
    return Step(
        phase="forward",
        op=tensor._op.name,
        formula=formula(tensor._op),
        inputs=[labels[id(parent)] for parent in tensor._parents],
        output=labels[id(tensor)],
        values=np.array(tensor.data),
        tensor=tensor,
    )


def _backward_steps(visits: list[_Visit], labels: dict[int, str]) -> list[Step]:
    """Steps from the visits, with the running sum at each input that has several consumers."""
    consumers = Counter(id(parent) for visit in visits
                        for parent, c in zip(visit.tensor._parents, visit.contributions)
                        if c is not None)
    running: dict[int, np.ndarray] = {}
    steps = []
    for visit in visits:
        tensor = visit.tensor
        accumulated: list[np.ndarray | None] = []
        for parent, contribution in zip(tensor._parents, visit.contributions):
            if contribution is None or consumers[id(parent)] < 2:
                accumulated.append(None)
                continue
            previous = running.get(id(parent))
            running[id(parent)] = contribution if previous is None else previous + contribution
            accumulated.append(running[id(parent)])
        steps.append(Step(
            phase="backward",
            op=tensor._op.name,
            formula=formula(tensor._op),
            inputs=[labels[id(parent)] for parent in tensor._parents],
            output=labels[id(tensor)],
            values=np.array(tensor.data),
            upstream=visit.upstream,
            input_grads=visit.contributions,
            accumulated=accumulated,
            summed_axes=visit.summed,
            tensor=visit.tensor,
        ))
    return steps
