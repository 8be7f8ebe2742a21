"""The reverse-mode engine: ops as `Function` classes, grad modes, and backpropagation.

How it fits together:

* An op is a `Function` subclass with two static methods. `forward(ctx, *arrays,
  **params)` computes on NumPy arrays. `backward(ctx, grad_output)` returns one
  gradient per input. It is written once, with operations that NumPy arrays and
  Tensors share (see ops/tensor_or_array.py): an ordinary backward runs it on
  arrays, at the cost of the arithmetic alone, and `create_graph=True` runs it
  on Tensors, so the backward pass is itself a graph and can be differentiated.
* `Function.apply` runs `forward` and, when grad mode is on and an input
  requires grad, links the output Tensor to a `Context` that remembers the
  inputs. Those links are the computation graph.
* `backpropagate` visits the graph in `topological_order` (every node before the
  nodes it was computed from), calls each op's `backward` once with the summed
  gradient of its output, and hands the results to the op's inputs.
  Gradients travel as arrays, or as Tensors when `create_graph=True`.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

# tensor.py imports this module; the engine only needs Tensor at run time, so it
# refers to it through the module object and the import cycle stays harmless.
from tinygrad_edu import tensor as tensor_module

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

Gradient = Any
"""A gradient in flight: a NumPy array (or NumPy scalar) in an ordinary backward,
a Tensor under create_graph=True."""

OPS: dict[str, type[Function]] = {}
"""The op registry: op name -> Function class. Tests and docs walk it."""


class _Modes:
    """Global switches: is a graph recorded, are NaN/inf checked for, and which
    Module (if any) is running its forward pass."""

    grad_enabled = True
    anomaly_detection = False
    running_backward = False
    current_module: Any = None


def is_grad_enabled() -> bool:
    return _Modes.grad_enabled


class _Switched:
    """Set one of the `_Modes` switches inside a `with` block and put the old value
    back after; used on a function (`@no_grad()`), it does so around every call.

    A small class rather than a generator-based context manager: every backward
    pass enters two, and this costs a third as much.
    """

    __slots__ = ("mode", "value", "previous")

    def __init__(self, mode: str, value: Any):
        self.mode = mode
        self.value = value

    def __enter__(self) -> None:
        self.previous = getattr(_Modes, self.mode)
        setattr(_Modes, self.mode, self.value)

    def __exit__(self, *exception: Any) -> None:
        setattr(_Modes, self.mode, self.previous)

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def switched(*args, **kwargs):
            with _Switched(self.mode, self.value):  # a fresh one: the call may recurse
                return function(*args, **kwargs)

        return switched


def set_grad_enabled(enabled: bool):
    """Context manager (or decorator): record the graph inside it, or not."""
    return _Switched("grad_enabled", enabled)


def no_grad():
    """Context manager (or decorator): ops inside it record no graph."""
    return set_grad_enabled(False)


def enable_grad():
    """Context manager (or decorator): record the graph again, e.g. inside `no_grad`."""
    return set_grad_enabled(True)


def detect_anomaly():
    """Raise FloatingPointError when an op produces NaN or inf, in forward or backward.

    The message names the op and shows where in the user's code it was created.
    Recording that place costs time, so this is a debugging tool, off by default.
    """
    return _Switched("anomaly_detection", True)


def call_in_module(module: Any, forward: Callable, args: tuple, kwargs: dict) -> Any:
    """`forward(*args, **kwargs)`, with the ops it records marked as belonging to
    `module` (nn.Module.__call__ uses this), so the graph drawing can box each
    layer's ops together. A plain try/finally: every layer call passes here."""
    outer = _Modes.current_module
    _Modes.current_module = module
    try:
        return forward(*args, **kwargs)
    finally:
        _Modes.current_module = outer


class Context:
    """What one op application remembers for its backward pass.

    `parents` are the input Tensors: the graph's edges. A backward rule reads
    the other five: `inputs` and `output`, the arrays the op computed from and
    produced; `params`, the op's keyword parameters (axis, exponent, ...);
    `saved`, whatever extra arrays `forward` kept; and `needs_input_grad`.
    Under create_graph=True the rule gets `with_tensors(output)` instead, the
    same five with Tensors in place of the arrays. `module` is the innermost
    nn.Module whose forward recorded the op (None outside one).
    """

    __slots__ = (
        "function", "parents", "inputs", "output", "params", "needs_input_grad", "saved",
        "freed", "created_at", "module",
    )

    def __init__(self, function: type[Function], parents: tuple[Tensor, ...],
                 inputs: list[np.ndarray], params: dict):
        self.function = function
        self.parents = parents
        self.inputs = inputs
        self.output: np.ndarray | None = None
        self.params = params
        self.needs_input_grad: tuple[bool, ...] = ()
        self.saved: Any = None
        self.freed = False
        self.created_at: list[traceback.FrameSummary] | None = None
        self.module = _Modes.current_module

    def free(self) -> None:
        """Drop everything backward needed; the op name stays for error messages."""
        self.parents = ()
        self.inputs = []
        self.output = None
        self.saved = None
        self.freed = True

    def with_tensors(self, output: Tensor) -> TensorContext:
        """What the backward rule sees under create_graph=True: Tensors, not arrays,
        so the gradient it computes is itself recorded in a graph."""
        return TensorContext(self.parents, output, self.params, self.saved,
                             self.needs_input_grad)


