"""Elementwise ops. Binary ones broadcast as NumPy does: they say `broadcasts = True`,
and the engine sums each gradient back to its input's shape (broadcast.py).

In the docstrings `g` is dL/dy, the gradient arriving at the output y, and each
formula gives what the op passes on to its inputs. Products are elementwise.
Each backward rule works on arrays and on Tensors alike (see tensor_or_array.py).
A dot marks a tangent (forward mode): ẏ is what the jvp rule computes from the
inputs' tangents ȧ, ḃ, ẋ (see tangents.py).
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Context, Function, Gradient
from tinygrad_edu.ops.tangents import linear_jvp, or_zeros, product_rule, tangent_sum
from tinygrad_edu.ops.tensor_or_array import apply_op, log, values, where


class Add(Function):
    """y = a + b;  dL/da = g,  dL/db = g;  ẏ = ȧ + ḃ"""

    name = "add"
    broadcasts = True
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(a, b):
        return np.add(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """y = a - b;  dL/da = g,  dL/db = -g;  ẏ = ȧ - ḃ"""

    name = "sub"
    broadcasts = True
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(a, b):
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, -grad


class Mul(Function):
    """y = a * b;  dL/da = g * b,  dL/db = g * a;  ẏ = ȧ b + a ḃ (the product rule)"""

    name = "mul"
    broadcasts = True
    jvp = staticmethod(product_rule)

    @staticmethod
    def forward(a, b):
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """y = a / b;  dL/da = g / b,  dL/db = -g * a / b² = -g * y / b;  ẏ = (ȧ - y ḃ) / b"""

    name = "div"
    broadcasts = True

    @staticmethod
    def forward(a, b):
        return np.divide(a, b)

    @staticmethod
    def backward(ctx, grad):
        b = ctx.inputs[1]
        need_a, need_b = ctx.needs_input_grad
        return (grad / b if need_a else None), (-grad * ctx.output / b if need_b else None)

    @staticmethod
    def jvp(ctx, a_dot, b_dot):
        a, b = ctx.inputs
        return (or_zeros(a_dot, a) - ctx.output * or_zeros(b_dot, b)) / b


class Neg(Function):
    """y = -x;  dL/dx = -g;  ẏ = -ẋ"""

    name = "neg"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """y = a ** b;  dL/da = g * b * a ** (b - 1),  dL/db = g * y * ln(a);
    ẏ = ȧ b a ** (b - 1) + ḃ y ln(a)

    As in PyTorch, dL/da is 0 where b = 0 (a ** -1 would be inf at a = 0), and
    dL/db is 0 where a = 0 and b >= 0 (the limit of y ln a there). A negative
    base with a whole-number exponent is fine ((-2) ** 3 = -8); only dL/db,
    which needs ln(a), is nan there.
    """

    name = "pow"
    broadcasts = True

    @staticmethod
    def forward(a, b):
        if a.dtype.kind in "iu" and b.dtype.kind in "iu" and (b < 0).any():
            return _integer_power(a, b)
        return np.power(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        # The elements that `where` replaces may be inf or nan before it does.
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                grad_a = where(values(b) == 0, 0.0, grad * b * a ** (b - 1.0))
            if need_b:
                at_zero = (values(a) == 0) & (values(b) >= 0)
                grad_b = where(at_zero, 0.0, grad * ctx.output * log(a))
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, a_dot, b_dot):
        """The two terms with the backward rule's zeros; a term is left out when its
        input has no tangent, so a constant exponent never meets ln of a negative base."""
        a, b = ctx.inputs
        dot_a = dot_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if a_dot is not None:
                dot_a = np.where(b == 0, 0.0, a_dot * b * a ** (b - 1.0))
            if b_dot is not None:
                at_zero = (a == 0) & (b >= 0)
                dot_b = np.where(at_zero, 0.0, b_dot * ctx.output * np.log(a))
        return tangent_sum(dot_a, dot_b)


def _integer_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a ** b for integers when some b < 0, as PyTorch computes it: 1 / a**|b| rounded
    toward zero, which is 0 unless a is 1 or -1 (and 0 for a = 0, as in PyTorch).
    NumPy refuses negative integer powers."""
    magnitude = np.power(a, np.abs(b))
    reciprocal = np.where(np.abs(magnitude) == 1, magnitude, 0)  # 1/a**|b| toward zero
    return np.where(b < 0, reciprocal, magnitude).astype(magnitude.dtype)


class Exp(Function):
    """y = exp(x);  dL/dx = g * y;  ẏ = y ẋ"""

    name = "exp"

    @staticmethod
    def forward(x):
        return np.exp(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot * ctx.output


class Log(Function):
    """y = ln(x);  dL/dx = g / x;  ẏ = ẋ / x"""

    name = "log"

    @staticmethod
    def forward(x):
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.inputs[0]

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot / ctx.inputs[0]


class Sqrt(Function):
    """y = √x;  dL/dx = g / (2y);  ẏ = ẋ / (2y)"""

    name = "sqrt"

    @staticmethod
    def forward(x):
        return np.sqrt(x)

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.output * 2.0)

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot / (ctx.output * 2.0)


class Abs(Function):
    """y = |x|;  dL/dx = g * sign(x)  (0 at x = 0);  ẏ = sign(x) ẋ"""

    name = "abs"

    @staticmethod
    def forward(x):
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * np.sign(values(ctx.inputs[0]))

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot * np.sign(ctx.inputs[0])


