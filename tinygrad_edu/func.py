"""Function transforms: jvp, vjp, grad, jacobian, hessian, hvp (torch.func's spellings).

    from tinygrad_edu import func
    y, y_dot = func.jvp(f, (x,), (u,))     # forward mode: y = f(x) and J u, one pass
    y, vjp_fn = func.vjp(f, x)             # reverse mode: vjp_fn(v) = (vᵀ J,)
    func.grad(loss)(w)                     # d loss / d w, as a function of w
    func.jacobian(f, x, mode="forward")    # n jvps, or (mode="reverse") m vjps
    func.hessian(loss, w)                  # forward-over-reverse: jvps of the gradient
    func.hvp(loss, w, v)                   # (loss(w), H v) in one pass

Forward mode runs inside `dual_level()`: a tensor made by `make_dual(x, ẋ)`
carries the tangent ẋ, and every op pushes tangents on to its output with its
`jvp` rule (Function.apply, autograd.py), recording no graph. A tensor without
a tangent (a constant, an argmax, a floor_divide: every result of no op or of a
non-float op) has tangent zero.

The transforms compose where it makes sense: `grad(f)` records what an outer
transform needs (create_graph when its input carries a tangent or requires
grad), so `jvp(grad(f), ...)` gives Hessian-vector products. Nested forward
mode (a jvp inside a jvp) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import autograd
from tinygrad_edu.autograd import current_tangents, dual_level
from tinygrad_edu.tensor import Tensor

__all__ = ["dual_level", "grad", "hessian", "hvp", "jacobian", "jvp", "make_dual",
           "unpack_dual", "vjp"]

Inputs = Tensor | Sequence[Tensor]


# ------------------------------------------------------------------- dual tensors


def make_dual(tensor: Tensor, tangent: Any) -> Tensor:
    """A tensor with `tensor`'s values (the same array) carrying `tangent` (inside
    `dual_level()`). The tangent must have the tensor's shape and dtype."""
    tangents = current_tangents()
    if tangents is None:
        raise RuntimeError("make_dual: forward mode is off; call it inside `with dual_level():`")
    dual = _alias(tensor, requires_grad=False)
    tangents.set(dual, _checked_tangent("make_dual", 0, tensor, tangent))
    return dual


def unpack_dual(tensor: Tensor) -> tuple[Tensor, Tensor | None]:
    """(the values, the tangent) of a tensor; the tangent is None when it has none
    (which means zero) or forward mode is off."""
    tangents = current_tangents()
    tangent = None if tangents is None else tangents.get(tensor)
    return tensor, None if tangent is None else Tensor._from_op(np.array(tangent))


def _alias(x: Tensor, requires_grad: bool) -> Tensor:
    """A new leaf on x's array (and version counter), with x's tangent in forward mode."""
    leaf = x.detach()
    if requires_grad:
        leaf.requires_grad = True
    tangents = current_tangents()
    if tangents is not None and (tangent := tangents.get(x)) is not None:
        tangents.set(leaf, tangent)
    return leaf


# ------------------------------------------------------------------ forward mode


def jvp(fn: Callable, primals: Inputs, tangents: Inputs) -> tuple[Any, Any]:
    """(fn(*primals), J u): the outputs, and the directional derivative of each along
    the tangents u, from ONE forward pass that records no graph (torch.func.jvp).

    `primals` and `tangents` are tuples of tensors (or one tensor each), each
    tangent of its primal's shape and dtype. The outputs and their tangents have
    fn's output structure (a tensor or a tuple); an output that does not depend on
    the primals gets a zero tangent.
    """
    primals, _ = _as_inputs("jvp", "primals", primals)
    tangents, _ = _as_inputs("jvp", "tangents", tangents, floating=False)
    if len(tangents) != len(primals):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    tangents = [_checked_tangent("jvp", i, p, t) for i, (p, t) in enumerate(zip(primals, tangents))]
    outputs, output_tangents, single = _push_forward("jvp", fn, primals, tangents)
    return _shaped(outputs, single), _shaped(output_tangents, single)


