"""Regenerate the pictures of docs/visualization.md.

    .venv/bin/python docs/images/make_images.py

Each picture is written next to this script as SVG, with its DOT source (.dot).
Needs the Graphviz `dot` program (apt-get install graphviz / brew install graphviz).
"""

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import nn
from tinygrad_edu.viz import draw_graph, logistic_regression_example, save_graph

HERE = Path(__file__).parent


def neuron() -> tg.Tensor:
    """One neuron, tanh(w · x + b), after backward."""
    x = tg.Tensor([1.0, -2.0, 0.5], name="x")
    w = tg.Tensor([0.3, 0.1, -0.4], requires_grad=True, name="w")
    b = tg.Tensor(0.2, requires_grad=True, name="b")
    out = ((w * x).sum() + b).tanh()
    out.backward(retain_graph=True)
    return out


def mlp() -> tuple[nn.Module, tg.Tensor]:
    """A 3 -> 4 -> 1 regression MLP's mean squared error on 16 points, after backward."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    rng = np.random.default_rng(0)
    X = tg.Tensor(rng.normal(size=(16, 3)), name="X")
    y = tg.Tensor(rng.normal(size=(16, 1)), name="y")
    loss = F.mse_loss(model(X), y)
    loss.backward(retain_graph=True)
    return model, loss


def main() -> None:
    model, loss = mlp()
    pictures = {
        "neuron.svg": draw_graph(neuron()),
        "logistic_regression.svg": draw_graph(logistic_regression_example()),
        "mlp.svg": draw_graph(loss, module=model, show_data=False),
        "mlp_collapsed.svg": draw_graph(loss, module=model, collapse=True),
    }
    for filename, graph in pictures.items():
        print("wrote", save_graph(graph, HERE / filename))


if __name__ == "__main__":
    main()
