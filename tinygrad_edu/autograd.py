"""The reverse-mode engine: ops as `Function` classes, grad modes, and backpropagation.

How it fits together:

* An op is a `Function` subclass with two static methods. `forward(*arrays,
  **params)` computes on NumPy arrays. `backward(ctx, grad_output)` returns one
  gradient per input. It is written once, with operations that NumPy arrays and
  Tensors share (see ops/tensor_or_array.py): an ordinary backward runs it on
  arrays, and `create_graph=True` runs it on Tensors, so the backward pass is
  itself a graph and can be differentiated.
* `Function.apply` runs `forward` and, when grad mode is on and an input
  requires grad, records the op in the output Tensor (`_record`): the op, the
  input Tensors, the output's array and the version of each. The output's links
  to its inputs are the computation graph; a Tensor is its node.
* `backpropagate` visits the graph in `topological_order` (every node before the
  nodes it was computed from), calls each op's `backward` once with the summed
  gradient of its output, sums each returned gradient back to its input's shape
  when the op broadcasts, and hands the results to the op's inputs.
* A rule reads its inputs and output through a `Context`, which first checks
  that no in-place operation has changed them since forward: a changed value
  would give a wrong gradient, so backward raises instead.
* Grad mode, anomaly mode and the module tag are per thread, as in PyTorch, and
  per asyncio task: a thread (or task) inside `no_grad()` does not stop another
  from recording its graph.
* Forward mode (see the end of this file and docs/forward-mode.md): inside
  `dual_level()` a tensor may carry a tangent, and `Function.apply` also calls
  the op's `jvp` rule, which gives the output's tangent from the inputs'.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import itertools
import os
import traceback
import types
import weakref
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

# tensor.py imports this module; the engine only needs Tensor at run time, so it
# refers to it through the module object and the import cycle stays harmless.
from tinygrad_edu import tensor as tensor_module
from tinygrad_edu.broadcast import broadcast_shape, unbroadcast

if TYPE_CHECKING:
    from tinygrad_edu.tensor import Tensor

Gradient = Any
"""A gradient in flight: a NumPy array (or NumPy scalar) in an ordinary backward,
a Tensor under create_graph=True."""

OPS: dict[str, type[Function]] = {}
"""The op registry: op name -> Function class. Tests and docs walk it."""


# The switches of the current thread (and asyncio task): is a graph recorded, are
# NaN/inf checked for, is a backward pass running, which Module (if any) is running
# its forward pass, and the tangents of forward mode (None outside `dual_level()`).
# Each is a ContextVar, so a new thread starts from the defaults and a task changes
# only its own copy.
_grad_enabled = contextvars.ContextVar("grad_enabled", default=True)
_anomaly_detection = contextvars.ContextVar("anomaly_detection", default=False)
_running_backward = contextvars.ContextVar("running_backward", default=False)
_current_module: contextvars.ContextVar[Any] = contextvars.ContextVar("current_module",
                                                                      default=None)
_tangents: contextvars.ContextVar[Tangents | None] = contextvars.ContextVar("tangents",
                                                                           default=None)


def is_grad_enabled() -> bool:
    return _grad_enabled.get()


class _Switched:
    """Set one of the current thread's mode switches inside a `with` block and put
    the old value back after. Used on a function (`@no_grad()`) it does so around
    every call; on a generator function, around every step of the generator."""

    __slots__ = ("mode", "value", "previous")

    def __init__(self, mode: contextvars.ContextVar, value: Any):
        self.mode = mode
        self.value = value

    def __enter__(self) -> None:
        self.previous = self.mode.get()
        self.mode.set(self.value)

    def __exit__(self, *exception: Any) -> None:
        self.mode.set(self.previous)

    def __call__(self, function: Callable) -> Callable:
        mode, value = self.mode, self.value
        if inspect.isgeneratorfunction(function):
            @functools.wraps(function)
            def switched_generator(*args, **kwargs):
                return (yield from _step_in_mode(function(*args, **kwargs), mode, value))

            return switched_generator

        @functools.wraps(function)
        def switched(*args, **kwargs):
            with _Switched(mode, value):  # a fresh one: the call may recurse
                return function(*args, **kwargs)

        return switched


def _step_in_mode(generator: Generator, mode: contextvars.ContextVar, value: Any) -> Generator:
    """Run `generator` with the mode switched while its own code runs, and only
    then: the caller's code between two steps runs in the caller's mode."""
    step = functools.partial(generator.send, None)
    while True:
        try:
            with _Switched(mode, value):
                request = step()
        except StopIteration as stop:
            return stop.value
        try:
            response = yield request
        except GeneratorExit:
            with _Switched(mode, value):
                generator.close()
            raise
        except BaseException as error:  # thrown in by the caller: pass it on
            step = functools.partial(generator.throw, error)
        else:
            step = functools.partial(generator.send, response)


def set_grad_enabled(enabled: bool) -> _Switched:
    """Context manager (or decorator): record the graph inside it, or not."""
    return _Switched(_grad_enabled, enabled)


def no_grad(function: Callable | None = None):
    """Context manager (or decorator, with or without the parentheses): ops inside
    it record no graph."""
    switch = set_grad_enabled(False)
    return switch if function is None else switch(function)


def enable_grad() -> _Switched:
    """Context manager (or decorator): record the graph again, e.g. inside `no_grad`."""
    return set_grad_enabled(True)


def detect_anomaly() -> _Switched:
    """Raise FloatingPointError when an op produces NaN or inf, in forward or backward.

    The message names the op and shows where in the user's code it was created.
    Recording that place costs time, so this is a debugging tool, off by default.
    """
    return _Switched(_anomaly_detection, True)


def call_in_module(module: Any, forward: Callable, args: tuple, kwargs: dict) -> Any:
    """`forward(*args, **kwargs)`, with the ops it records marked as belonging to
    `module` (nn.Module.__call__ uses this), so the graph drawing can box each
    layer's ops together."""
    outer = _current_module.get()
    _current_module.set(module)
    try:
        return forward(*args, **kwargs)
    finally:
        _current_module.set(outer)


