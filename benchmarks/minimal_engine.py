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

    def __add__(self, other: Value) -> Value:
        def send_back(grad):  # d(a + b)/da = 1
            self.grad = grad if self.grad is None else self.grad + grad

        return Value(np.asarray(self.data + other.data), (self,), send_back)

    def __mul__(self, other: Value) -> Value:
        def send_back(grad):  # d(a * b)/da = b
            contribution = grad * other.data
            self.grad = contribution if self.grad is None else self.grad + contribution

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
