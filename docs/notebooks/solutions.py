"""Solutions to the exercises of exercises.ipynb.

The solutions page (solutions.md) shows these functions, one section at a time,
and tests/test_exercises.py checks each of them with tinygrad_edu.exercises, so
what the page shows is what passes the checks.
"""

import numpy as np


# --8<-- [start:sigmoid_backward]
def sigmoid_backward(y, grad):
    """dL/dx for y = σ(x): σ'(x) = σ(x)(1 - σ(x)) = y(1 - y), times the upstream grad."""
    return grad * y * (1 - y)
# --8<-- [end:sigmoid_backward]


# --8<-- [start:matmul_backward]
def matmul_backward(a, b, grad):
    """y = a @ b with a (n, k), b (k, m), grad (n, m): dL/da = grad @ bᵀ, dL/db = aᵀ @ grad."""
    return grad @ b.T, a.T @ grad
# --8<-- [end:matmul_backward]


# --8<-- [start:add_backward]
def add_backward(grad, a_shape, b_shape):
    """y = a + b: each input gets grad, summed back to its own shape."""
    return unbroadcast(grad, a_shape), unbroadcast(grad, b_shape)


def unbroadcast(grad, shape):
    """Sum grad over the axes that broadcasting added in front, then over the axes
    where shape has length 1 but grad does not (each was copied along that axis)."""
    added = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(added)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True)
# --8<-- [end:add_backward]


# --8<-- [start:mse]
def mse(prediction, target):
    """The mean of the squared differences, from Tensor operations only."""
    difference = prediction - target
    return (difference * difference).mean()
# --8<-- [end:mse]


# --8<-- [start:softmax_cross_entropy]
def softmax_cross_entropy(logits, targets):
    """Mean over the rows of -log softmax(logits)[target], computed stably:
    log softmax(z) = z - m - log Σ exp(z - m), with m the row's max, so no exp overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True).detach()
    log_probabilities = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    rows = np.arange(logits.shape[0])
    return -log_probabilities[rows, targets].mean()
# --8<-- [end:softmax_cross_entropy]