def _push_forward(caller: str, fn: Callable, primals: Sequence[Tensor],
                  tangents: Sequence[np.ndarray | None]) -> tuple[tuple, tuple, bool]:
    """fn on dual copies of the primals (a None tangent: none), under no_grad (a grad
    transform inside fn turns grad mode on for itself): its outputs, their tangents
    (zeros for none), and whether fn returned one tensor."""
    with dual_level() as level, autograd.no_grad():
        duals = []
        for primal, tangent in zip(primals, tangents):
            dual = _alias(primal, requires_grad=False)
            if tangent is not None:
                level.set(dual, tangent)
            duals.append(dual)
        outputs, single = _as_outputs(caller, fn(*duals))
        output_tangents = tuple(_tangent_tensor(level.get(out), out) for out in outputs)
    return tuple(out.detach() for out in outputs), output_tangents, single


def _tangent_tensor(tangent: np.ndarray | None, output: Tensor) -> Tensor:
    """A tangent as a Tensor with its own array: zeros when there is none."""
    array = np.zeros_like(output.data) if tangent is None else np.array(tangent, output.dtype)
    return Tensor._from_op(array)


# ------------------------------------------------------------------ reverse mode


def vjp(fn: Callable, *primals: Tensor) -> tuple[Any, Callable]:
    """(fn(*primals), vjp_fn), where vjp_fn(v) returns vᵀ J: one gradient per primal,
    as a tuple (torch.func.vjp). `v` has fn's output structure; vjp_fn may be called
    many times (the graph is kept)."""
    primals, _ = _as_inputs("vjp", "primals", primals)
    leaves = [_alias(p, requires_grad=True) for p in primals]
    with autograd.enable_grad():
        outputs, single = _as_outputs("vjp", fn(*leaves))

    def vjp_fn(cotangents: Inputs) -> tuple[Tensor, ...]:
        cotangents, _ = _as_inputs("vjp_fn", "cotangents", cotangents, floating=False)
        if len(cotangents) != len(outputs):
            raise ValueError(f"vjp_fn: fn has {len(outputs)} outputs but {len(cotangents)} "
                             "cotangents were given")
        for i, (out, v) in enumerate(zip(outputs, cotangents)):
            if v.shape != out.shape:
                raise ValueError(f"vjp_fn: cotangent {i} has shape {v.shape} but output {i} "
                                 f"has shape {out.shape}")
        return _gradients(outputs, leaves, cotangents, create_graph=False)

    return _shaped(tuple(out.detach() for out in outputs), single), vjp_fn


def _gradients(outputs: Sequence[Tensor], inputs: Sequence[Tensor],
               weights: Sequence[Tensor], create_graph: bool) -> tuple[Tensor, ...]:
    """Σᵢ weightsᵢᵀ d outputsᵢ / d inputs for each input: zeros for an input (or from
    an output) that nothing connects."""
    connected = [(out, w) for out, w in zip(outputs, weights) if out.requires_grad]
    if not connected:
        return tuple(Tensor._from_op(np.zeros_like(x.data)) for x in inputs)
    return autograd.grad([out for out, _ in connected], list(inputs),
                         [w for _, w in connected], create_graph=create_graph,
                         retain_graph=True, allow_unused=True)


