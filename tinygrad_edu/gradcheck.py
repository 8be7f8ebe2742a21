"""Checking backward rules against finite differences.

The analytic derivative comes from the engine (`grad`). The numerical one comes
from central differences, (f(x + ε) - f(x - ε)) / 2ε, whose error shrinks like
ε², so in float64 with ε = 1e-6 the two agree to about 1e-8 for smooth
functions. An element passes when |analytic - numeric| <= atol + rtol * |numeric|.

`gradcheck` checks a function of some inputs; `check_graph` checks every op
application of a recorded graph on its own inputs, so that it names the node
whose rule is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tinygrad_edu.autograd import Context, enable_grad, no_grad
from tinygrad_edu.autograd import grad as autograd_grad
from tinygrad_edu.tensor import Tensor, concatenate

Function = Callable[..., Tensor]


class GradcheckError(RuntimeError):
    """A backward rule disagrees with finite differences."""


def _evaluate(fn: Function, inputs: Sequence[Tensor]) -> np.ndarray:
    with no_grad():
        return np.array(fn(*inputs).data, dtype=np.float64)


def _central_differences(fn: Function, inputs: Sequence[Tensor], t: Tensor, eps: float):
    """For each element j of input t: (j, (f(x + ε eⱼ) - f(x - ε eⱼ)) / 2ε) with f flattened.

    t's data is perturbed in place and restored, so it must be a writable,
    contiguous array (`_check_inputs` makes sure).
    """
    flat = t.data.reshape(-1)  # a view: writing to it perturbs t
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + eps
        plus = _evaluate(fn, inputs)
        flat[j] = original - eps
        minus = _evaluate(fn, inputs)
        flat[j] = original
        yield j, ((plus - minus) / (2 * eps)).reshape(-1)


def numerical_grad(
    fn: Function,
    inputs: Sequence[Tensor],
    grad_output: np.ndarray | None = None,
    eps: float = 1e-6,
) -> list[np.ndarray | None]:
    """Central-difference gradient of Σ fn(*inputs) * grad_output w.r.t. each input.

    `grad_output` defaults to ones, which for a scalar output gives the plain
    gradient. Inputs that do not require grad get None.
    """
    inputs = list(inputs)
    _make_perturbable(inputs)
    weights = 1.0 if grad_output is None else np.asarray(grad_output, np.float64).reshape(-1)
    grads: list[np.ndarray | None] = []
    for t in inputs:
        if not t.requires_grad:
            grads.append(None)
            continue
        g = np.zeros(t.size, dtype=np.float64)
        for j, slope in _central_differences(fn, inputs, t, eps):
            g[j] = np.sum(slope * weights)
        grads.append(g.reshape(t.shape))
    return grads


def _make_perturbable(inputs: Sequence[Tensor]) -> None:
    """Give each input that requires grad its own writable, contiguous array."""
    for t in inputs:
        if t.requires_grad and not (t.data.flags.c_contiguous and t.data.flags.writeable):
            t.data = t.data.copy()


@dataclass
class _Worst:
    """The element where analytic and numeric derivatives disagree the most."""

    excess: float = -np.inf
    description: str = ""


def _jacobians_numeric(fn, inputs, output_size, eps):
    """Numeric Jacobian per input: shape (output_size, input_size)."""
    jacobians = []
    for t in inputs:
        if not t.requires_grad:
            jacobians.append(None)
            continue
        jac = np.zeros((output_size, t.size))
        for j, slope in _central_differences(fn, inputs, t, eps):
            jac[:, j] = slope
        jacobians.append(jac)
    return jacobians


def _vector_jacobian(fn, inputs, grad_output: np.ndarray) -> list[np.ndarray]:
    """Analytic vᵀJ for every input that requires grad (zeros where unused)."""
    differentiable = [t for t in inputs if t.requires_grad]
    output = fn(*inputs)
    if not output.requires_grad:
        return [np.zeros(t.shape) for t in differentiable]
    v = Tensor(grad_output.reshape(output.shape), dtype=output.dtype)
    grads = autograd_grad(output, differentiable, v, allow_unused=True)
    return [np.asarray(g.data, dtype=np.float64) for g in grads]


def _check_inputs(inputs: Sequence[Tensor]) -> None:
    if not any(t.requires_grad for t in inputs):
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i, t in enumerate(inputs):
        if t.requires_grad and t.dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {t.dtype}; finite differences need float64 "
                "(make it with dtype=np.float64)"
            )
    _make_perturbable(inputs)


def gradcheck(
    fn: Function,
    inputs: Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
) -> bool:
    """Compare the engine's derivatives of `fn` with central differences.

    The full check compares the whole Jacobian, one backward pass per output
    element, and on failure names the worst element: input, index, output
    index, analytic and numeric values. `fast_mode` compares one random
    projection vᵀJu per input instead (one backward, two forwards per input):
    much cheaper, and a wrong rule still fails it with probability 1.
    """
    inputs = list(inputs)
    _check_inputs(inputs)
    check = _fast_check if fast_mode else _full_check
    worst = check(fn, inputs, eps, atol, rtol)
    if worst.excess <= 0:
        return True
    if raise_exception:
        raise GradcheckError(f"gradcheck failed: {worst.description}")
    return False


def _full_check(fn, inputs, eps, atol, rtol) -> _Worst:
    output_size = _evaluate(fn, inputs).size
    numeric = _jacobians_numeric(fn, inputs, output_size, eps)
    analytic = [np.zeros_like(j) if j is not None else None for j in numeric]
    for k in range(output_size):
        unit = np.zeros(output_size)
        unit[k] = 1.0
        rows = iter(_vector_jacobian(fn, inputs, unit))
        for jac in analytic:
            if jac is not None:
                jac[k] = next(rows).reshape(-1)
    worst = _Worst()
    for i, (t, a, n) in enumerate(zip(inputs, analytic, numeric)):
        if a is None:
            continue
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and excess.max() > worst.excess:
            k, j = np.unravel_index(np.argmax(excess), excess.shape)
            index = np.unravel_index(j, t.shape) if t.ndim else ()
            worst = _Worst(float(excess.max()),
                           f"input {i} (shape {t.shape}) at index {tuple(map(int, index))}, "
                           f"output element {int(k)}: analytic {a[k, j]:.8g}, "
                           f"numeric {n[k, j]:.8g}")
    return worst


def _fast_check(fn, inputs, eps, atol, rtol) -> _Worst:
    generator = np.random.default_rng(0)
    output_shape = _evaluate(fn, inputs).shape
    v = generator.standard_normal(output_shape)
    analytic_vjp = iter(_vector_jacobian(fn, inputs, v))
    worst = _Worst()
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            continue
        u = generator.standard_normal(t.shape)
        analytic = float(np.sum(next(analytic_vjp) * u))
        original = t.data.copy()
        t.data[...] = original + eps * u
        plus = _evaluate(fn, inputs)
        t.data[...] = original - eps * u
        minus = _evaluate(fn, inputs)
        t.data[...] = original
        numeric = float(np.sum((plus - minus) * v) / (2 * eps))
        excess = abs(analytic - numeric) - (atol + rtol * abs(numeric))
        if excess > worst.excess:
            worst = _Worst(excess, f"input {i} (shape {t.shape}), random projection vᵀJu: "
                                   f"analytic {analytic:.8g}, numeric {numeric:.8g} "
                                   "(run with fast_mode=False to find the element)")
    return worst


def gradgradcheck(
    fn: Function,
    inputs: Sequence[Tensor],
    grad_output: np.ndarray | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: gradcheck the map (inputs, v) -> vᵀJ(inputs).

    vᵀJ is computed with `create_graph=True`, so its own backward pass runs
    through the backward rules of every op in `fn`.
    """
    inputs = list(inputs)
    _check_inputs(inputs)
    output = fn(*inputs)
    if grad_output is None:
        grad_output = np.random.default_rng(1).standard_normal(output.shape)
    v = Tensor(grad_output, dtype=np.float64, requires_grad=True)
    differentiable = [t for t in inputs if t.requires_grad]

    def first_derivative(*args: Tensor) -> Tensor:
        *xs, weights = args
        with enable_grad():  # also when the finite differences evaluate it under no_grad
            out = fn(*xs)
            grads = autograd_grad(out, [x for x in xs if x.requires_grad], weights,
                                  create_graph=True, allow_unused=True)
        return concatenate([g.reshape(-1) for g in grads])

    if not differentiable:
        raise ValueError("gradgradcheck: no input requires grad")
    return gradcheck(first_derivative, [*inputs, v], eps, atol, rtol, raise_exception, fast_mode)