_recorded_ops = itertools.count()


class Context:
    """What a backward rule sees of the op it differentiates.

    A recorded op keeps what its backward needs in the Tensor it produced (the
    graph's node; see `Function.apply`), and the rule reads it through this view:
    `inputs` (the input tensors' arrays) and `output` (the array the op
    produced), each checked unchanged by in-place operations since forward;
    `input_shapes` (never checked: an in-place operation keeps a shape), `params`
    (the op's keyword parameters: axis, shape, ...), `needs_input_grad`, and
    `function` (the op itself). Under
    create_graph=True the rule gets a `TensorContext` instead: the same fields
    with Tensors in place of the arrays.

    A rule may read its `ctx` while it runs, and only then: a backward pass makes
    one Context and points it at each node in turn.
    """

    __slots__ = ("node",)

    def __init__(self, node: Tensor | None = None):
        self.node = node

    @property
    def function(self) -> type[Function]:
        return self.node._op

    @property
    def inputs(self) -> tuple[np.ndarray, ...]:
        check_inputs_unchanged(self.node)
        arrays = []
        for tensor in self.node._parents:
            arrays.append(tensor.data)
        return tuple(arrays)

    @property
    def output(self) -> np.ndarray:
        check_output_unchanged(self.node)
        return self.node._saved_output

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        return [t.data.shape for t in self.node._parents]

    @property
    def params(self) -> dict:
        return self.node._params

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return self.node._needs_input_grad


class TensorContext(Context):
    """What a backward rule sees under create_graph=True: the input and output
    Tensors in place of their arrays, so the gradient the rule computes is itself
    recorded in a graph."""

    __slots__ = ()

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        check_inputs_unchanged(self.node)
        return self.node._parents

    @property
    def output(self) -> Tensor:
        check_output_unchanged(self.node)
        return self.node