class TensorContext:
    """A Context's five fields for a backward rule, with the input and output
    Tensors in place of their arrays: a rule run on these records a graph."""

    __slots__ = ("inputs", "output", "params", "saved", "needs_input_grad")

    def __init__(self, inputs: tuple[Tensor, ...], output: Tensor, params: dict,
                 saved: Any, needs_input_grad: tuple[bool, ...]):
        self.inputs = inputs
        self.output = output
        self.params = params
        self.saved = saved
        self.needs_input_grad = needs_input_grad


class Function:
    """One differentiable op. Subclasses set `name` and write `forward`/`backward`."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, register: bool = True, **kwargs):
        """Add the op to OPS. `class Foo(Function, register=False)` keeps an
        experimental op out of the registry (and out of the registry's tests)."""
        super().__init_subclass__(**kwargs)
        if not register:
            return
        if not cls.name:
            raise TypeError(f"{cls.__qualname__} must set a `name` for the op registry")
        if cls.name in OPS:
            raise ValueError(f"op name {cls.name!r} is registered twice")
        OPS[cls.name] = cls

    @staticmethod
    def forward(ctx: Context | None, *arrays: np.ndarray, **params) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context | TensorContext, grad_output: Gradient) -> Gradient | tuple:
        """One gradient per input (None for an input that needs none), as arrays when
        `ctx` is the Context and as Tensors when it is a TensorContext."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **params) -> Tensor:
        """Run forward on the inputs' arrays and, if needed, record the op in the graph."""
        arrays = [t.data for t in inputs]
        ctx = Context(cls, inputs, arrays, params)
        data = cls.forward(ctx, *arrays, **params)
        if type(data) is not np.ndarray:  # NumPy returns scalars for 0-d results
            data = np.asarray(data)
        if _Modes.anomaly_detection and not _Modes.running_backward:
            ctx.created_at = _user_frames()
            _raise_if_not_finite(data, f"{cls.name} produced {{what}} in forward", ctx)
        # A graph is recorded when grad mode is on, the result is a float and an
        # input requires grad (checked in that order: the cheapest test first).
        if _Modes.grad_enabled and data.dtype.kind == "f":
            needs_input_grad = tuple([t._requires_grad for t in inputs])
            if True in needs_input_grad:
                ctx.needs_input_grad = needs_input_grad
                ctx.output = data
                return tensor_module.Tensor._from_op(data, ctx)
        return tensor_module.Tensor._from_op(data, None)


def _user_frames(keep: int = 4) -> list[traceback.FrameSummary]:
    """The last few stack frames outside this package: where the user applied the op."""
    package = os.path.dirname(__file__)
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(package)]
    return frames[-keep:]


def _raise_if_not_finite(array: np.ndarray, message: str, ctx: Context) -> None:
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return
    what = "nan" if np.isnan(array).any() else "inf"
    where = "".join(traceback.format_list(ctx.created_at or []))
    raise FloatingPointError(
        f"detect_anomaly: {message.format(what=what)}; the op was created at:\n{where}"
    )


def topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Every tensor that requires grad and is reachable from `roots`, each listed
    before the tensors it was computed from (so the roots come first).

    An explicit stack instead of recursion, so a chain of 100,000 ops is fine.
    Raises RuntimeError when the walk meets a part freed by an earlier backward.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False) for root in roots]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        ctx = node._ctx
        if ctx is None:  # a leaf has no inputs to wait for
            order.append(node)
            continue
        if ctx.freed:
            raise RuntimeError(
                f"backward: the graph through '{ctx.function.name}' was already freed by an "
                "earlier backward(); pass retain_graph=True to the first call to backprop twice"
            )
        stack.append((node, True))
        for parent in ctx.parents:
            if parent._requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order


def backpropagate(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    wanted: Sequence[Tensor] | None = None,
) -> dict[int, Tensor]:
    """Push `root_grads` from `roots` back through the graph.

    With `wanted=None` (what `Tensor.backward` does) gradients accumulate into
    the `.grad` of every leaf that requires grad. Otherwise (what `grad()` does)
    no `.grad` is touched and the gradients of the `wanted` tensors are returned,
    keyed by `id`.
    """
    order = topological_order(roots)
    wanted_ids = None if wanted is None else {id(t) for t in wanted}
    pending: dict[int, Gradient] = {}
    for root, grad in zip(roots, root_grads):
        _accumulate(pending, root, grad if create_graph else grad.data)
    found: dict[int, Gradient] = {}
    # Rules record a graph only for create_graph. Inside a rule, detect_anomaly
    # checks what the rule returns (naming the op whose backward it is), not each
    # small op the rule is written with.
    with _Switched("running_backward", True), set_grad_enabled(create_graph):
        _backward_pass(order, pending, found, wanted_ids, retain_graph, create_graph)
    return {key: _as_tensor(grad) for key, grad in found.items()}