# ------------------------------------------------------- every node of a graph


FULL_CHECK_SIZE = 256
"""An input with at most this many elements is checked element by element; a larger
one along one random direction (two forward passes instead of two per element)."""


@dataclass(eq=False)
class NodeCheck:
    """The check of one op application in a graph.

    op         the op's name
    output     the label of the tensor it produced (its name, else "#k" as in a drawing)
    ok         True when its backward rule agrees with central differences
    max_error  the largest |analytic - numeric| over the inputs' elements
    message    what disagreed, and where (empty when ok)
    tensor     the output Tensor, so a drawing can find the node
    """

    op: str
    output: str
    ok: bool
    max_error: float
    message: str = ""
    tensor: Tensor | None = field(default=None, repr=False)


def check_graph(root: Tensor, *, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3) -> list[NodeCheck]:
    """Check every op application in the graph of `root` on its actual inputs.

    For each op that made a tensor of the graph, its inputs (as recorded for
    backward) are copied to float64, the op is applied again, and the
    vector-Jacobian product its backward rule computes for a random vector v is
    compared with central differences of v · op(inputs). One NodeCheck per op, in
    the order the forward pass ran them; a wrong rule fails at its own node only,
    because every node is checked on its own inputs, not through the others.
    The graph must still exist (before `backward()`, or after
    `backward(retain_graph=True)`).
    """
    from tinygrad_edu.viz.graph import (  # viz is a layer above gradcheck
        backward_steps,
        check_root,
        forward_order,
        reachable_tensors,
        tensor_labels,
    )

    check_root(root, "check_graph")
    labels = tensor_labels(reachable_tensors(root, "check_graph"), {}, backward_steps(root))
    return [_check_node(tensor, labels[id(tensor)], eps, atol, rtol)
            for tensor in forward_order(root)]


