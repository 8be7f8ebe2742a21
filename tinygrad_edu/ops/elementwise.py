"""Elementwise ops. Binary ones broadcast as NumPy does; see broadcast.py.

In the docstrings `g` is dL/dy, the gradient arriving at the output y, and each
formula gives what the op passes on to its inputs. Products are elementwise.
Each backward rule works on arrays and on Tensors alike (see tensor_or_array.py).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Context, Function, Gradient
from tinygrad_edu.ops.broadcast import broadcast_shape, unbroadcast
from tinygrad_edu.ops.tensor_or_array import values, where


def _broadcasting(op: str, ufunc, *arrays: np.ndarray) -> np.ndarray:
    """`ufunc(*arrays)`, broadcast as NumPy does. When the shapes cannot broadcast,
    the ValueError names the op and the shapes (checked only then: no cost otherwise)."""
    try:
        return ufunc(*arrays)
    except ValueError:
        broadcast_shape(op, *(a.shape for a in arrays))  # raises the clear error
        raise


class Add(Function):
    """y = a + b;  dL/da = g,  dL/db = g  (each summed back to its own shape)"""

    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        return _broadcasting("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad, a.shape) if need_a else None,
                unbroadcast(grad, b.shape) if need_b else None)


class Sub(Function):
    """y = a - b;  dL/da = g,  dL/db = -g"""

    name = "sub"

    @staticmethod
    def forward(ctx, a, b):
        return _broadcasting("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad, a.shape) if need_a else None,
                unbroadcast(-grad, b.shape) if need_b else None)


class Mul(Function):
    """y = a * b;  dL/da = g * b,  dL/db = g * a"""

    name = "mul"

    @staticmethod
    def forward(ctx, a, b):
        return _broadcasting("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad * b, a.shape) if need_a else None,
                unbroadcast(grad * a, b.shape) if need_b else None)


class Div(Function):
    """y = a / b;  dL/da = g / b,  dL/db = -g * a / b² = -g * y / b"""

    name = "div"

    @staticmethod
    def forward(ctx, a, b):
        return _broadcasting("div", np.divide, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(grad / b, a.shape) if need_a else None,
                unbroadcast(-grad * ctx.output / b, b.shape) if need_b else None)


class Neg(Function):
    """y = -x;  dL/dx = -g"""

    name = "neg"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """y = x ** p for a constant number p;  dL/dx = g * p * x ** (p - 1)"""

    name = "pow"

    @staticmethod
    def forward(ctx, x, exponent):
        return np.power(x, exponent)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        exponent = ctx.params["exponent"]
        if exponent == 0:
            return grad * 0.0  # x ** -1 would be inf at x = 0
        return grad * exponent * x ** (exponent - 1)


class Exp(Function):
    """y = exp(x);  dL/dx = g * y"""

    name = "exp"

    @staticmethod
    def forward(ctx, x):
        return np.exp(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """y = ln(x);  dL/dx = g / x"""

    name = "log"

    @staticmethod
    def forward(ctx, x):
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.inputs[0]


class Sqrt(Function):
    """y = √x;  dL/dx = g / (2y)"""

    name = "sqrt"

    @staticmethod
    def forward(ctx, x):
        return np.sqrt(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.output * 2.0)


class Abs(Function):
    """y = |x|;  dL/dx = g * sign(x)  (0 at x = 0)"""

    name = "abs"

    @staticmethod
    def forward(ctx, x):
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sign(values(ctx.inputs[0]))


class Relu(Function):
    """y = max(x, 0);  dL/dx = g * [x > 0]"""

    name = "relu"

    @staticmethod
    def forward(ctx, x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, grad):
        return grad * (values(ctx.inputs[0]) > 0)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dL/dx = g * y * (1 - y)

    Computed as exp(-|x|) / (1 + exp(-|x|)) mirrored for x >= 0, so no exp
    overflows for large |x|.
    """

    name = "sigmoid"

    @staticmethod
    def forward(ctx, x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * y * (1.0 - y)


class Tanh(Function):
    """y = tanh(x);  dL/dx = g * (1 - y²)"""

    name = "tanh"

    @staticmethod
    def forward(ctx, x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (1.0 - y * y)


def _selection_grads(ctx: Context, grad: Gradient, a_wins: np.ndarray):
    """Where a wins, a gets the whole gradient; at a tie, a and b get half each."""
    a, b = ctx.inputs
    need_a, need_b = ctx.needs_input_grad
    weight_a = (a_wins + 0.5 * (values(a) == values(b))).astype(a.dtype)
    return (unbroadcast(grad * weight_a, a.shape) if need_a else None,
            unbroadcast(grad * (1.0 - weight_a), b.shape) if need_b else None)


class Maximum(Function):
    """y = max(a, b);  dL/da = g * [a > b],  dL/db = g * [a < b]  (g/2 each at a tie)"""

    name = "maximum"

    @staticmethod
    def forward(ctx, a, b):
        return _broadcasting("maximum", np.maximum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _selection_grads(ctx, grad, a_wins=values(a) > values(b))


class Minimum(Function):
    """y = min(a, b);  dL/da = g * [a < b],  dL/db = g * [a > b]  (g/2 each at a tie)"""

    name = "minimum"

    @staticmethod
    def forward(ctx, a, b):
        return _broadcasting("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _selection_grads(ctx, grad, a_wins=values(a) < values(b))


class Where(Function):
    """y = a where c else b;  dL/da = g where c else 0,  dL/db = 0 where c else g

    The condition c is boolean and gets no gradient.
    """

    name = "where"

    @staticmethod
    def forward(ctx, condition, a, b):
        return _broadcasting("where", np.where, condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition, a, b = ctx.inputs
        _, need_a, need_b = ctx.needs_input_grad
        return (None,
                unbroadcast(where(condition, grad, 0.0), a.shape) if need_a else None,
                unbroadcast(where(condition, 0.0, grad), b.shape) if need_b else None)


class Clip(Function):
    """y = min(max(x, low), high);  dL/dx = g * [low <= x <= high]"""

    name = "clip"

    @staticmethod
    def forward(ctx, x, low, high):
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        x = values(ctx.inputs[0])
        low, high = ctx.params["low"], ctx.params["high"]
        inside = np.ones(x.shape, dtype=bool)
        if low is not None:
            inside &= x >= low
        if high is not None:
            inside &= x <= high
        return grad * inside


class Cast(Function):
    """y = x converted to another dtype;  dL/dx = g converted back to x's dtype"""

    name = "cast"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.inputs[0].dtype)