class Relu(Function):
    """y = max(x, 0);  dL/dx = g * [x > 0];  ẏ = [x > 0] ẋ"""

    name = "relu"

    @staticmethod
    def forward(x):
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx, grad):
        return grad * (values(ctx.inputs[0]) > 0)

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot * (ctx.inputs[0] > 0)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x));  dL/dx = g * y * (1 - y);  ẏ = y (1 - y) ẋ

    Computed as exp(-|x|) / (1 + exp(-|x|)) mirrored for x >= 0, so no exp
    overflows for large |x|.
    """

    name = "sigmoid"

    @staticmethod
    def forward(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * y * (1.0 - y)

    @staticmethod
    def jvp(ctx, x_dot):
        y = ctx.output
        return x_dot * y * (1.0 - y)


class Softplus(Function):
    """y = ln(1 + eˣ), computed as NumPy's logaddexp(0, x), which never overflows;
    dL/dx = g * sigmoid(x);  ẏ = sigmoid(x) ẋ

    One op rather than a composite, so its derivative is the sigmoid at every
    x (a composite of max and min would split its slope at x = 0 and lose the
    second derivative there, which is 1/4).
    """

    name = "softplus"

    @staticmethod
    def forward(x):
        return np.logaddexp(0, x)

    @staticmethod
    def backward(ctx, grad):
        return grad * apply_op(Sigmoid, ctx.inputs[0])

    @staticmethod
    def jvp(ctx, x_dot):
        return x_dot * Sigmoid.forward(ctx.inputs[0])


class Tanh(Function):
    """y = tanh(x);  dL/dx = g * (1 - y²);  ẏ = (1 - y²) ẋ"""

    name = "tanh"

    @staticmethod
    def forward(x):
        return np.tanh(x)

    @staticmethod
    def backward(ctx, grad):
        y = ctx.output
        return grad * (1.0 - y * y)

    @staticmethod
    def jvp(ctx, x_dot):
        y = ctx.output
        return x_dot * (1.0 - y * y)


def _selection_grads(ctx: Context, grad: Gradient, a_wins: np.ndarray):
    """Where a wins, a gets the whole gradient; at a tie, a and b get half each."""
    a, b = ctx.inputs
    weight_a = (a_wins + 0.5 * (values(a) == values(b))).astype(a.dtype)
    return grad * weight_a, grad * (1.0 - weight_a)


def _selection_jvp(ctx: Context, a_dot, b_dot, a_wins: np.ndarray) -> np.ndarray:
    """ẏ = ȧ ∂y/∂a + ḃ ∂y/∂b, the slopes being the gradients for g = 1 (1 where a
    wins, 1/2 each at a tie)."""
    a, b = ctx.inputs
    slope_a, slope_b = _selection_grads(ctx, 1.0, a_wins)
    return or_zeros(a_dot, a) * slope_a + or_zeros(b_dot, b) * slope_b


class Maximum(Function):
    """y = max(a, b);  dL/da = g * [a > b],  dL/db = g * [a < b]  (g/2 each at a tie);
    ẏ = ȧ [a > b] + ḃ [a < b]  ((ȧ + ḃ)/2 at a tie)
    """

    name = "maximum"
    broadcasts = True

    @staticmethod
    def forward(a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _selection_grads(ctx, grad, a_wins=values(a) > values(b))

    @staticmethod
    def jvp(ctx, a_dot, b_dot):
        a, b = ctx.inputs
        return _selection_jvp(ctx, a_dot, b_dot, a_wins=a > b)


class Minimum(Function):
    """y = min(a, b);  dL/da = g * [a < b],  dL/db = g * [a > b]  (g/2 each at a tie);
    ẏ = ȧ [a < b] + ḃ [a > b]  ((ȧ + ḃ)/2 at a tie)
    """

    name = "minimum"
    broadcasts = True

    @staticmethod
    def forward(a, b):
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        return _selection_grads(ctx, grad, a_wins=values(a) < values(b))

    @staticmethod
    def jvp(ctx, a_dot, b_dot):
        a, b = ctx.inputs
        return _selection_jvp(ctx, a_dot, b_dot, a_wins=a < b)


class Where(Function):
    """y = a where c else b;  dL/da = g where c else 0,  dL/db = 0 where c else g

    The condition c is boolean and gets no gradient, and has no tangent;
    ẏ = ȧ where c else ḃ.
    """

    name = "where"
    broadcasts = True

    @staticmethod
    def forward(condition, a, b):
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        condition = ctx.inputs[0]
        return None, where(condition, grad, 0.0), where(condition, 0.0, grad)

    @staticmethod
    def jvp(ctx, _, a_dot, b_dot):
        condition, a, b = ctx.inputs
        return Where.forward(condition, or_zeros(a_dot, a), or_zeros(b_dot, b))


class Clip(Function):
    """y = min(max(x, low), high);  dL/dx = g * [low <= x <= high];
    ẏ = ẋ [low <= x <= high]  (where y = x)
    """

    name = "clip"

    @staticmethod
    def forward(x, low, high):
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

    @staticmethod
    def jvp(ctx, x_dot):
        return np.where(ctx.output == ctx.inputs[0], x_dot, 0.0)


class Cast(Function):
    """y = x converted to another dtype;  dL/dx = g converted back to x's dtype;
    ẏ = ẋ converted to y's dtype
    """

    name = "cast"
    jvp = staticmethod(linear_jvp)

    @staticmethod
    def forward(x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.inputs[0].dtype)