def check_inputs_unchanged(node: Tensor) -> None:
    """Raise if an in-place operation changed an input of the op that produced
    `node` since the op ran: its backward would read the new values."""
    parents, versions = node._parents, node._input_versions
    for index in range(len(parents)):
        tensor, version = parents[index], versions[index]
        if tensor._version_counter.value != version:
            raise _modified_error(node, f"input {index}", tensor.shape, version,
                                  tensor._version_counter.value)


def check_output_unchanged(node: Tensor) -> None:
    """The same for the op's output, `node` itself."""
    if node._version_counter.value != node._output_version:
        raise _modified_error(node, "its output", node.shape, node._output_version,
                              node._version_counter.value)


def free_graph(node: Tensor) -> None:
    """Drop what `node`'s op kept for backward; the op stays, for error messages,
    and `_parents` becomes None: the mark of a freed node."""
    node._parents = None
    node._saved_output = None


# Nearly every op records one of a few needs_input_grad flags and input versions,
# such as (True, False) and (0, 0), and most ops have no parameters. A graph of a
# million ops need not keep a million copies of them (nor give the garbage collector
# a million more objects to walk): a node keeps the one copy in these tables
# (every tuple of up to four flags, and the all-zero versions) instead of its own,
# and one shared, read-only empty mapping for "no parameters".
_SHARED_FLAGS = {flags: flags for n in range(1, 5)
                 for flags in itertools.product((False, True), repeat=n)}
_SHARED_ZEROS = {(0,) * n: (0,) * n for n in range(1, 5)}
_NO_PARAMS = types.MappingProxyType({})


def _modified_error(node: Tensor, which: str, shape: tuple[int, ...], expected: int,
                    now: int) -> RuntimeError:
    name = node._op.name
    return RuntimeError(
        f"{name}.backward: one of the variables needed for gradient computation "
        f"has been modified by an inplace operation: {which} of '{name}' "
        f"(shape {shape}) is at version {now}; expected version {expected} instead. "
        "Its backward rule would read the new values and give a wrong gradient: make the "
        "change out of place (y = y + x), or clone() the tensor before changing it"
    )


class Function:
    """One differentiable op. Subclasses set `name` and write `forward`/`backward`,
    and `jvp` for forward mode (the output's tangent from the inputs' tangents).

    `broadcasts = True` says the op broadcasts its inputs as NumPy does: the
    engine then sums each gradient the rule returns back to its input's shape,
    and when forward raises on shapes that cannot broadcast, the error names the
    op and the shapes.
    `returns_view = True` says the output may share memory with the first input
    (reshape, transpose, indexing): the two then share one version counter, so an
    in-place change through either is seen by every op that saved the other.
    """

    name: ClassVar[str] = ""
    broadcasts: ClassVar[bool] = False
    returns_view: ClassVar[bool] = False

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
    def forward(*arrays: np.ndarray, **params) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context | TensorContext, grad_output: Gradient) -> Gradient | tuple:
        """One gradient per input (None for an input that needs none), as arrays when
        `ctx` is the Context and as Tensors when it is a TensorContext."""
        raise NotImplementedError

    @staticmethod
    def jvp(ctx: ForwardContext, *tangents: np.ndarray | None) -> np.ndarray | None:
        """Forward mode: the tangent of the output from one tangent per input (None
        for an input that has none: its tangent is zero), as an array; None when the
        output's tangent is zero whatever the inputs' (a step, such as sign)."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **params) -> Tensor:
        """Run forward on the inputs' arrays and, if needed, record the op in the graph."""
        if _tangents.get() is not None:  # forward mode: also push the tangents through
            return _apply_with_tangents(cls, inputs, params)
        arrays = []
        needs_input_grad = []
        input_versions = []
        for t in inputs:
            arrays.append(t.data)
            needs_input_grad.append(t._requires_grad)
            input_versions.append(t._version_counter.value)
        try:
            data = cls.forward(*arrays, **params)
        except ValueError:
            if cls.broadcasts:  # name the op and the shapes that cannot broadcast
                broadcast_shape(cls.name, *[a.shape for a in arrays])
            raise
        if type(data) is not np.ndarray:  # NumPy returns scalars for 0-d results
            data = np.asarray(data)
        counter = (inputs[0]._shared_version_counter() if cls.returns_view
                   else tensor_module.UNCHANGED)
        output = tensor_module.Tensor._from_op(data, counter)
        # A graph is recorded when an input requires grad, grad mode is on and the
        # result is a float.
        if True in needs_input_grad and _grad_enabled.get() and data.dtype.kind == "f":
            _record(output, cls, inputs, params, tuple(needs_input_grad), tuple(input_versions))
        if _anomaly_detection.get() and not _running_backward.get():
            _check_forward_anomaly(cls, output)
        return output