def _backward_pass(order, pending, found, wanted_ids, retain_graph, create_graph) -> None:
    """Visit the nodes in topological order, each once, with its summed gradient."""
    for node in order:
        grad = pending.pop(id(node), None)
        if grad is None:
            continue
        if wanted_ids is not None and id(node) in wanted_ids:
            found[id(node)] = grad
        ctx = node._ctx
        if ctx is None:
            if wanted_ids is None:
                node.grad = _as_tensor(grad) if node.grad is None else node.grad + grad
            continue
        rule_ctx = ctx.with_tensors(node) if create_graph else ctx
        for parent, parent_grad in zip(ctx.parents, _call_backward(ctx, rule_ctx, grad)):
            if parent_grad is not None and parent._requires_grad:
                _accumulate(pending, parent, _checked_gradient(ctx, parent, parent_grad))
        if not retain_graph:
            ctx.free()


def _call_backward(ctx: Context, rule_ctx: Context | TensorContext, grad: Gradient) -> tuple:
    """The op's backward, always as a tuple with one entry per input."""
    try:
        grads = ctx.function.backward(rule_ctx, grad)
    except (AttributeError, TypeError) as error:
        if rule_ctx is not ctx:
            raise
        # Most likely a rule that calls a Tensor-only method (x.sigmoid(), x.data).
        raise type(error)(
            f"{ctx.function.name}.backward: {error}. An ordinary backward() runs every rule "
            "on NumPy arrays, so a rule may use only what arrays and Tensors share: the "
            "operators, .sum/.reshape/.transpose/.T/.astype, indexing, and the functions "
            "in tinygrad_edu.ops.tensor_or_array"
        ) from error
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(ctx.parents):
        raise RuntimeError(f"{ctx.function.name}.backward returned {len(grads)} gradients "
                           f"for {len(ctx.parents)} inputs")
    return grads


def _checked_gradient(ctx: Context, parent: Tensor, grad: Gradient) -> Gradient:
    """A gradient a backward rule returned, checked against its input (and cast to its dtype)."""
    if grad.shape != parent.data.shape:
        raise RuntimeError(f"{ctx.function.name}.backward returned a gradient of shape "
                           f"{grad.shape} for an input of shape {parent.shape}")
    if grad.dtype != parent.data.dtype:
        grad = grad.astype(parent.data.dtype)
    if _Modes.anomaly_detection:
        _raise_if_not_finite(values(grad), f"{ctx.function.name} produced {{what}} in backward",
                             ctx)
    return grad


def _accumulate(pending: dict[int, Gradient], node: Tensor, grad: Gradient) -> None:
    previous = pending.get(id(node))
    pending[id(node)] = grad if previous is None else previous + grad


def values(x: Gradient) -> np.ndarray:
    """The numbers themselves: the array inside a Tensor, or the array as it is.
    Backward rules use it for constants computed from values (a mask, a sign)."""
    return x.data if isinstance(x, tensor_module.Tensor) else x


def _as_tensor(grad: Gradient) -> Tensor:
    """A gradient handed to the user (in `.grad` or from `grad()`) is always a Tensor."""
    if isinstance(grad, tensor_module.Tensor):
        return grad
    return tensor_module.constant(grad)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor, ...]:
    """Gradients of `outputs` with respect to `inputs`, returned rather than
    accumulated into `.grad` (the functional form of `backward`).

    `grad_outputs` weights each output (the "vector" of a vector-Jacobian
    product); it may be left out for scalar outputs. With `create_graph=True`
    the returned gradients are themselves differentiable. An input that the
    outputs do not depend on raises unless `allow_unused=True`, which gives zeros.
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {t.shape} does not require grad")
    seeds = [seed_gradient(out, g, "grad") for out, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    found = backpropagate(outputs, seeds, retain, create_graph, wanted=inputs)
    results = []
    for i, t in enumerate(inputs):
        if id(t) in found:
            results.append(found[id(t)])
        elif allow_unused:
            results.append(tensor_module.zeros_like(t))
        else:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) is not used to compute the outputs; "
                "pass allow_unused=True to get zeros for it"
            )
    return tuple(results)


def seed_gradient(output: Tensor, grad_output: Tensor | None, caller: str) -> Tensor:
    """The gradient that starts backpropagation at `output`: ones for a scalar."""
    if not output.requires_grad:
        raise RuntimeError(
            f"{caller}: the tensor does not require grad and has no graph "
            "(was it computed under no_grad, or from tensors without requires_grad?)"
        )
    if grad_output is None:
        if output.size != 1:
            raise RuntimeError(
                f"{caller}: the output has shape {output.shape}; gradients can be created "
                "implicitly only for scalar outputs, so pass a gradient of that shape"
            )
        return tensor_module.constant(np.ones_like(output.data))
    grad_output = tensor_module.as_tensor(grad_output, like=output)
    if grad_output.shape != output.shape:
        raise RuntimeError(
            f"{caller}: the gradient has shape {grad_output.shape} "
            f"but the output has shape {output.shape}"
        )
    return grad_output


def _as_tuple(value) -> tuple:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)
