"""Differential tests against PyTorch: random small programs, built on both sides.

A *program* is a few leaf arrays and a list of steps. Each step applies one op
from the table OPS to earlier values (leaves or results of earlier steps), so a
value can feed several later steps: the graphs have shared subexpressions and
diamonds. The same program is built with tinygrad_edu and with torch from the
same NumPy arrays, and the tests compare:

* every value: dtype, shape and numbers;
* the gradients of a weighted sum of the final values (`backward()` against
  torch's `.grad`);
* Hessian-vector products: the gradient of <gradient, v> for a random v.

Reading order: the op table (OPS), the program generator (`programs`), then
`run` and the tests at the end.

Operands are kept in each op's comfortable domain: MARGIN away from kinks and
ties (abs, relu, maximum, clip, max), POLE away from poles (division, log,
sqrt), and every value within ±BOUND. So both libraries take the same branch
everywhere and a float64 comparison can be tight.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MARGIN = 1e-3  # operands stay this far from kinks (0 for abs/relu, clip bounds) and ties
POLE = 0.2  # denominators, log/sqrt arguments and pow bases stay this far from 0
BOUND = 50.0  # a step whose result leaves [-BOUND, BOUND] is not taken
FLOAT64 = {"rtol": 1e-9, "atol": 1e-12}
# Mixed dtypes: float32 kernels in NumPy and torch differ by a few ulps per op
# (6e-8 relative), times values up to BOUND along a chain of a few ops.
FLOAT32 = {"rtol": 1e-4, "atol": 1e-4}


# --------------------------------------------------------- operand conditions


def anything(*arrays: np.ndarray) -> bool:
    return True


def shapes_broadcast(*shapes: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return False
    return True


def broadcastable(*arrays: np.ndarray) -> bool:
    return shapes_broadcast(*(a.shape for a in arrays))


def positive(x: np.ndarray) -> bool:
    return x.min() > POLE


def away_from_zero(x: np.ndarray) -> bool:
    return np.abs(x).min() > POLE


def no_kink_at_zero(x: np.ndarray) -> bool:
    return np.abs(x).min() > MARGIN


def no_ties(a: np.ndarray, b: np.ndarray) -> bool:
    """For maximum/minimum: broadcastable, and no element of a near its partner in b."""
    return broadcastable(a, b) and np.abs(a - b).min() > MARGIN


def has_axes(x: np.ndarray) -> bool:
    return x.ndim >= 1


def matmul_fits(a: np.ndarray, b: np.ndarray) -> bool:
    """a @ b is defined: inner sizes agree and the batch axes broadcast."""
    if a.ndim == 0 or b.ndim == 0:
        return False
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    return a.shape[-1] == inner_b and shapes_broadcast(a.shape[:-2], b.shape[:-2])


def linear_fits(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> bool:
    """x (..., in), weight (out, in), bias (out,)."""
    fits = weight.ndim == 2 and x.ndim >= 1 and x.shape[-1] == weight.shape[1]
    return fits and (bias is None or bias.shape == weight.shape[:1])


# ------------------------------------------------------------ op parameters
# Each takes `draw` and the operands (NumPy arrays) and returns the op's keyword
# parameters, or None when it finds none that keep the operands in the op's domain.


def no_params(draw, *arrays: np.ndarray) -> dict:
    return {}


def axes_of(ndim: int) -> st.SearchStrategy:
    """None (every axis), one axis, or a tuple of axes; negative ones count from the end."""
    if ndim == 0:
        return st.none()
    axis = st.integers(-ndim, ndim - 1)
    several = st.lists(axis, min_size=1, max_size=ndim, unique_by=lambda a: a % ndim).map(tuple)
    return st.one_of(st.none(), axis, several)


def dims(axis, ndim: int):
    """NumPy's `axis` as torch's `dim`: None (every axis) is spelled out as a tuple."""
    return tuple(range(ndim)) if axis is None else axis


def reduce_params(draw, x):
    return {"axis": draw(axes_of(x.ndim)), "keepdims": draw(st.booleans())}


def var_params(draw, x):
    params = reduce_params(draw, x) | {"ddof": draw(st.sampled_from([0, 1]))}
    axes = range(x.ndim) if params["axis"] is None else np.atleast_1d(params["axis"])
    count = int(np.prod([x.shape[a] for a in axes]))  # elements in each variance
    return params if count > params["ddof"] else None


def extreme_params(largest: bool):
    """Axes for max (largest) or min whose extreme elements are each unique by MARGIN."""
    def params(draw, x):
        params = reduce_params(draw, x)
        extreme = (np.max if largest else np.min)(x, axis=params["axis"], keepdims=True)
        near = (np.abs(x - extreme) < MARGIN).sum(axis=params["axis"])
        return params if np.all(near == 1) else None

    return params


def clip_params(draw, x):
    low, high = draw(st.sampled_from([(-0.5, 1), (None, 0), (0.5, None), (-1, 1.5)]))
    if any(np.abs(x - b).min() < MARGIN for b in (low, high) if b is not None):
        return None
    return {"low": low, "high": high}


def number(*choices):
    """A Python number `c` from `choices`, for the ops with a scalar on one side."""
    return lambda draw, *arrays: {"c": draw(st.sampled_from(choices))}


def power_params(draw, x):
    """x ** c: whole c on any base, fractional c on positive bases, negative c away from 0."""
    c = draw(st.sampled_from([2, 3, 0.5, 1.5, -1]))
    if (c != int(c) and not positive(x)) or (c < 0 and not away_from_zero(x)):
        return None
    return {"c": c}


def whole_exponent_params(draw, x):
    """A float tensor of whole exponents, negative only where |x| >= POLE."""
    exponents = draw(hnp.arrays(np.float64, x.shape, elements=st.integers(-2, 3).map(float)))
    return {"exponent": np.where(np.abs(x) < POLE, np.abs(exponents), exponents)}


def mask_for(draw, shape: tuple[int, ...]) -> np.ndarray:
    """A boolean mask that broadcasts to `shape` (some of its axes have length 1)."""
    mask_shape = tuple(draw(st.sampled_from([1, n])) for n in shape)
    return draw(hnp.arrays(np.bool_, mask_shape))


def where_params(draw, a, b):
    return {"mask": mask_for(draw, np.broadcast_shapes(a.shape, b.shape))}


def where_scalar_params(draw, x):
    return {"mask": mask_for(draw, x.shape), "c": draw(st.sampled_from([0, 1.5, -2.0]))}


def reshape_params(draw, x):
    targets = [(x.size,), (-1,), tuple(reversed(x.shape)), (1, *x.shape), (*x.shape, 1)]
    if x.ndim >= 2:
        targets.append((*x.shape[:-2], -1))  # merge the last two axes
    return {"shape": draw(st.sampled_from(targets))}


def transpose_params(draw, x):
    """None (reverse the axes) or a permutation, some of its axes written negative."""
    if draw(st.booleans()):
        return {"axes": None}
    permutation = draw(st.permutations(range(x.ndim)))
    negative = draw(st.lists(st.booleans(), min_size=x.ndim, max_size=x.ndim))
    return {"axes": tuple(a - x.ndim if neg else a for a, neg in zip(permutation, negative))}


def expand_params(draw, x):
    """Grow length-1 axes, keep the others (as n or -1), maybe add leading axes."""
    kept = [draw(st.sampled_from([-1, 1, 2, 3] if n == 1 else [n, -1])) for n in x.shape]
    added = draw(st.lists(st.integers(1, 3), max_size=2))
    return {"shape": (*added, *kept)}


def squeeze_params(draw, x):
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    choices = [None]
    if ones:
        choices += [ones[0], ones[-1] - x.ndim, tuple(ones)]
    return {"axis": draw(st.sampled_from(choices))}


def unsqueeze_params(draw, x):
    return {"axis": draw(st.integers(-x.ndim - 1, x.ndim))}


def a_slice(draw, n: int) -> slice:
    ends = st.none() | st.integers(-n, n)
    return slice(draw(ends), draw(ends), draw(st.sampled_from([None, 1, 2, -1, -2])))


def index_params(draw, x):
    """One of the kinds of index NumPy and torch share; None if it selects nothing."""
    shape = x.shape
    kinds = ["slices and integers", "integer array", "boolean mask", "ellipsis or newaxis"]
    kind = draw(st.sampled_from(kinds + (["two integer arrays"] if x.ndim >= 2 else [])))
    if kind == "slices and integers":  # negative steps too
        index = tuple(draw(st.integers(-n, n - 1)) if draw(st.booleans()) else a_slice(draw, n)
                      for n in shape[:draw(st.integers(1, x.ndim))])
    elif kind == "integer array":  # negative and repeated positions, on any axis
        axis = draw(st.integers(0, x.ndim - 1))
        positions = hnp.arrays(np.int64, draw(st.sampled_from([(1,), (3,), (2, 2)])),
                               elements=st.integers(-shape[axis], shape[axis] - 1))
        index = (slice(None),) * axis + (draw(positions),)
    elif kind == "two integer arrays":  # paired elementwise
        rows, columns = (hnp.arrays(np.int64, 3, elements=st.integers(-n, n - 1))
                         for n in shape[:2])
        index = (draw(rows), draw(columns))
    elif kind == "boolean mask":  # over the first k axes
        index = (draw(hnp.arrays(np.bool_, shape[:draw(st.integers(1, x.ndim))])),)
    else:
        index = draw(st.sampled_from([(Ellipsis, -1), (None, slice(0, 2)), (Ellipsis, None)]))
    return {"index": index} if x[index].size else None


def torch_getitem(x, index):
    """x[index] in torch, which has no negative slice steps: those axes are taken
    with index_select first. (Negative steps come only in an index of slices and
    integers, where the position in the index is the axis.)"""
    index = [torch.from_numpy(p) if isinstance(p, np.ndarray) else p for p in index]
    for axis, part in enumerate(index):
        if isinstance(part, slice) and (part.step or 1) < 0:
            x = x.index_select(axis, torch.from_numpy(np.arange(x.shape[axis])[part]))
            index[axis] = slice(None)
    return x[tuple(index)]


def concatenate_params(draw, a, b):
    differing = [i for i in range(a.ndim) if a.shape[i] != b.shape[i]]
    axis = differing[0] if differing else draw(st.integers(0, a.ndim - 1))
    return {"axis": axis - a.ndim if draw(st.booleans()) else axis}


def concatenate_fits(a, b):
    return a.ndim == b.ndim >= 1 and sum(m != n for m, n in zip(a.shape, b.shape)) <= 1


def stack_params(draw, a, b):
    return {"axis": draw(st.integers(-a.ndim - 1, a.ndim))}


def log_softmax_params(draw, x):
    return {"axis": draw(st.integers(-x.ndim, x.ndim - 1))}


def loss_params(draw, x):
    """Integer class targets for the rows of x (N, C), and a reduction."""
    rows, classes = x.shape
    target = draw(hnp.arrays(np.int64, rows, elements=st.integers(0, classes - 1)))
    return {"target": target, "reduction": draw(st.sampled_from(F.REDUCTIONS))}


def two_dimensional(x):
    return x.ndim == 2


def torch_max(x, axis, keepdims):
    """NumPy's x.max(axis, keepdims) in torch's three spellings."""
    if axis is None and not keepdims:
        return x.max()  # the largest element, 0-d
    if isinstance(axis, int):
        return x.max(dim=axis, keepdim=keepdims).values  # max(dim) gives (values, indices)
    return x.amax(dim=dims(axis, x.ndim), keepdim=keepdims)


def torch_min(x, axis, keepdims):
    if axis is None and not keepdims:
        return x.min()
    if isinstance(axis, int):
        return x.min(dim=axis, keepdim=keepdims).values
    return x.amin(dim=dims(axis, x.ndim), keepdim=keepdims)


# ------------------------------------------------------------------ op table


@dataclass(frozen=True)
class Op:
    """One op on both sides. `ours` and `theirs` take the operand tensors and the
    params as keywords; `fits(*arrays)` says whether operands are in the op's
    domain; `params(draw, *arrays)` draws the parameters (None: no suitable ones)."""

    arity: int
    ours: Callable
    theirs: Callable
    fits: Callable[..., bool] = anything
    params: Callable[..., dict | None] = no_params


def same(arity: int, fn: Callable, **options) -> Op:
    """An op written the same way for both libraries (operators, methods of the same name)."""
    return Op(arity, fn, fn, **options)


def both_broadcastable_and(condition):
    return lambda a, b: broadcastable(a, b) and condition(a, b)


OPS: dict[str, Op] = {
    # elementwise, one operand
    "neg": same(1, operator.neg),
    "exp": same(1, lambda x: x.exp(), fits=lambda x: x.max() < 3.5),
    "log": same(1, lambda x: x.log(), fits=positive),
    "sqrt": same(1, lambda x: x.sqrt(), fits=positive),
    "abs": same(1, lambda x: x.abs(), fits=no_kink_at_zero),
    "relu": same(1, lambda x: x.relu(), fits=no_kink_at_zero),
    "sigmoid": same(1, lambda x: x.sigmoid()),
    "tanh": same(1, lambda x: x.tanh()),
    "clip": Op(1, lambda x, low, high: x.clip(low, high),
               lambda x, low, high: x.clamp(low, high), params=clip_params),
    "x ** whole-number tensor": Op(
        1, lambda x, exponent: x ** tg.Tensor(exponent, dtype=exponent.dtype),
        lambda x, exponent: x ** torch.from_numpy(exponent), params=whole_exponent_params),
    # elementwise, two operands that broadcast together
    "add": same(2, operator.add, fits=broadcastable),
    "sub": same(2, operator.sub, fits=broadcastable),
    "mul": same(2, operator.mul, fits=broadcastable),
    "div": same(2, operator.truediv,
                fits=both_broadcastable_and(lambda a, b: away_from_zero(b))),
    "pow": same(2, operator.pow,
                fits=both_broadcastable_and(lambda a, b: positive(a) and np.abs(b).max() < 3)),
    "maximum": Op(2, tg.maximum, torch.maximum, fits=no_ties),
    "minimum": Op(2, tg.minimum, torch.minimum, fits=no_ties),
    "where": Op(2, lambda a, b, mask: tg.where(mask, a, b),
                lambda a, b, mask: torch.where(torch.from_numpy(mask), a, b),
                fits=broadcastable, params=where_params),
    # a Python number on one side
    "x + c": same(1, lambda x, c: x + c, params=number(2, -1.5, 0.5)),
    "c - x": same(1, lambda x, c: c - x, params=number(2.0, 1, -0.5)),
    "c * x": same(1, lambda x, c: c * x, params=number(3, -0.5)),
    "x / c": same(1, lambda x, c: x / c, params=number(3, -2.5, 0.5)),
    "c / x": same(1, lambda x, c: c / x, fits=away_from_zero, params=number(1, -2.0)),
    "x ** c": same(1, lambda x, c: x ** c, params=power_params),
    "c ** x": same(1, lambda x, c: c ** x, params=number(2, 0.5, 2.5)),
    "where(mask, x, c)": Op(1, lambda x, mask, c: tg.where(mask, x, c),
                            lambda x, mask, c: torch.where(torch.from_numpy(mask), x, c),
                            params=where_scalar_params),
    "where(mask, c, x)": Op(1, lambda x, mask, c: tg.where(mask, c, x),
                            lambda x, mask, c: torch.where(torch.from_numpy(mask), c, x),
                            params=where_scalar_params),
    # reductions
    "sum": Op(1, lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
              lambda x, axis, keepdims: x.sum(dim=dims(axis, x.ndim), keepdim=keepdims),
              params=reduce_params),
    "mean": Op(1, lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
               lambda x, axis, keepdims: x.mean(dim=dims(axis, x.ndim), keepdim=keepdims),
               params=reduce_params),
    "var": Op(1, lambda x, axis, keepdims, ddof: x.var(axis, keepdims, ddof),
              lambda x, axis, keepdims, ddof: x.var(dim=dims(axis, x.ndim), keepdim=keepdims,
                                                    correction=ddof),
              params=var_params),
    "max": Op(1, lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims), torch_max,
              params=extreme_params(largest=True)),
    "min": Op(1, lambda x, axis, keepdims: x.min(axis=axis, keepdims=keepdims), torch_min,
              params=extreme_params(largest=False)),
    # movement
    "reshape": Op(1, lambda x, shape: x.reshape(*shape), lambda x, shape: x.reshape(shape),
                  params=reshape_params),
    "transpose": Op(1, lambda x, axes: x.transpose() if axes is None else x.transpose(*axes),
                    lambda x, axes: x.permute(*(range(x.ndim - 1, -1, -1) if axes is None
                                                else axes)),
                    fits=has_axes, params=transpose_params),
    "expand": same(1, lambda x, shape: x.expand(*shape), params=expand_params),
    "squeeze": same(1, lambda x, axis: x.squeeze() if axis is None else x.squeeze(axis),
                    params=squeeze_params),
    "unsqueeze": same(1, lambda x, axis: x.unsqueeze(axis), params=unsqueeze_params),
    "getitem": Op(1, lambda x, index: x[index], torch_getitem, fits=has_axes,
                  params=index_params),
    "concatenate": Op(2, lambda a, b, axis: tg.concatenate([a, b], axis),
                      lambda a, b, axis: torch.cat([a, b], dim=axis),
                      fits=concatenate_fits, params=concatenate_params),
    "stack": Op(2, lambda a, b, axis: tg.stack([a, b], axis),
                lambda a, b, axis: torch.stack([a, b], dim=axis),
                fits=lambda a, b: a.shape == b.shape, params=stack_params),
    # linear algebra, softmax, losses
    "matmul": same(2, operator.matmul, fits=matmul_fits),
    "linear": Op(3, F.linear, TF.linear, fits=linear_fits),
    "linear without bias": Op(2, F.linear, TF.linear, fits=linear_fits),
    "log_softmax": Op(1, F.log_softmax, lambda x, axis: TF.log_softmax(x, dim=axis),
                      fits=has_axes, params=log_softmax_params),
    "nll_loss": Op(1, lambda x, target, reduction: F.nll_loss(x, target, reduction),
                   lambda x, target, reduction: TF.nll_loss(x, torch.from_numpy(target),
                                                            reduction=reduction),
                   fits=two_dimensional, params=loss_params),
    "cross_entropy": Op(1, lambda x, target, reduction: F.cross_entropy(x, target, reduction),
                        lambda x, target, reduction: TF.cross_entropy(
                            x, torch.from_numpy(target), reduction=reduction),
                        fits=two_dimensional, params=loss_params),
}

# Intentional differences, kept out of the programs by construction:
# - NumPy's axis=() reduces nothing, torch's dim=() everything: `axes_of` never gives ().
# - torch.squeeze(dim) ignores an axis whose length is not 1, ours (as NumPy) raises:
#   `squeeze_params` names only length-1 axes.
# - our matmul/linear promote mixed dtypes where torch raises: any step torch refuses is
#   not taken (see `draw_step`).
# - max/min split the gradient between ties (torch's max(dim) does not): extremes are unique.


@dataclass(frozen=True)
class KnownDifference:
    """A library bug found by this suite and reported, not fixed yet: steps of `op`
    for which `applies(params, *operands)` holds are not generated, for `reason`."""

    op: str
    applies: Callable[..., bool]
    reason: str


KNOWN_DIFFERENCES: list[KnownDifference] = []  # none today: add one, with its reason


def known_difference(name: str, params: dict, operands: list[np.ndarray]) -> bool:
    return any(d.op == name and d.applies(params, *operands) for d in KNOWN_DIFFERENCES)


# --------------------------------------------------------- program generator


@dataclass
class Step:
    op: str
    args: tuple[int, ...]  # the values it takes, by position in the program
    params: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        args = [f"v{i}" for i in self.args]
        args += [f"{k}={v.tolist() if isinstance(v, np.ndarray) else v!r}"
                 for k, v in self.params.items()]
        return f"{self.op}({', '.join(args)})"


class Program:
    """Leaves v0..v{k-1}, then one value per step; `seed` draws the loss weights
    and the HVP directions. (A plain class: hypothesis prints it with __repr__.)"""

    def __init__(self, leaves: list[np.ndarray], steps: list[Step], seed: int):
        self.leaves = leaves
        self.steps = steps
        self.seed = seed

    def outputs(self) -> list[int]:
        """The step results no later step uses (the last one always among them)."""
        used = {i for step in self.steps for i in step.args}
        first = len(self.leaves)
        return [i for i in range(first, first + len(self.steps)) if i not in used]

    def __repr__(self) -> str:
        lines = [f"v{i} = {a.dtype} {a.tolist()}" for i, a in enumerate(self.leaves)]
        lines += [f"v{len(self.leaves) + i} = {step}" for i, step in enumerate(self.steps)]
        lines.append(f"loss = weighted sum of {', '.join(f'v{i}' for i in self.outputs())} "
                     f"(seed {self.seed})")
        return "\n" + "\n".join(lines)


def leaf(shape, dtype, offset: float, low: int = -40) -> st.SearchStrategy[np.ndarray]:
    """Distinct floats on the grid k/20 + offset (each leaf its own offset, so no two
    leaves ever tie, and nothing is within `offset` of 0), or small nonzero integers."""
    if np.dtype(dtype).kind == "i":
        values = st.integers(1 if low > 0 else -3, 3).filter(bool)
        return hnp.arrays(dtype, shape, elements=values)
    grid = st.integers(low, 40).map(lambda k: k / 20 + offset)
    return hnp.arrays(dtype, shape, elements=grid, unique=True)


@st.composite
def leaf_arrays(draw, mixed_dtypes: bool) -> list[np.ndarray]:
    """Six leaves (v0..v5 in a program's listing): x0 of the full shape (>= 1 axis),
    x1 and positive x2 broadcastable with it (maybe 0-d), and W (r, n), M (n, r),
    b (r,), so that linear(x0, W, b), x0 @ M and the losses on W always fit."""
    full = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    others = hnp.broadcastable_shapes(full, min_dims=0, max_dims=3, max_side=3)
    n, r = full[-1], draw(st.integers(1, 3))
    shapes = [full, draw(others), draw(others), (r, n), (n, r), (r,)]
    dtypes = [np.float64] * 6
    if mixed_dtypes:
        dtypes = draw(st.lists(st.sampled_from([np.float32, np.float64, np.int64, np.int32]),
                               min_size=6, max_size=6))
    lows = [-40, -40, 4, -40, -40, -40]  # x2 is positive
    return [draw(leaf(s, d, offset=0.005 * (i + 1), low=low))
            for i, (s, d, low) in enumerate(zip(shapes, dtypes, lows))]


def draw_step(draw, name: str, arrays: list[np.ndarray], values: list) -> tuple | None:
    """Apply op `name` to drawn operands: the Step and torch's result, or None when no
    operands fit, no parameters fit, torch refuses, or the result is empty or too large."""
    op = OPS[name]
    candidates = [args for args in itertools.product(range(len(arrays)), repeat=op.arity)
                  if op.fits(*(arrays[i] for i in args))]
    newest = len(arrays) - 1
    if not draw(st.booleans()):  # most steps extend the newest value: deep chains
        candidates = [args for args in candidates if newest in args] or candidates
    if not candidates:
        return None
    args = draw(st.sampled_from(candidates))
    params = op.params(draw, *(arrays[i] for i in args))
    if params is None or known_difference(name, params, [arrays[i] for i in args]):
        return None
    try:
        result = op.theirs(*(values[i] for i in args), **params)
    except (RuntimeError, TypeError, ValueError, IndexError):
        return None  # torch refuses it: nothing to compare
    if result.numel() == 0 or not (result.abs() <= BOUND).all():
        return None
    return Step(name, args, params), result


@st.composite
def programs(draw, mixed_dtypes: bool = False, first_op: str | None = None,
             min_steps: int = 3, max_steps: int = 8) -> Program:
    """Leaves, then min_steps..max_steps steps (the first one `first_op` when given).
    A step takes any earlier values, so values are reused (shared subexpressions)."""
    leaves = draw(leaf_arrays(mixed_dtypes))
    arrays = list(leaves)  # every value so far, as NumPy arrays, to choose operands by
    values = [torch.from_numpy(a) for a in leaves]  # the same, as torch tensors
    steps: list[Step] = []
    for _ in range(draw(st.integers(min_steps, max_steps))):
        for _attempt in range(30):
            name = first_op if first_op and not steps else draw(st.sampled_from(sorted(OPS)))
            drawn = draw_step(draw, name, arrays, values)
            if drawn is not None:
                break
        else:
            assert not (first_op and not steps), f"could not apply {first_op} to the leaves"
            continue
        step, result = drawn
        steps.append(step)
        values.append(result)
        arrays.append(result.numpy())
    return Program(leaves, steps, draw(st.integers(0, 2**32 - 1)))


# ------------------------------------------------------- running and comparing


def run(program: Program, side: str) -> tuple[list, list]:
    """Build the program with "ours" or "torch": its leaves and all its values."""
    if side == "ours":
        leaves = [tg.Tensor(a, requires_grad=a.dtype.kind == "f", dtype=a.dtype)
                  for a in program.leaves]
    else:
        leaves = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in program.leaves]
    values = list(leaves)
    for step in program.steps:
        op = OPS[step.op]
        fn = op.ours if side == "ours" else op.theirs
        values.append(fn(*(values[i] for i in step.args), **step.params))
    return leaves, values


def as_tensor(array: np.ndarray, side: str):
    return tg.Tensor(array, dtype=array.dtype) if side == "ours" else torch.from_numpy(array)


def weighted_sum(values: list, weights: dict[int, np.ndarray], side: str):
    return sum((as_tensor(w, side) * values[i]).sum() for i, w in weights.items())


def assert_same(ours, theirs, what: str, tolerance: dict) -> None:
    """Same dtype, same shape, and values within the tolerance."""
    torch_dtype = str(theirs.dtype).removeprefix("torch.")
    assert ours.dtype.name == torch_dtype, f"{what}: dtype {ours.dtype}, torch {torch_dtype}"
    assert ours.shape == tuple(theirs.shape), f"{what}: shape {ours.shape}, torch {theirs.shape}"
    expected = theirs.detach().numpy(force=True)  # force: torch may give a ZeroTensor
    np.testing.assert_allclose(ours.data, expected, err_msg=what, **tolerance)


def hessian_vector_products(loss, leaves, directions, side):
    """The gradients (with create_graph) and the gradient of <gradient, direction>.
    A leaf the loss does not reach gets zeros; so does everything when the
    gradient is constant (the loss is linear in the leaves)."""
    if side == "ours":
        grads = tg.grad(loss, leaves, create_graph=True, allow_unused=True)
    else:
        grads = torch.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
        grads = [torch.zeros_like(x) if g is None else g for x, g in zip(leaves, grads)]
    dot = sum((g * as_tensor(d, side)).sum() for g, d in zip(grads, directions))
    if not dot.requires_grad:
        zeros_like = tg.zeros_like if side == "ours" else torch.zeros_like
        return grads, [zeros_like(x) for x in leaves]
    if side == "ours":
        return grads, tg.grad(dot, leaves, allow_unused=True)
    hvps = torch.autograd.grad(dot, leaves, allow_unused=True)
    return grads, [torch.zeros_like(x) if h is None else h for x, h in zip(leaves, hvps)]


def check_against_torch(program: Program, tolerance: dict, hvp: bool) -> None:
    """Build the program on both sides and compare every value, the gradients of a
    weighted sum of its outputs, and (hvp) the Hessian-vector products."""
    ours_leaves, ours = run(program, "ours")
    torch_leaves, theirs = run(program, "torch")
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_same(a, b, f"v{i}", tolerance)

    rng = np.random.default_rng(program.seed)
    weights = {i: np.asarray(rng.uniform(-1, 1, ours[i].shape)) for i in program.outputs()}
    loss_ours = weighted_sum(ours, weights, "ours")
    loss_torch = weighted_sum(theirs, weights, "torch")
    assert loss_ours.requires_grad == loss_torch.requires_grad
    if not loss_torch.requires_grad:
        return  # only integer values reach the loss
    loss_ours.backward(retain_graph=True)
    loss_torch.backward(retain_graph=True)
    for i, (a, b) in enumerate(zip(ours_leaves, torch_leaves)):
        assert (a.grad is None) == (b.grad is None), f"v{i}.grad: {a.grad} vs torch {b.grad}"
        if b.grad is not None:
            assert_same(a.grad, b.grad, f"v{i}.grad", tolerance)
    if not hvp:
        return

    directions = [np.asarray(rng.uniform(-1, 1, x.shape)) for x in ours_leaves]
    grads_ours, hvps_ours = hessian_vector_products(loss_ours, ours_leaves, directions, "ours")
    grads_torch, hvps_torch = hessian_vector_products(loss_torch, torch_leaves, directions,
                                                      "torch")
    for i in range(len(ours_leaves)):
        assert_same(grads_ours[i], grads_torch[i], f"grad(loss, v{i}, create_graph)", tolerance)
        assert_same(hvps_ours[i], hvps_torch[i], f"HVP for v{i}", tolerance)


# ------------------------------------------------------------------- tests


@settings(max_examples=100)
@given(programs())
def test_random_float64_programs_match_torch(program):
    check_against_torch(program, FLOAT64, hvp=True)


@pytest.mark.parametrize("op", sorted(OPS))
@settings(max_examples=5)
@given(data=st.data())
def test_each_op_matches_torch_at_the_start_of_a_program(op, data):
    program = data.draw(programs(first_op=op, min_steps=1, max_steps=4))
    assert program.steps[0].op == op
    check_against_torch(program, FLOAT64, hvp=True)


@settings(max_examples=100)
@given(programs(mixed_dtypes=True))
def test_mixed_dtype_programs_match_torch(program):
    """float32/float64/int32/int64 leaves, 0-d tensors and Python numbers: the
    promotions give torch's dtypes, and gradients keep each leaf's dtype."""
    check_against_torch(program, FLOAT32, hvp=False)
