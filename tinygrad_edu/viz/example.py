"""The worked example: `python -m tinygrad_edu.viz [--out PATH]` draws a logistic-regression
loss."""

from __future__ import annotations

import argparse

import numpy as np

from tinygrad_edu import functional as F
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.drawing import GraphvizNotInstalledError, draw_graph, save_graph


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