def _check_node(tensor: Tensor, label: str, eps: float, atol: float, rtol: float) -> NodeCheck:
    """Compare the op's vector-Jacobian product with central differences, input by input."""
    ctx = Context(tensor)
    name = ctx.function.name
    inputs = [_float64_leaf(array, needs) for array, needs in zip(ctx.inputs, ctx.needs_input_grad)]

    def apply(*xs: Tensor) -> Tensor:
        return ctx.function.apply(*xs, **ctx.params)

    with no_grad():
        output_dtype = apply(*inputs).dtype
    if output_dtype != np.float64:
        return NodeCheck(name, label, True, 0.0, f"not checked: {name} gives {output_dtype} "
                         "even on float64 inputs, too coarse for finite differences", tensor)
    v = np.random.default_rng(0).standard_normal(tensor.shape)
    differentiable = [t for t in inputs if t.requires_grad]
    worst = _Worst(excess=0.0)
    max_error = 0.0
    for x, vjp in zip(differentiable, _vector_jacobian(apply, inputs, v)):
        numeric, direction = _numeric_vjp(apply, inputs, x, v, eps)
        analytic = vjp.reshape(-1) if direction is None else np.array([vjp.reshape(-1) @ direction])
        error = np.abs(analytic - numeric)
        max_error = max(max_error, float(error.max(initial=0.0)))
        excess = error - (atol + rtol * np.abs(numeric))
        if excess.size and excess.max() > worst.excess:
            k = int(np.argmax(excess))
            where = f"element {k}" if direction is None else "a random direction"
            worst = _Worst(float(excess.max()),
                           f"{name}.backward disagrees with central differences at input "
                           f"{_input_position(inputs, x)} (shape {x.shape}), {where}: "
                           f"analytic {analytic[k]:.6g}, numeric {numeric[k]:.6g}")
    ok = worst.excess <= 0
    return NodeCheck(name, label, ok, max_error, "" if ok else worst.description, tensor)


def _float64_leaf(array: np.ndarray, needs_grad: bool) -> Tensor:
    """A fresh leaf holding a float64 copy of a recorded input (other dtypes as they are)."""
    if array.dtype.kind != "f":
        return Tensor(np.array(array), dtype=array.dtype)
    return Tensor(np.array(array, dtype=np.float64), dtype=np.float64, requires_grad=needs_grad)


def _input_position(inputs: list[Tensor], x: Tensor) -> int:
    return next(i for i, t in enumerate(inputs) if t is x)


def _numeric_vjp(apply: Function, inputs: list[Tensor], x: Tensor, v: np.ndarray,
                 eps: float) -> tuple[np.ndarray, np.ndarray | None]:
    """Central differences of v · apply(inputs) with respect to x: per element when x is
    small, else along one random unit direction u (returned, so the analytic side can be
    projected on it too)."""
    weights = v.reshape(-1)
    if x.size <= FULL_CHECK_SIZE:
        numeric = np.zeros(x.size)
        for j, slope in _central_differences(apply, inputs, x, eps):
            numeric[j] = slope @ weights
        return numeric, None
    u = np.random.default_rng(1).standard_normal(x.size)
    u /= np.linalg.norm(u)
    original = x.data.copy()
    x.data[...] = original + eps * u.reshape(x.shape)
    plus = _evaluate(apply, inputs).reshape(-1)
    x.data[...] = original - eps * u.reshape(x.shape)
    minus = _evaluate(apply, inputs).reshape(-1)
    x.data[...] = original
    return np.array([(plus - minus) @ weights / (2 * eps)]), u