def _record(output: Tensor, op: type[Function], parents: tuple[Tensor, ...], params: dict,
            needs_input_grad: tuple[bool, ...], input_versions: tuple[int, ...]) -> None:
    """Make `output` a node of the graph: it remembers the op that produced it and
    what the op's backward needs.

    `_parents` are the input Tensors (the graph's edges; None once a backward
    without retain_graph has freed what the op kept) and `_saved_output` the
    array the op produced. As in PyTorch, a rule reads the inputs' arrays as they
    are when it runs (after `x.data = ...`, the new one) and the output's array
    as forward produced it. `_input_versions` and `_output_version` are the
    versions the inputs and output had when the op ran (a rule reads them
    through a `Context`, which checks them); `_params` are the op's keyword
    parameters and `_needs_input_grad` which inputs require grad.
    `_module` is the innermost nn.Module whose forward recorded the op, and
    `_sequence` counts the recorded ops in the order they ran (backward runs them
    in the reverse order; the step-through of the forward pass replays them).
    `_created_at` is where the user applied the op, under detect_anomaly.
    """
    output._op = op
    output._parents = parents
    output._saved_output = output.data
    output._params = params or _NO_PARAMS
    output._needs_input_grad = _SHARED_FLAGS.get(needs_input_grad, needs_input_grad)
    output._input_versions = _SHARED_ZEROS.get(input_versions, input_versions)
    output._output_version = output._version_counter.value
    output._module = _current_module.get()
    output._sequence = next(_recorded_ops)
    output._created_at = None
    output._requires_grad = True


def _check_forward_anomaly(cls: type[Function], output: Tensor) -> None:
    """detect_anomaly in forward: note where the user applied the op (for the error
    messages of its backward, too), and raise if it produced NaN or inf."""
    created_at = _user_frames()
    if output._op is not None:
        output._created_at = created_at
    _raise_if_not_finite(output.data, f"{cls.name} produced {{what}} in forward", created_at)


def _user_frames(keep: int = 4) -> list[traceback.FrameSummary]:
    """The last few stack frames outside this package: where the user applied the op."""
    package = os.path.dirname(__file__)
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(package)]
    return frames[-keep:]


def _raise_if_not_finite(array: np.ndarray, message: str,
                         created_at: list[traceback.FrameSummary] | None) -> None:
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return
    what = "nan" if np.isnan(array).any() else "inf"
    where = "".join(traceback.format_list(created_at or []))
    raise FloatingPointError(
        f"detect_anomaly: {message.format(what=what)}; the op was created at:\n{where}"
    )


def topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Every tensor that requires grad and is reachable from `roots`, each listed
    before the tensors it was computed from (so the roots come first).

    Every recorded op has a number, counting up in the order the ops ran
    (`_sequence`), and an op's inputs existed before it ran. So the op
    results in decreasing number are an order in which every tensor comes before
    the tensors it was computed from: backward runs the ops in the reverse of the
    order forward ran them. The leaves (no op made them, nothing to wait for) come
    last. The walk that finds the tensors keeps an explicit stack instead of
    recursing, so a chain of 1,000,000 ops is fine.

    Raises RuntimeError when the walk meets a part freed by an earlier backward.
    """
    results: dict[int, Tensor] = {}  # an op's number -> the tensor it produced
    leaves: dict[Tensor, None] = {}  # a set that keeps the order the leaves were met
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node._op is None:
            leaves[node] = None
            continue
        if node._sequence in results:
            continue
        parents = node._parents
        if parents is None:
            raise RuntimeError(
                f"backward: the graph through '{node._op.name}' was already freed by an "
                "earlier backward(); pass retain_graph=True to the first call to backprop twice"
            )
        results[node._sequence] = node
        for parent in parents:
            if parent._requires_grad:
                stack.append(parent)
    return [results[number] for number in sorted(results, reverse=True)] + list(leaves)


class _Pass:
    """The state of one backward pass: the gradients still on their way to each
    node (`pending`), what `grad()` asked for (`wanted`) and has `found`, which
    arrays were already handed out (`given`), so no two tensors share one, and
    the `rule_context` each rule gets."""

    def __init__(self, create_graph: bool, retain_graph: bool, wanted: Sequence[Tensor] | None):
        self.create_graph = create_graph
        self.retain_graph = retain_graph
        self.rule_context = TensorContext() if create_graph else Context()
        self.wanted = None if wanted is None else {id(t) for t in wanted}
        self.pending: dict[Tensor, Gradient] = {}
        self.found: dict[int, Tensor] = {}
        self.given: set[int] = set()

    def add(self, node: Tensor, grad: Gradient) -> None:
        previous = self.pending.get(node)
        self.pending[node] = grad if previous is None else previous + grad

    def owned(self, grad: Gradient) -> Tensor:
        """`grad` as a Tensor that no other tensor, and not the caller, holds: its own
        writable, contiguous array (copied only when that is not so already)."""
        if self.create_graph:
            if id(grad) in self.given or not _is_own_array(grad.data):
                grad = grad.clone()
        else:
            if type(grad) is not np.ndarray:
                grad = np.asarray(grad)
            elif id(grad) in self.given or not _is_own_array(grad):
                grad = grad.copy()
            grad = tensor_module.Tensor._from_op(grad)
        self.given.add(id(grad if self.create_graph else grad.data))
        return grad


def _is_own_array(array: np.ndarray) -> bool:
    flags = array.flags
    return flags.owndata and flags.c_contiguous and flags.writeable


def backpropagate(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    wanted: Sequence[Tensor] | None = None,
) -> dict[int, Tensor]:
    """Push `root_grads` from `roots` back through the graph.

    With `wanted=None` (what `Tensor.backward` does) gradients accumulate into
    the `.grad` of every leaf that requires grad (and of every tensor that called
    `retain_grad()`). Otherwise (what `grad()` does) no `.grad` is touched and the
    gradients of the `wanted` tensors are returned, keyed by `id`.
    """
    order = topological_order(roots)
    state = _Pass(create_graph, retain_graph, wanted)
    for root, grad in zip(roots, root_grads):
        seed = grad if create_graph else grad.data
        state.given.add(id(seed))  # the caller's: never handed out as somebody's .grad
        state.add(root, seed)
    # Rules record a graph only for create_graph. Inside a rule, detect_anomaly
    # checks what the rule returns (naming the op whose backward it is), not each
    # small op the rule is written with.
    with _Switched(_running_backward, True), set_grad_enabled(create_graph):
        for node in order:
            grad = state.pending.pop(node, None)
            if grad is not None:
                _visit(node, grad, state)
    return state.found


def _visit(node: Tensor, grad: Gradient, state: _Pass) -> None:
    """Give `node` its summed gradient: run its hooks, store it where asked, and
    send its op's backward results on to the op's inputs."""
    if node._hooks:
        grad = _run_hooks(node, grad, state.create_graph)
    if state.wanted is not None:
        if id(node) in state.wanted:
            state.found[id(node)] = state.owned(grad)
    elif node._op is None or node._retains_grad:
        node.grad = state.owned(grad) if node.grad is None else _sum_grads(node.grad, grad)
    if node._op is None:
        return
    for parent, parent_grad in zip(node._parents, _call_backward(node, grad, state)):
        if parent_grad is not None and parent._requires_grad:
            state.add(parent, _checked_gradient(node, parent, parent_grad))
    if not state.retain_graph:
        free_graph(node)


def _sum_grads(stored: Tensor, grad: Gradient) -> Tensor:
    """A `.grad` plus a new contribution: a new Tensor with its own array (a
    Tensor with a graph under create_graph)."""
    if isinstance(grad, tensor_module.Tensor) or stored._op is not None:
        return stored + grad
    return tensor_module.Tensor._from_op(stored.data + grad)


def _run_hooks(node: Tensor, grad: Gradient, create_graph: bool) -> Gradient:
    """Call the hooks registered on `node`, in order; a hook that returns a value
    replaces the gradient. A hook sees a Tensor: read-only in an ordinary backward,
    since the same array may also be on its way to another tensor."""
    for hook in list(node._hooks.values()):
        if create_graph:
            shown = grad
        else:
            view = np.asarray(grad).view()
            view.flags.writeable = False
            shown = tensor_module.Tensor._from_op(view)
        result = hook(shown)
        if result is None:
            continue
        result = tensor_module.as_tensor(result, like=node)
        if result.shape != node.shape:
            raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} returned a gradient "
                               f"of shape {result.shape} for a tensor of shape {node.shape}")
        grad = result if create_graph else result.data
    return grad


def _call_backward(node: Tensor, grad: Gradient, state: _Pass) -> tuple:
    """The backward of the op that produced `node`, always as a tuple with one
    entry per input."""
    op = node._op
    ctx = state.rule_context
    ctx.node = node
    try:
        grads = op.backward(ctx, grad)
    except (AttributeError, TypeError) as error:
        if state.create_graph:
            raise
        # Most likely a rule that calls a Tensor-only method (x.sigmoid(), x.data).
        raise type(error)(
            f"{op.name}.backward: {error}. An ordinary backward() runs every rule "
            "on NumPy arrays, so a rule may use only what arrays and Tensors share: the "
            "operators, .sum/.reshape/.transpose/.T/.astype, indexing, and the functions "
            "in tinygrad_edu.ops.tensor_or_array"
        ) from error
    if type(grads) is not tuple:
        grads = (grads,)
    if len(grads) != len(node._parents):
        raise RuntimeError(f"{op.name}.backward returned {len(grads)} gradients "
                           f"for {len(node._parents)} inputs")
    return grads


def _checked_gradient(node: Tensor, parent: Tensor, grad: Gradient) -> Gradient:
    """A gradient a backward rule returned, summed back to its input's shape when
    the op broadcasts, then checked against the input and cast to its dtype."""
    shape = parent.data.shape
    if grad.shape != shape:
        if node._op.broadcasts:
            grad = unbroadcast(grad, shape)
        if grad.shape != shape:
            raise RuntimeError(f"{node._op.name}.backward returned a gradient of shape "
                               f"{grad.shape} for an input of shape {shape}")
    if grad.dtype != parent.data.dtype:
        grad = grad.astype(parent.data.dtype)
    if _anomaly_detection.get():
        _raise_if_not_finite(values(grad), f"{node._op.name} produced {{what}} in backward",
                             node._created_at)
    return grad


def values(x: Gradient) -> np.ndarray:
    """The numbers themselves: the array inside a Tensor, or the array as it is.
    Backward rules use it for constants computed from values (a mask, a sign)."""
    return x.data if isinstance(x, tensor_module.Tensor) else x


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


def seed_gradient(output: Tensor, grad_output: Any, caller: str) -> Tensor:
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


# ---------------------------------------------------------------- forward mode


class Tangents:
    """The tangents of one forward-mode pass (a "dual level", as PyTorch calls it):
    for each dual tensor, an array of its shape and dtype. A tensor without an entry
    has tangent zero.

    Entries are keyed by the tensor's identity and held by a weak reference, so a
    tangent goes away with its tensor: forward mode keeps no intermediate value
    alive. The tensor's version is noted too: an in-place change after the tangent
    was set would leave it stale, so reading it then raises.
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref, int, np.ndarray]] = {}

    def get(self, tensor: Tensor) -> np.ndarray | None:
        entry = self._entries.get(id(tensor))
        if entry is None or entry[0]() is not tensor:
            return None
        _, version, tangent = entry
        if tensor._version != version:
            raise RuntimeError(
                f"forward mode: a tensor of shape {tensor.shape} was changed in place (version "
                f"{version} -> {tensor._version}) after its tangent was set, so "
                "the tangent no longer matches its values; make the change out of place "
                "(y = y + x)")
        return tangent

    def set(self, tensor: Tensor, tangent: np.ndarray) -> None:
        key = id(tensor)
        ref = weakref.ref(tensor, functools.partial(self._forget, key))
        self._entries[key] = (ref, tensor._version, tangent)

    def _forget(self, key: int, ref: weakref.ref) -> None:
        if self._entries.get(key, (None,))[0] is ref:
            del self._entries[key]