def grad(fn: Callable, argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable:
    """The function that returns the gradient of fn (which returns a one-element tensor,
    or (it, aux) with has_aux) with respect to the arguments `argnums` (torch.func.grad):
    one tensor for an int, a tuple for a tuple; with has_aux, (gradient, aux)."""
    numbers = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def gradient_of_fn(*args: Any) -> Any:
        args = list(args)
        for i in numbers:
            if i >= len(args) or not isinstance(args[i], Tensor):
                raise TypeError(f"grad: argument {i} (argnums={argnums}) must be a Tensor")
            _check_floating("grad", f"argument {i}", args[i])
        # Record what an outer transform will differentiate: a tangent, or a graph.
        create_graph = current_tangents() is not None or any(args[i].requires_grad
                                                             for i in numbers)
        inputs = [args[i] if args[i].requires_grad else _alias(args[i], requires_grad=True)
                  for i in numbers]
        for i, x in zip(numbers, inputs):
            args[i] = x
        with autograd.enable_grad():
            result = fn(*args)
        output, aux = result if has_aux else (result, None)
        if not isinstance(output, Tensor) or output.size != 1:
            got = f"shape {output.shape}" if isinstance(output, Tensor) else type(output).__name__
            raise RuntimeError(f"grad: fn must return a one-element Tensor, got {got}")
        seed = Tensor._from_op(np.ones_like(output.data))
        grads = _gradients([output], inputs, [seed], create_graph)
        found = grads[0] if isinstance(argnums, int) else grads
        return (found, aux) if has_aux else found

    return gradient_of_fn


# ------------------------------------------------------------- whole derivatives


def jacobian(fn: Callable, inputs: Inputs, *, mode: str = "reverse") -> Any:
    """The Jacobian of fn at `inputs`, as torch.autograd.functional.jacobian lays it out:
    J[i][j] = d output_i / d input_j, of shape output_i.shape + input_j.shape, the
    output level dropped when fn returns one tensor, the input level when `inputs` is one.

    mode="reverse": one forward pass, then one backward pass per output element.
    mode="forward": one forward pass with tangents per input element. Reverse mode
    wins when outputs are fewer than inputs (a loss), forward mode otherwise.
    """
    inputs, single_input = _as_inputs("jacobian", "inputs", inputs)
    if mode == "reverse":
        outputs, vjp_fn = vjp(fn, *inputs)
        outputs, single_output = _as_outputs("jacobian", outputs)
        rows = [[[] for _ in inputs] for _ in outputs]  # rows[i][j]: d out_i[k] / d in_j
        for i, out in enumerate(outputs):
            for k in range(out.size):
                seeds = [_basis(o, k if o is out else None) for o in outputs]
                for j, g in enumerate(vjp_fn(tuple(seeds))):
                    rows[i][j].append(g.data.reshape(-1))
        blocks = [[_block(rows[i][j], out.shape, x.shape, axis=0) for j, x in enumerate(inputs)]
                  for i, out in enumerate(outputs)]
    elif mode == "forward":
        outputs, single_output, columns = _forward_columns("jacobian", fn, inputs)
        blocks = [[_block([column[i] for column in columns[j]], out.shape, x.shape, axis=1)
                   for j, x in enumerate(inputs)] for i, out in enumerate(outputs)]
    else:
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    return _nested(blocks, single_output, single_input)


def hessian(fn: Callable, inputs: Inputs) -> Any:
    """The Hessian of a function with a one-element output, forward-over-reverse: column
    by column, the jvp of fn's gradient along each input element. H[i][j] has shape
    input_i.shape + input_j.shape; one input gives one tensor
    (torch.autograd.functional.hessian's layout)."""
    inputs, single_input = _as_inputs("hessian", "inputs", inputs)
    gradient = grad(fn, argnums=tuple(range(len(inputs))))
    _, _, columns = _forward_columns("hessian", gradient, inputs)
    blocks = [[_block([column[i] for column in columns[j]], xi.shape, xj.shape, axis=1)
               for j, xj in enumerate(inputs)] for i, xi in enumerate(inputs)]
    return _nested(blocks, single_input, single_input)


def hvp(fn: Callable, inputs: Inputs, v: Inputs) -> tuple[Tensor, Any]:
    """(fn(inputs), H v) for a function with a one-element output, in one
    forward-over-reverse pass: the jvp of the gradient along v
    (torch.autograd.functional.hvp; H v has the structure of `inputs`)."""
    inputs, single_input = _as_inputs("hvp", "inputs", inputs)
    v, _ = _as_inputs("hvp", "v", v, floating=False)
    if len(v) != len(inputs):
        raise ValueError(f"hvp: {len(inputs)} inputs but {len(v)} tensors in v")
    v = [_checked_tangent("hvp", i, x, t) for i, (x, t) in enumerate(zip(inputs, v))]

    def twice(*xs: Tensor) -> tuple[Tensor, Tensor]:
        value = fn(*xs)
        return value, value  # the value to differentiate, and the value as aux

    gradient = grad(twice, argnums=tuple(range(len(inputs))), has_aux=True)

    def gradient_and_value(*xs: Tensor) -> tuple[Tensor, ...]:
        grads, value = gradient(*xs)
        return (value, *grads)

    outputs, output_tangents, _ = _push_forward("hvp", gradient_and_value, inputs, v)
    products = output_tangents[1:]
    return outputs[0], products[0] if single_input else tuple(products)


# --------------------------------------------------------------------- checking


def _as_inputs(caller: str, what: str, values: Any, floating: bool = True
               ) -> tuple[list[Tensor], bool]:
    """`values` as a list of Tensors (arrays become tensors), and whether it was one."""
    single = not isinstance(values, (tuple, list))
    values = [values] if single else list(values)
    result = []
    for i, value in enumerate(values):
        if isinstance(value, np.ndarray) and not floating:
            value = Tensor._from_op(value)
        if not isinstance(value, Tensor):
            raise TypeError(f"{caller}: {what} must be Tensors, got {type(value).__name__} at "
                            f"position {i}")
        if floating:
            _check_floating(caller, f"{what}[{i}]", value)
        result.append(value)
    return result, single


def _check_floating(caller: str, what: str, x: Tensor) -> None:
    if x.dtype.kind != "f":
        raise TypeError(f"{caller}: {what} has dtype {x.dtype}; only floating-point tensors "
                        "can be differentiated")


def _checked_tangent(caller: str, i: int, primal: Tensor, tangent: Any) -> np.ndarray:
    """The tangent's array, after checking it has its primal's shape and dtype."""
    array = tangent.data if isinstance(tangent, Tensor) else np.asarray(tangent)
    if array.shape != primal.shape:
        raise ValueError(f"{caller}: tangent {i} has shape {array.shape} but its primal has "
                         f"shape {primal.shape}")
    if array.dtype != primal.dtype:
        raise TypeError(f"{caller}: tangent {i} has dtype {array.dtype} but its primal has "
                        f"dtype {primal.dtype}")
    return array


def _as_outputs(caller: str, result: Any) -> tuple[tuple[Tensor, ...], bool]:
    """fn's result as a tuple of Tensors, and whether it was one tensor."""
    single = isinstance(result, Tensor)
    outputs = (result,) if single else result
    if not isinstance(outputs, (tuple, list)) or not all(isinstance(o, Tensor) for o in outputs):
        got = type(result).__name__ if not isinstance(result, (tuple, list)) else \
            "a sequence holding " + ", ".join(type(o).__name__ for o in result)
        raise TypeError(f"{caller}: fn must return a Tensor or a tuple of Tensors, got {got}")
    return tuple(outputs), single


def _shaped(values: tuple, single: bool) -> Any:
    return values[0] if single else values


def _basis(x: Tensor, k: int | None) -> np.ndarray:
    """An array of x's shape and dtype: 1 at flat position k, 0 elsewhere (all 0 for None)."""
    e = np.zeros(x.shape, x.dtype)
    if k is not None:
        e.reshape(-1)[k] = 1
    return e


def _forward_columns(caller: str, fn: Callable, inputs: list[Tensor]
                     ) -> tuple[tuple[Tensor, ...], bool, list[list[list[np.ndarray]]]]:
    """One forward-mode pass per input element, with that element's basis vector as the
    tangent: fn's outputs, whether it returned one tensor, and columns[j][k][i], the
    flat tangent of output i for element k of input j."""
    columns: list[list[list[np.ndarray]]] = [[] for _ in inputs]
    result = None
    for j, x in enumerate(inputs):
        for k in range(x.size):
            tangents = [_basis(x, k) if i == j else None for i in range(len(inputs))]
            result = _push_forward(caller, fn, inputs, tangents)
            columns[j].append([t.data.reshape(-1) for t in result[1]])
    if result is None:  # no input has an element: one pass, for the outputs' shapes
        result = _push_forward(caller, fn, inputs, [None] * len(inputs))
    outputs, _, single = result
    return outputs, single, columns


def _block(pieces: list[np.ndarray], out_shape: tuple[int, ...], in_shape: tuple[int, ...],
           axis: int) -> Tensor:
    """One Jacobian block of shape out_shape + in_shape from its rows (axis=0) or columns
    (axis=1), each a flat array."""
    sizes = (int(np.prod(out_shape)), int(np.prod(in_shape)))
    matrix = np.stack(pieces, axis=axis) if pieces else np.zeros(sizes)
    return Tensor._from_op(matrix.reshape(out_shape + in_shape))


def _nested(blocks: list[list[Tensor]], single_output: bool, single_input: bool) -> Any:
    rows = [row[0] if single_input else tuple(row) for row in blocks]
    return rows[0] if single_output else tuple(rows)
