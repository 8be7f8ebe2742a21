"""Matrix multiplication with NumPy's rules: batched, broadcast, and 1-D operands."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.autograd import Function
from tinygrad_edu.broadcast import broadcast_shape, unbroadcast
from tinygrad_edu.ops.tangents import product_rule, tangent_sum
from tinygrad_edu.ops.tensor_or_array import unsqueeze


def _check_matmul_shapes(a: np.ndarray, b: np.ndarray) -> None:
    """Raise a ValueError that names the shapes when `a @ b` is not defined."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape}: operands must not be scalars")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned ({inner_a} != {inner_b})"
        )
    if a.ndim > 2 or b.ndim > 2:
        broadcast_shape("matmul", a.shape[:-2], b.shape[:-2])


class MatMul(Function):
    """y = a @ b;  dL/da = g @ bᵀ,  dL/db = aᵀ @ g  (ᵀ swaps the last two axes);
    ẏ = ȧ @ b + a @ ḃ (the product rule)

    A 1-D `a` acts as a row (1, n) and a 1-D `b` as a column (n, 1); the added
    axis is removed from y, as in NumPy. Batch axes broadcast, and their
    gradients are summed back to each operand's shape.
    """

    name = "matmul"
    jvp = staticmethod(product_rule)

    @staticmethod
    def forward(a, b):
        try:
            return np.matmul(a, b)
        except ValueError:  # the shapes are checked only when NumPy refuses them
            _check_matmul_shapes(a, b)
            raise

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        # Work with matrices: make 1-D operands 2-D and put the removed axes back into g.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = unsqueeze(g2, -1 if b.ndim == 1 else -2)
        if b.ndim == 1:
            g2 = unsqueeze(g2, -1)
        grad_a = grad_b = None
        if need_a:
            grad_a = _restore_shape(unbroadcast(times_transposed(g2, b2), a2.shape), a.shape)
        if need_b:
            grad_b = _restore_shape(unbroadcast(a2.swapaxes(-1, -2) @ g2, b2.shape), b.shape)
        return grad_a, grad_b


def times_transposed(g, b):
    """g @ bᵀ (ᵀ swaps the last two axes), computed as (b @ gᵀ)ᵀ when the result has
    fewer rows than columns: the same numbers up to rounding, in the orientation that
    OpenBLAS computes faster (a convolution's weight gradient; see the LeNet-5 section
    of docs/performance.md)."""
    if g.shape[-2] < b.shape[-2]:
        return (b @ g.swapaxes(-1, -2)).swapaxes(-1, -2)
    return g @ b.swapaxes(-1, -2)


def _restore_shape(grad, shape):
    """Undo the 1-D -> 2-D promotion (a no-op for operands that were matrices already)."""
    return grad if grad.shape == shape else grad.reshape(shape)


class Linear(Function):
    """y = x Wᵀ + b (the affine map of a dense layer; b optional);
    dL/dx = g W,  dL/dW = gᵀ x,  dL/db = Σ g over the batch axes;
    ẏ = ẋ Wᵀ + x Ẇᵀ + ḃ

    One op instead of transpose, matmul and add: the layer's forward is one
    step, and its weight gradient comes out in W's own (out, in) layout.
    Leading batch axes of x are flattened for dL/dW.
    """

    name = "linear"

    @staticmethod
    def forward(x, weight, *bias):
        if x.ndim == 0 or weight.ndim != 2 or x.shape[-1] != weight.shape[1]:
            raise ValueError(f"linear: input of shape {x.shape} does not fit weight of shape "
                             f"{weight.shape} (the last axis must have {weight.shape[-1]} "
                             "elements)")
        y = x @ weight.T
        if bias:
            y += bias[0]
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, *bias = ctx.inputs
        need_x, need_weight, *need_bias = ctx.needs_input_grad
        rows_of_grad = grad if grad.ndim == 2 else grad.reshape(-1, weight.shape[0])
        rows_of_x = x if x.ndim == 2 else x.reshape(-1, weight.shape[1])
        grads = [grad @ weight if need_x else None,
                 rows_of_grad.T @ rows_of_x if need_weight else None]
        if bias:
            grads.append(rows_of_grad.sum(axis=0) if need_bias[0] else None)
        return tuple(grads)

    @staticmethod
    def jvp(ctx, x_dot, weight_dot, *bias_dot):
        return tangent_sum(product_rule(ctx, x_dot, weight_dot), *bias_dot)
