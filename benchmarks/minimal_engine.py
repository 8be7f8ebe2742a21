"""The floor: the least a reverse-mode engine on NumPy can do per op in Python.

Only what the op chain needs: a value object holding an array and the closure
that sends its gradient back, `+` and `*` without broadcasting or checks (the
gradient goes to the left operand only: in the chain the right one is a
constant), and a backward walk in topological order. No Context, no grad modes, no shape or
dtype checks, no graph freeing, no error messages. Not part of tinygrad_edu;
`op_overhead` times it to show how much of tinygrad_edu's per-op cost any
design with one Python object per tensor and a Python call per backward rule
pays anyway.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class Value:
    __slots__ = ("data", "grad", "parents", "send_back")

    def __init__(self, data: np.ndarray, parents: tuple[Value, ...] = (),
                 send_back: Callable[[np.ndarray], None] | None = None):
        self.data = data
        self.grad = None
        self.parents = parents
        self.send_back = send_back

    def accumulate(self, grad: np.ndarray) -> None:
        self.grad = grad if self.grad is None else self.grad + grad

    def __add__(self, other: Value) -> Value:
        def send_back(grad):  # d(a + b)/da = 1
            self.accumulate(grad)

        return Value(np.asarray(self.data + other.data), (self,), send_back)

    def __mul__(self, other: Value) -> Value:
        def send_back(grad):  # d(a * b)/da = b
            self.accumulate(grad * other.data)

        return Value(np.asarray(self.data * other.data), (self,), send_back)

    def backward(self, grad: np.ndarray) -> None:
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in node.parents)
        self.grad = grad
        for node in reversed(order):
            if node.send_back is not None:
                node.send_back(node.grad)
                node.grad = None  # only leaves keep a gradient, as in tinygrad_edu


# The MLP of `mlp_epoch`, with the same NumPy lines as tinygrad_edu's ops (ops/linalg.py,
# elementwise.py, softmax.py, loss.py), so that only the engine around them differs. An
# input without parents is data: it gets no gradient.


def linear(x: Value, weight: Value, bias: Value) -> Value:
    def send_back(grad):  # y = x Wᵀ + b: dL/dx = g W, dL/dW = gᵀ x, dL/db = Σ g
        if x.parents:
            x.accumulate(grad @ weight.data)
        weight.accumulate(grad.T @ x.data)
        bias.accumulate(grad.sum(axis=0))

    y = x.data @ weight.data.T
    y += bias.data
    return Value(y, (x, weight, bias), send_back)


def relu(x: Value) -> Value:
    def send_back(grad):  # dL/dx = g [x > 0]
        x.accumulate(grad * (x.data > 0))

    return Value(np.maximum(x.data, 0), (x,), send_back)


def log_softmax(x: Value) -> Value:
    def send_back(grad):  # dL/dx = g - softmax(x) Σ g
        x.accumulate(grad - np.exp(y) * grad.sum(axis=1, keepdims=True))

    y = x.data - x.data.max(axis=1, keepdims=True)
    y -= np.log(np.exp(y).sum(axis=1, keepdims=True))
    return Value(y, (x,), send_back)


def nll_loss(x: Value, target: np.ndarray) -> Value:
    def send_back(grad):  # dL/dx = -1/n at each row's target, 0 elsewhere
        slopes = np.zeros(x.data.shape, dtype=x.data.dtype)
        slopes[rows, target] = -1.0 / len(target)
        x.accumulate(grad * slopes)

    rows = np.arange(len(target))
    return Value(np.asarray(-x.data[rows, target].sum() / len(target)), (x,), send_back)
