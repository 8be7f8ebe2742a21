"""Whole graphs, not just single ops: an MLP's loss w.r.t. every parameter."""

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
X = tg.Tensor(RNG.standard_normal((6, 4)), dtype=np.float64)
Y = np.array([0, 2, 1, 2, 0, 1])


def parameters():
    shapes = [(4, 5), (5,), (5, 3), (3,)]
    return [tg.Tensor(RNG.standard_normal(s) * 0.5, requires_grad=True, dtype=np.float64)
            for s in shapes]


def mlp_loss(w1, b1, w2, b2):
    hidden = (X @ w1 + b1).tanh()
    return F.cross_entropy(hidden @ w2 + b2, Y)


def test_mlp_loss_passes_gradcheck_for_every_parameter():
    assert gradcheck(mlp_loss, parameters())


def test_mlp_loss_with_relu_and_mse_passes_gradcheck():
    def loss(w1, b1, w2, b2):
        out = (X @ w1 + b1).relu() @ w2 + b2
        return F.mse_loss(out, np.ones((6, 3)))

    assert gradcheck(loss, parameters())


def test_mlp_loss_passes_gradgradcheck():
    assert gradgradcheck(mlp_loss, parameters())


def test_gradient_descent_on_the_mlp_lowers_the_loss():
    params = parameters()
    first = mlp_loss(*params).item()
    for _ in range(50):
        loss = mlp_loss(*params)
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad.data
    assert mlp_loss(*params).item() < 0.5 * first
