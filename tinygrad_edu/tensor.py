"""Tensor: one NumPy array, plus the link to the op that produced it.

Every arithmetic operator and method here calls an op from `tinygrad_edu.ops`
(or composes several), so anything computed from Tensors can be differentiated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu import autograd, rng

Axis = int | tuple[int, ...] | None
DEFAULT_FLOAT = np.float32


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    Float data becomes float32 unless `dtype` says otherwise (gradient checks use
    float64). Integer and boolean tensors hold labels, indices and masks; they
    never require grad. A Tensor made from a NumPy array of the same dtype shares
    its memory, as `torch.from_numpy` does, except one that requires grad: a
    parameter gets its own copy, so updating it in place never changes your array.
    """

    __slots__ = ("data", "grad", "_requires_grad", "name", "_ctx", "__weakref__")
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
        self._ctx: autograd.Context | None = None
        self.name = name
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx: autograd.Context | None) -> Tensor:
        """The result of an op: no conversion, and it requires grad iff it is in a graph."""
        out = cls.__new__(cls)
        out.data = data
        out.grad = None
        out._ctx = ctx
        out.name = None
        out._requires_grad = ctx is not None
        return out

    # ----------------------------------------------------------- attributes

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
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
        return self._ctx is None

    @property
    def op(self) -> str | None:
        """The name of the op that produced this tensor, None for a leaf."""
        return None if self._ctx is None else self._ctx.function.name

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extras = []
        if self.dtype != DEFAULT_FLOAT:
            extras.append(f"dtype={self.dtype}")
        if self._ctx is not None:
            extras.append(f"op={self.op}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    # ----------------------------------------------------- leaving the graph

    def numpy(self) -> np.ndarray:
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self) -> float | int | bool:
        if self.size != 1:
            raise ValueError(
                f"item: only a tensor with one element has an item, shape {self.shape}"
            )
        return self.data.item()

    def detach(self) -> Tensor:
        """The same data, cut off from the graph."""
        return Tensor._from_op(self.data, None)

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

    def zero_grad(self) -> None:
        self.grad = None

    def draw(self, **options):
        """The graph that computed this tensor as a graphviz.Digraph (see viz.draw_graph)."""
        from tinygrad_edu.viz import draw_graph  # viz is a layer above tensor

        return draw_graph(self, **options)

    # ------------------------------------------------------------ arithmetic

    def __add__(self, other) -> Tensor:
        return elementwise.Add.apply(self, as_tensor(other, like=self))

    def __radd__(self, other) -> Tensor:
        return elementwise.Add.apply(as_tensor(other, like=self), self)

    def __sub__(self, other) -> Tensor:
        return elementwise.Sub.apply(self, as_tensor(other, like=self))

    def __rsub__(self, other) -> Tensor:
        return elementwise.Sub.apply(as_tensor(other, like=self), self)

    def __mul__(self, other) -> Tensor:
        return elementwise.Mul.apply(self, as_tensor(other, like=self))

    def __rmul__(self, other) -> Tensor:
        return elementwise.Mul.apply(as_tensor(other, like=self), self)

    def __truediv__(self, other) -> Tensor:
        return elementwise.Div.apply(self, as_tensor(other, like=self))

    def __rtruediv__(self, other) -> Tensor:
        return elementwise.Div.apply(as_tensor(other, like=self), self)

    def __neg__(self) -> Tensor:
        return elementwise.Neg.apply(self)

    def __pow__(self, exponent) -> Tensor:
        if isinstance(exponent, Tensor):
            # a ** b = exp(b * log(a)): differentiable in both, defined for a > 0
            return (exponent * self.log()).exp()
        return elementwise.Pow.apply(self, exponent=exponent)

    def __rpow__(self, base) -> Tensor:
        return (self * float(np.log(base))).exp()

    def __matmul__(self, other) -> Tensor:
        return linalg.MatMul.apply(self, as_tensor(other, like=self))

    def __rmatmul__(self, other) -> Tensor:
        return linalg.MatMul.apply(as_tensor(other, like=self), self)

    # ------------------------------------------- comparisons (no gradient)

    def _compare(self, other, compare, symbol: str) -> Tensor:
        other = as_tensor(other, like=self)
        broadcast.broadcast_shape(symbol, self.shape, other.shape)
        return Tensor._from_op(np.asarray(compare(self.data, other.data)), None)

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
        return elementwise.Exp.apply(self)

    def log(self) -> Tensor:
        return elementwise.Log.apply(self)

    def sqrt(self) -> Tensor:
        return elementwise.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return elementwise.Abs.apply(self)

    def relu(self) -> Tensor:
        return elementwise.Relu.apply(self)

    def sigmoid(self) -> Tensor:
        return elementwise.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        return elementwise.Tanh.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        return elementwise.Clip.apply(self, low=min, high=max)

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

    def log_softmax(self, axis: int = -1) -> Tensor:
        (axis,) = reduce.normalize_axes("log_softmax", axis, self.ndim)
        return softmax.LogSoftmax.apply(self, axis=axis)

    def argmax(self, axis: int | None = None) -> Tensor:
        return Tensor._from_op(np.asarray(np.argmax(self.data, axis=axis)), None)

    def argmin(self, axis: int | None = None) -> Tensor:
        return Tensor._from_op(np.asarray(np.argmin(self.data, axis=axis)), None)

    # -------------------------------------------------------------- movement

    def reshape(self, *shape) -> Tensor:
        return movement.Reshape.apply(self, shape=_shape_argument(shape))

    def transpose(self, *axes) -> Tensor:
        """Permute the axes (all reversed when none are given), as numpy.transpose."""
        axes = _shape_argument(axes) or tuple(reversed(range(self.ndim)))
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


# ------------------------------------------------------------------ creation


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
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
    return Tensor._from_op(np.asarray(array), None)


def as_tensor(value: Any, like: Tensor) -> Tensor:
    """`value` as a Tensor; next to a float tensor `like` it takes that tensor's dtype."""
    if isinstance(value, Tensor):
        return value
    if like.dtype.kind != "f":
        return Tensor(value)
    if isinstance(value, (int, float)):  # the common `x * 2.0`: skip the checks
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


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise `a` where `condition` is true, else `b` (all broadcast together)."""
    condition = condition if isinstance(condition, Tensor) else Tensor(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: the condition must be boolean, got dtype {condition.dtype}")
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else Tensor(0.0)
    return elementwise.Where.apply(condition, as_tensor(a, like), as_tensor(b, like))


def maximum(a: Any, b: Any) -> Tensor:
    like = a if isinstance(a, Tensor) else b
    return elementwise.Maximum.apply(as_tensor(a, like), as_tensor(b, like))


def minimum(a: Any, b: Any) -> Tensor:
    like = a if isinstance(a, Tensor) else b
    return elementwise.Minimum.apply(as_tensor(a, like), as_tensor(b, like))


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    if len(tensors) == 0:
        raise ValueError("concatenate: needs at least one tensor")
    return movement.Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join along a new axis: each tensor gets a length-1 axis, then they are concatenated."""
    if len(tensors) == 0:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return concatenate([t.unsqueeze(axis) for t in tensors], axis=axis)


# The ops are written in terms of Tensor, so they are imported once Tensor exists.
from tinygrad_edu import functional  # noqa: E402
from tinygrad_edu.ops import broadcast, elementwise, linalg, movement, reduce, softmax  # noqa: E402
