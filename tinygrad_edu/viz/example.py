"""The worked examples: a neuron, a logistic-regression loss and a small MLP, each
after backward(retain_graph=True), for the docs' pictures and examples/see_backprop.py.
`python -m tinygrad_edu.viz [--out PATH]` draws the logistic-regression loss."""

from __future__ import annotations

import argparse

import numpy as np

from tinygrad_edu import functional as F
from tinygrad_edu import nn, rng
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.drawing import GraphvizNotInstalledError, draw_graph, save_graph


def neuron_example() -> Tensor:
    """One neuron, tanh(w · x + b) for three inputs, after backward."""
    x = Tensor([1.0, -2.0, 0.5], name="x")
    w = Tensor([0.3, 0.1, -0.4], requires_grad=True, name="w")
    b = Tensor(0.2, requires_grad=True, name="b")
    out = ((w * x).sum() + b).tanh()
    out.name = "out"
    out.backward(retain_graph=True)
    return out


def mlp_example() -> tuple[Tensor, nn.Module]:
    """A 3 -> 4 -> 1 regression MLP's mean squared error on 16 points, after backward,
    and the model (whose layers name the drawing's boxes)."""
    with rng.seeded(0):
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    points = np.random.default_rng(0)
    X = Tensor(points.normal(size=(16, 3)), name="X")
    y = Tensor(points.normal(size=(16, 1)), name="y")
    loss = F.mse_loss(model(X), y)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss, model


def logistic_regression_example() -> Tensor:
    """The loss of a logistic regression, p = sigmoid(X @ w + b) scored by binary
    cross-entropy on 8 points with 2 features, after backward(retain_graph=True),
    so its drawing shows the gradients too."""
    rng = np.random.default_rng(0)
    X = Tensor(rng.normal(size=(8, 2)), name="X")
    y = Tensor((X.data.sum(axis=1, keepdims=True) > 0).astype(np.float32), name="y")
    w = Tensor(rng.normal(size=(2, 1)) * 0.1, requires_grad=True, name="w")
    b = Tensor(np.zeros(1), requires_grad=True, name="b")
    p = (X @ w + b).sigmoid()
    loss = F.binary_cross_entropy(p, y)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return loss


def main(argv: list[str] | None = None) -> None:
    """`python -m tinygrad_edu.viz [--out PATH]`: draw the worked example to a file."""
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu.viz",
        description="Draw the computation graph of a logistic-regression loss, "
                    "forward and backward, with Graphviz.",
    )
    parser.add_argument("--out", default="outputs/logistic_regression.svg",
                        help="file to write; the suffix picks the format (.svg, .png, .pdf, .dot)")
    args = parser.parse_args(argv)
    graph = draw_graph(logistic_regression_example())
    try:
        path = save_graph(graph, args.out)
    except GraphvizNotInstalledError as error:
        raise SystemExit(str(error)) from None
    print(f"wrote {path}")
    if path.suffix != ".dot":
        print(f"and its DOT source {path.with_suffix('.dot')}")