def current_tangents() -> Tangents | None:
    """The tangents of the forward-mode pass running in this thread, or None."""
    return _tangents.get()


@contextlib.contextmanager
def dual_level() -> Generator[Tangents, None, None]:
    """Forward mode inside the block: tensors may carry tangents (func.make_dual),
    and every op pushes them on to its output. One level at a time per thread."""
    if _tangents.get() is not None:
        raise RuntimeError("dual_level: forward mode is already on in this thread; "
                           "nested forward-mode passes (a jvp inside a jvp) are not supported")
    tangents = Tangents()
    with _Switched(_tangents, tangents):
        yield tangents


class ForwardContext:
    """What a jvp rule sees: the op's input and output arrays and its params, the
    fields of a Context, made for the one call and kept by nobody (forward mode
    records no graph)."""

    __slots__ = ("function", "inputs", "output", "params")

    def __init__(self, function: type[Function], inputs: list[np.ndarray], output: np.ndarray,
                 params: dict):
        self.function = function
        self.inputs = inputs
        self.output = output
        self.params = params

    @property
    def input_shapes(self) -> list[tuple[int, ...]]:
        return [a.shape for a in self.inputs]


def _apply_with_tangents(cls: type[Function], inputs: tuple[Tensor, ...], params: dict) -> Tensor:
    """`Function.apply` in forward mode: the op as always, then its jvp rule gives the
    output's tangent from the inputs' tangents (when any input has one)."""
    tangents = _tangents.get()
    with _Switched(_tangents, None):
        output = cls.apply(*inputs, **params)
    input_tangents = [tangents.get(t) for t in inputs]
    if output.data.dtype.kind == "f" and any(t is not None for t in input_tangents):
        if cls.jvp is Function.jvp:
            raise NotImplementedError(f"{cls.name} has no jvp rule, so forward mode cannot "
                                      "go through it")
        ctx = ForwardContext(cls, [t.data for t in inputs], output.data, params)
        tangent = cls.jvp(ctx, *input_tangents)
        if tangent is not None:
            tangents.set(output, _checked_tangent(cls, np.asarray(tangent), output.data))
    return output


def _checked_tangent(cls: type[Function], tangent: np.ndarray, output: np.ndarray) -> np.ndarray:
    """A tangent a jvp rule returned, broadcast to the output's shape (a rule may
    leave that to the engine, e.g. the tangent of a bias alone) and cast to its dtype."""
    if tangent.shape != output.shape:
        try:
            tangent = np.broadcast_to(tangent, output.shape)
        except ValueError:
            raise RuntimeError(f"{cls.name}.jvp returned a tangent of shape {tangent.shape} "
                               f"for an output of shape {output.shape}") from None
    if tangent.dtype != output.dtype:
        tangent = tangent.astype(output.dtype)
    return tangent
