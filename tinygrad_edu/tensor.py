"""Tensor: one NumPy array, plus the link to the op that produced it.

Every arithmetic operator and method here calls an op from `tinygrad_edu.ops`
(or composes several), so anything computed from Tensors can be differentiated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu import autograd, dtypes, rng
from tinygrad_edu.broadcast import broadcast_shape
from tinygrad_edu.dtypes import DEFAULT_FLOAT

Axis = int | tuple[int, ...] | None


class VersionCounter:
    """How many times a tensor's array has been changed in place. Tensors that share
    memory (a view and its base, a tensor and its `detach()`) share one counter.

    A tensor gets a counter of its own only when it first needs one: when it is
    changed in place, or when a view or a detach() of it must share it. Until then
    it points to `UNCHANGED`, one counter that all such tensors share and that is
    never incremented (version 0). Most tensors of a graph never need their own,
    and a graph of a million ops then keeps a million fewer objects."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


UNCHANGED = VersionCounter()


class RemovableHandle:
    """What `register_hook` returns: `remove()` takes the hook off again."""

    def __init__(self, hooks: dict[int, Any], key: int):
        self.hooks = hooks
        self.key = key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Float data becomes float32 unless `dtype` says otherwise (gradient checks use
    float64). Integer and boolean tensors hold labels, indices and masks; they
    never require grad. A Tensor made from a NumPy array of the same dtype shares
    its memory, as `torch.from_numpy` does, except one that requires grad: a
    parameter gets its own copy, so updating it in place never changes your array.

    A tensor that a recorded op produced is a node of the graph: `_op` is that op
    (None for a leaf) and the fields after it are what the op remembers for its
    backward pass. `Function.apply` sets them; see autograd.py.
    """

    __slots__ = ("data", "grad", "_requires_grad", "name", "_version_counter",
                 "_retains_grad", "_hooks", "__weakref__",
                 "_op", "_parents", "_saved_output", "_params",
                 "_needs_input_grad", "_input_versions", "_output_version", "_module",
                 "_sequence", "_created_at")
    __array_ufunc__ = None  # `ndarray * Tensor` calls Tensor.__rmul__ instead of NumPy

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ):
        self.data = _to_array(data, dtype)
        if requires_grad and np.may_share_memory(self.data, data):
            self.data = self.data.copy()
        self.grad: Tensor | None = None
        self._op: type[autograd.Function] | None = None
        self.name = name
        self._version_counter = UNCHANGED
        self._retains_grad = False
        self._hooks: dict[int, Any] | None = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data: np.ndarray, version_counter: VersionCounter = UNCHANGED) -> Tensor:
        """A tensor around an array an op computed: no conversion, no graph (the engine
        links it to one). A view of another tensor's array passes that tensor's
        version counter."""
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._op = None
        out.name = None
        out._version_counter = version_counter
        out._retains_grad = False
        out._hooks = None
        out._requires_grad = False
        return out

    # ----------------------------------------------------------- attributes

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._op is not None:
            raise RuntimeError(
                "requires_grad: you can only change requires_grad flags of leaf variables "
                f"(this tensor was computed by '{self.op}'). If you want to use a computed "
                "tensor in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()"
            )
        if value and self.data.dtype.kind != "f":
            raise TypeError(
                f"Tensor: only floating-point tensors can require grad, "
                f"this one has dtype {self.data.dtype}"
            )
        self._requires_grad = bool(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded op produced: a parameter, an input, a constant."""
        return self._op is None

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's array has seen (PyTorch's `_version`)."""
        return self._version_counter.value

    def _shared_version_counter(self) -> VersionCounter:
        """This tensor's own version counter, made now if it has none yet."""
        if self._version_counter is UNCHANGED:
            self._version_counter = VersionCounter()
        return self._version_counter

    def _count_in_place_change(self) -> None:
        self._shared_version_counter().value += 1

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place and return this tensor (leaves only)."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep this tensor's gradient in `.grad` after backward() even though it is
        not a leaf (a leaf keeps its gradient anyway)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that has "
                               "requires_grad=False")
        if self._op is not None:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call `hook(grad)` whenever backward computes this tensor's gradient (a
        Tensor); if the hook returns a tensor, that replaces the gradient. Returns
        a handle whose `remove()` takes the hook off."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        key = max(self._hooks, default=-1) + 1
        self._hooks[key] = hook
        return RemovableHandle(self._hooks, key)

    @property
    def op(self) -> str | None:
        """The name of the op that produced this tensor, None for a leaf."""
        return None if self._op is None else self._op.name

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extras = []
        if self.dtype != DEFAULT_FLOAT:
            extras.append(f"dtype={self.dtype}")
        if self._op is not None:
            extras.append(f"op={self.op}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    # ----------------------------------------------------- leaving the graph

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """NumPy's conversion protocol: `np.asarray(t)` shares the tensor's array,
        `np.array(t)` (copy=True) gets a copy, and copy=False refuses to make one."""
        converts = dtype is not None and np.dtype(dtype) != self.dtype
        if copy is False and converts:
            raise ValueError(f"__array__: a {self.dtype} tensor cannot become {np.dtype(dtype)} "
                             "without a copy, and copy=False was asked for")
        if converts:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self) -> float | int | bool:
        if self.size != 1:
            raise ValueError(
                f"item: only a tensor with one element has an item, shape {self.shape}"
            )
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data (and version counter), cut off from the graph."""
        return Tensor._from_op(self.data, self._shared_version_counter())

    def clone(self) -> Tensor:
        """A copy with its own array; gradients flow back through it to this tensor."""
        return movement.Clone.apply(self)

    def astype(self, dtype: Any) -> Tensor:
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        return elementwise.Cast.apply(self, dtype=dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    __hash__ = object.__hash__  # `==` is elementwise, so hash by identity

    # --------------------------------------------------------------- backward

    def backward(
        self,
        grad: Any = None,
        retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad.

        `grad` is the gradient of some final loss with respect to this tensor;
        it may be left out when this tensor is a scalar (it is then 1).
        """
        seed = autograd.seed_gradient(self, grad, "backward")
        autograd.backpropagate([self], [seed], retain_graph or create_graph, create_graph)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradient: `.grad = None`, or (set_to_none=False) fill it with
        zeros in place, cut off from any graph it had."""
        if set_to_none or self.grad is None:
            self.grad = None
            return
        if self.grad._op is not None:
            self.grad = self.grad.detach()
        self.grad.zero_()

    def draw(self, **options):
        """The graph that computed this tensor as a graphviz.Digraph (see viz.draw_graph)."""
        from tinygrad_edu.viz import draw_graph  # viz is a layer above tensor

        return draw_graph(self, **options)

    # ------------------------------------------------------------ arithmetic

    def __add__(self, other) -> Tensor:
        return elementwise.Add.apply(*_operands(self, other))

    def __radd__(self, other) -> Tensor:
        return elementwise.Add.apply(*_operands(other, self))

    def __sub__(self, other) -> Tensor:
        return elementwise.Sub.apply(*_operands(self, other))

    def __rsub__(self, other) -> Tensor:
        return elementwise.Sub.apply(*_operands(other, self))

    def __mul__(self, other) -> Tensor:
        return elementwise.Mul.apply(*_operands(self, other))

    def __rmul__(self, other) -> Tensor:
        return elementwise.Mul.apply(*_operands(other, self))

    def __truediv__(self, other) -> Tensor:
        return elementwise.Div.apply(*_operands(self, other, floating=True))

    def __rtruediv__(self, other) -> Tensor:
        return elementwise.Div.apply(*_operands(other, self, floating=True))

    def __neg__(self) -> Tensor:
        return elementwise.Neg.apply(self)

    def __abs__(self) -> Tensor:
        return self.abs()

    def __pow__(self, exponent) -> Tensor:
        return elementwise.Pow.apply(*_operands(self, exponent))

    def __rpow__(self, base) -> Tensor:
        return elementwise.Pow.apply(*_operands(base, self))

    def __matmul__(self, other) -> Tensor:
        return linalg.MatMul.apply(*_operands(self, other))

    def __rmatmul__(self, other) -> Tensor:
        return linalg.MatMul.apply(*_operands(other, self))

    # ------------------------------------------------------ in-place updates
    # Each changes the tensor's own array and counts the change in its version.
    # Where that could make a gradient wrong it is refused instead (see
    # `_check_in_place`); backward refuses to use a value changed after forward.

    def add_(self, other: Any) -> Tensor:
        """self ← self + other, in place."""
        return self._update("add_", other, Tensor.__add__)

    def sub_(self, other: Any) -> Tensor:
        """self ← self - other, in place."""
        return self._update("sub_", other, Tensor.__sub__)

    def mul_(self, other: Any) -> Tensor:
        """self ← self * other, in place."""
        return self._update("mul_", other, Tensor.__mul__)

    def div_(self, other: Any) -> Tensor:
        """self ← self / other, in place (a float tensor only: true division)."""
        return self._update("div_", other, Tensor.__truediv__)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """self ← min(max(self, min), max), in place."""
        return self._update("clamp_", None, lambda t, _: t.clip(min, max))

    def zero_(self) -> Tensor:
        """Fill with zeros, in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Fill every element with the number `value` (or a 0-d tensor's), in place."""
        if np.ndim(value) != 0:
            raise ValueError(f"fill_: the value must be a number or a 0-d tensor, "
                             f"got shape {np.shape(value)}")
        self._check_in_place("fill_", value)
        return self._write("fill_", np.asarray(value), check_dtype=False)

    def copy_(self, source: Any) -> Tensor:
        """Copy `source`'s values (broadcast to this shape, cast to this dtype) in place."""
        self._check_in_place("copy_", source)
        return self._write("copy_", np.asarray(source), check_dtype=False)

    def __setitem__(self, index: Any, value: Any) -> None:
        """self[index] = value, in place (value cast to this tensor's dtype)."""
        self._check_in_place("__setitem__", value)
        try:
            self.data[movement.normalize_index(index)] = np.asarray(value)
        except (IndexError, ValueError) as error:
            raise type(error)(f"__setitem__: {error} (tensor shape {self.shape})") from None
        self._count_in_place_change()

    def _update(self, op: str, other: Any, compute) -> Tensor:
        """self ← compute(self, other), computed out of place and written back."""
        self._check_in_place(op, other)
        with autograd.no_grad():
            result = compute(self, other)
        return self._write(op, result.data, check_dtype=True)

    def _check_in_place(self, op: str, value: Any) -> None:
        """Refuse an in-place change that the graph could not account for."""
        if not self.data.flags.writeable:
            raise RuntimeError(f"{op}: this tensor's array is read-only (a broadcast view, "
                               "or an array NumPy will not let us write), so it cannot be "
                               "changed in place; clone() it first")
        if not autograd.is_grad_enabled():
            return
        if self._requires_grad and self._op is None:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place "
                "operation. To update a parameter by hand, do it under `with tg.no_grad():`"
            )
        if self._requires_grad:
            raise RuntimeError(
                f"{op}: this tensor was computed by '{self.op}' in a recorded graph, and "
                "in-place operations are not recorded in the graph: write it out of place "
                "(y = y + x) instead"
            )
        if isinstance(value, Tensor) and value._requires_grad:
            raise RuntimeError(
                f"{op}: the value written in place requires grad, and in-place operations "
                "are not recorded in the graph: write it out of place (y = y + x) instead"
            )

    def _write(self, op: str, result: np.ndarray, check_dtype: bool) -> Tensor:
        """Write `result` into this tensor's array, after checking that it fits."""
        if check_dtype and not dtypes.can_cast(result.dtype, self.dtype):
            raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        try:
            fits = np.broadcast_shapes(result.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{op}: a result of shape {result.shape} does not fit this "
                               f"tensor's shape {self.shape}")
        self.data[...] = result
        self._count_in_place_change()
        return self

    # ------------------------------------------- comparisons (no gradient)

    def _compare(self, other, compare, symbol: str) -> Tensor:
        other = as_tensor(other, like=self)
        broadcast_shape(symbol, self.shape, other.shape)
        return Tensor._from_op(np.asarray(compare(self.data, other.data)))

    def __lt__(self, other) -> Tensor:
        return self._compare(other, np.less, "<")

    def __le__(self, other) -> Tensor:
        return self._compare(other, np.less_equal, "<=")

    def __gt__(self, other) -> Tensor:
        return self._compare(other, np.greater, ">")

    def __ge__(self, other) -> Tensor:
        return self._compare(other, np.greater_equal, ">=")

    def __eq__(self, other) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal, "==")

    def __ne__(self, other) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal, "!=")

    # ------------------------------------------------------ elementwise math

    def exp(self) -> Tensor:
        return elementwise.Exp.apply(self._floating())

    def log(self) -> Tensor:
        return elementwise.Log.apply(self._floating())

    def sqrt(self) -> Tensor:
        return elementwise.Sqrt.apply(self._floating())

    def abs(self) -> Tensor:
        return elementwise.Abs.apply(self)

    def relu(self) -> Tensor:
        return elementwise.Relu.apply(self)

    def sigmoid(self) -> Tensor:
        return elementwise.Sigmoid.apply(self._floating())

    def tanh(self) -> Tensor:
        return elementwise.Tanh.apply(self._floating())

    def _floating(self) -> Tensor:
        """This tensor, as the default float if it holds integers or booleans
        (exp, log and the like give floats, as in PyTorch)."""
        return self if self.dtype.kind == "f" else self.astype(DEFAULT_FLOAT)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        bounds = [b for b in (min, max) if b is not None]
        dtype = dtypes.result_type([self.dtype] if self.ndim else [],
                                   [] if self.ndim else [self.dtype], bounds)
        return elementwise.Clip.apply(self.astype(dtype), low=min, high=max)

    # ------------------------------------------------------------ reductions

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Sum.apply(self, axis=reduce.normalize_axes("sum", axis, self.ndim),
                                keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Max.apply(self, axis=reduce.normalize_axes("max", axis, self.ndim),
                                keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reduce.Min.apply(self, axis=reduce.normalize_axes("min", axis, self.ndim),
                                keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return functional.mean(self, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return functional.var(self, axis, keepdims, ddof)

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        return functional.std(self, axis, keepdims, ddof)

    def log_softmax(self, axis: int = -1) -> Tensor:
        (axis,) = reduce.normalize_axes("log_softmax", axis, self.ndim)
        return softmax.LogSoftmax.apply(self, axis=axis)

    def argmax(self, axis: int | None = None) -> Tensor:
        return Tensor._from_op(np.asarray(np.argmax(self.data, axis=axis)))

    def argmin(self, axis: int | None = None) -> Tensor:
        return Tensor._from_op(np.asarray(np.argmin(self.data, axis=axis)))

    # -------------------------------------------------------------- movement

    def reshape(self, *shape) -> Tensor:
        return movement.Reshape.apply(self, shape=_shape_argument(shape))

    def transpose(self, *axes) -> Tensor:
        """Permute the axes (all reversed when none are given), as numpy.transpose."""
        axes = _shape_argument(axes) or tuple(reversed(range(self.ndim)))
        axes = tuple(a + self.ndim if a < 0 else a for a in axes)  # negative counts from the end
        return movement.Transpose.apply(self, axes=axes)

    @property
    def T(self) -> Tensor:
        return self.transpose()

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        axes = list(range(self.ndim))
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
        return self.transpose(*axes)

    def expand(self, *shape) -> Tensor:
        return movement.Expand.apply(self, shape=_shape_argument(shape))

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def squeeze(self, axis: Axis = None) -> Tensor:
        if axis is None:
            axes = tuple(i for i, n in enumerate(self.shape) if n == 1)
        else:
            axes = reduce.normalize_axes("squeeze", axis, self.ndim)
        for i in axes:
            if self.shape[i] != 1:
                raise ValueError(f"squeeze: axis {i} has size {self.shape[i]}, not 1")
        return self.reshape(*(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, axis: int) -> Tensor:
        if not -self.ndim - 1 <= axis <= self.ndim:
            raise ValueError(f"unsqueeze: axis {axis} is out of range for {self.ndim} dimensions")
        axis = axis % (self.ndim + 1)
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def __getitem__(self, index) -> Tensor:
        return movement.GetItem.apply(self, index=movement.normalize_index(index))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # ------------------------------------------ everyday ops (issue 18)
    # Ops: sin, cos, erf, sign, remainder, cumsum, prod, gather (ops/*.py). Composites
    # of ops: square, rsqrt, reciprocal, and the rearrangements in rearrange.py.
    # No gradient (like the comparisons): floor_divide, isclose, any, all, argsort.

    def sin(self) -> Tensor:
        return trig.Sin.apply(self._floating())

    def cos(self) -> Tensor:
        return trig.Cos.apply(self._floating())

    def erf(self) -> Tensor:
        return special.Erf.apply(self._floating())

    def square(self) -> Tensor:
        """x ** 2 (integers stay integers and booleans become int64, as in PyTorch)."""
        return self ** 2

    def rsqrt(self) -> Tensor:
        """1 / √x."""
        return 1.0 / self._floating().sqrt()

    def reciprocal(self) -> Tensor:
        """1 / x (the default float for integers)."""
        return 1.0 / self._floating()

    def sign(self) -> Tensor:
        """-1, 0 or 1 (gradient 0, as in PyTorch); a boolean is its own sign."""
        return self.clone() if self.dtype == np.bool_ else rounding.Sign.apply(self)

    def remainder(self, other: Any) -> Tensor:
        """self - other · ⌊self / other⌋, with the sign of `other` (Python's %)."""
        return rounding.Remainder.apply(*_operands(self, other))

    def __mod__(self, other) -> Tensor:
        return self.remainder(other)

    def __rmod__(self, other) -> Tensor:
        return rounding.Remainder.apply(*_operands(other, self))

    def floor_divide(self, other: Any) -> Tensor:
        """⌊self / other⌋ (no gradient; integer division by zero raises)."""
        return floor_divide(self, other)

    def __floordiv__(self, other) -> Tensor:
        return floor_divide(self, other)

    def __rfloordiv__(self, other) -> Tensor:
        return floor_divide(other, self)

    def isclose(self, other: Any, rtol: float = 1e-5, atol: float = 1e-8,
                equal_nan: bool = False) -> Tensor:
        return isclose(self, other, rtol, atol, equal_nan)

    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        axes = reduce.normalize_axes("any", axis, self.ndim)
        return Tensor._from_op(np.asarray(np.any(self.data, axis=axes, keepdims=keepdims)))

    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        axes = reduce.normalize_axes("all", axis, self.ndim)
        return Tensor._from_op(np.asarray(np.all(self.data, axis=axes, keepdims=keepdims)))

    def cumsum(self, axis: int) -> Tensor:
        return functional.cumsum(self, axis)

    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return functional.prod(self, axis, keepdims)

    def flip(self, axis: Axis) -> Tensor:
        return rearrange.flip(self, axis)

    def roll(self, shifts: int | Sequence[int], axis: Axis = None) -> Tensor:
        return rearrange.roll(self, shifts, axis)

    def tril(self, diagonal: int = 0) -> Tensor:
        return rearrange.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return rearrange.triu(self, diagonal)

    def gather(self, axis: int, index: Any) -> Tensor:
        return rearrange.gather(self, axis, index)

    def scatter(self, axis: int, index: Any, src: Any) -> Tensor:
        return rearrange.scatter(self, axis, index, src)

    def scatter_add(self, axis: int, index: Any, src: Any) -> Tensor:
        return rearrange.scatter_add(self, axis, index, src)

    def sort(self, axis: int = -1, descending: bool = False):
        """(values, indices), as torch.sort; the values are differentiable."""
        return rearrange.sort(self, axis, descending)

    def argsort(self, axis: int = -1, descending: bool = False) -> Tensor:
        return rearrange.argsort(self, axis, descending)

    def repeat(self, *sizes: int) -> Tensor:
        """torch's repeat (NumPy's tile): copies of the whole tensor along each axis."""
        return rearrange.repeat(self, *sizes)

    def tile(self, reps: Sequence[int] | int) -> Tensor:
        return rearrange.tile(self, reps)

    def split(self, split_size_or_sections: int | Sequence[int], axis: int = 0
              ) -> tuple[Tensor, ...]:
        return rearrange.split(self, split_size_or_sections, axis)

    def chunk(self, chunks: int, axis: int = 0) -> tuple[Tensor, ...]:
        return rearrange.chunk(self, chunks, axis)


# ------------------------------------------------------------------ creation


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):  # a copy, as torch.tensor(t) makes: versions are not shared
        data = data.data.copy()
    try:
        array = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as error:
        raise TypeError(f"Tensor: cannot make a numeric array from {type(data).__name__}: "
                        f"{error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"Tensor: data must be numbers or booleans, got dtype {array.dtype}")
    if dtype is None and array.dtype.kind == "f" and array.dtype != DEFAULT_FLOAT:
        array = array.astype(DEFAULT_FLOAT)
    return array


def constant(array: np.ndarray) -> Tensor:
    """Wrap an array that gradients never flow into (a mask, a sign, a count)."""
    return Tensor._from_op(np.asarray(array))


def as_tensor(value: Any, like: Tensor | None) -> Tensor:
    """`value` as a Tensor; next to a float tensor `like` it takes that tensor's dtype."""
    if isinstance(value, Tensor):
        return value
    if like is None or like.dtype.kind != "f":
        return Tensor(value)
    if isinstance(value, (int, float)):
        return constant(np.asarray(value, dtype=like.dtype))
    return Tensor(value, dtype=like.dtype)


def _shape_argument(shape: tuple) -> tuple[int, ...]:
    """Accept both f(2, 3) and f((2, 3)), as NumPy and PyTorch do."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape_argument(shape), dtype), requires_grad, dtype)


def ones(*shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape_argument(shape), dtype), requires_grad, dtype)


def full(shape: Sequence[int] | int, fill_value: float, dtype: Any = DEFAULT_FLOAT,
         requires_grad: bool = False) -> Tensor:
    return Tensor(np.full(shape, fill_value, dtype), requires_grad, dtype)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad, t.dtype)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad, t.dtype)


def rand(*shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), from the generator that `manual_seed` seeds."""
    data = rng.generator().random(_shape_argument(shape))
    return Tensor(data, requires_grad, dtype)


def randn(*shape, dtype: Any = DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """Standard normal, from the generator that `manual_seed` seeds."""
    data = rng.generator().standard_normal(_shape_argument(shape))
    return Tensor(data, requires_grad, dtype)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    return Tensor(np.arange(start, stop, step), dtype=dtype)


def eye(n: int, m: int | None = None, dtype: Any = DEFAULT_FLOAT) -> Tensor:
    return Tensor(np.eye(n, m), dtype=dtype)


# ------------------------------------------------- ops with several tensors


def _operands(a: Any, b: Any, floating: bool = False) -> tuple[Tensor, Tensor]:
    """The two operands of an op as Tensors of one dtype, promoted as PyTorch does
    (dtypes.py); `floating` makes an integer result the default float (true division).

    The usual cases need no promotion: two tensors of one dtype (a float, for true
    division), or a float tensor and a Python number, which takes the tensor's dtype.
    """
    if type(a) is Tensor:
        dtype = a.data.dtype
        if type(b) is Tensor:
            if dtype == b.data.dtype and (not floating or dtype.kind == "f"):
                return a, b
        elif (type(b) is float or type(b) is int) and dtype.kind == "f":
            return a, constant(np.asarray(b, dtype=dtype))
    elif type(b) is Tensor and (type(a) is float or type(a) is int) and b.data.dtype.kind == "f":
        return constant(np.asarray(a, dtype=b.data.dtype)), b
    return _promoted(a, b, floating)


def _promoted(a: Any, b: Any, floating: bool) -> tuple[Tensor, Tensor]:
    """`_operands` for every other case: a Python number takes part as a scalar; a
    NumPy array or a list becomes a tensor first (a float array next to a float
    tensor takes that tensor's dtype)."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    values = [v if _is_number(v) else as_tensor(v, like) for v in (a, b)]
    tensors = [v for v in values if isinstance(v, Tensor)]
    dtype = dtypes.result_type([t.dtype for t in tensors if t.ndim],
                               [t.dtype for t in tensors if not t.ndim],
                               [v for v in values if _is_number(v)])
    if floating:
        dtype = dtypes.floating(dtype)
    first, second = (v.astype(dtype) if isinstance(v, Tensor)
                     else constant(np.asarray(v, dtype=dtype)) for v in values)
    return first, second


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number, np.bool_))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise `a` where `condition` is true, else `b` (all broadcast together)."""
    condition = condition if isinstance(condition, Tensor) else Tensor(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: the condition must be boolean, got dtype {condition.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    return elementwise.Where.apply(condition, *_operands(a, b))


def maximum(a: Any, b: Any) -> Tensor:
    return elementwise.Maximum.apply(*_operands(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return elementwise.Minimum.apply(*_operands(a, b))


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise ValueError("concatenate: needs at least one tensor")
    dtype = dtypes.result_type([t.dtype for t in tensors], [], [])  # as torch.cat
    return movement.Concatenate.apply(*(t.astype(dtype) for t in tensors), axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join along a new axis: each tensor gets a length-1 axis, then they are concatenated."""
    if len(tensors) == 0:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return concatenate([t.unsqueeze(axis) for t in tensors], axis=axis)


def floor_divide(a: Any, b: Any) -> Tensor:
    """⌊a / b⌋ elementwise, promoted as PyTorch does; no gradient (PyTorch has none).
    Integer division by zero raises ZeroDivisionError."""
    a, b = _operands(a, b)
    rounding.check_integer_divisor("floor_divide", b.data)
    return Tensor._from_op(np.asarray(np.floor_divide(a.data, b.data)))


def isclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> Tensor:
    """|a - b| <= atol + rtol |b| elementwise, as a boolean tensor (torch.isclose)."""
    a, b = _operands(a, b)
    return Tensor._from_op(np.asarray(np.isclose(a.data, b.data, rtol, atol, equal_nan)))


# The ops are written in terms of Tensor, so they are imported once Tensor exists.
from tinygrad_edu import functional, rearrange  # noqa: E402
from tinygrad_edu.ops import (  # noqa: E402
    elementwise,
    linalg,
    movement,
    reduce,
    rounding,
    softmax,
    special,
    trig,
)
