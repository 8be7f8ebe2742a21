"""Regenerate the pictures of docs/visualization.md, the model pages and the README.

    .venv/bin/python docs/images/make_images.py

Each drawing is written next to this script as SVG, with its DOT source (.dot);
the MLP's step-through page as mlp_stepper.html and the backward pass of the
logistic-regression loss as logistic_regression_backward.gif. Every drawing is
laid out top to bottom, so that it stays readable at the width of a page.
Needs the Graphviz `dot` program (apt-get install graphviz / brew install graphviz).
"""

from pathlib import Path

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.viz import (
    draw_graph,
    logistic_regression_example,
    mlp_example,
    neuron_example,
    save_animation,
    save_graph,
    save_stepper,
)

HERE = Path(__file__).parent


def model_graph(model, X: np.ndarray, y: np.ndarray):
    """What `model.graph(X, y)` draws for a fitted model of models/, top to bottom and
    without the data summaries: the objective J and the gradients to every parameter."""
    loss = model.objective(X, y)
    loss.backward(retain_graph=True)
    drawing = draw_graph(loss, module=model.module_, rankdir="TB", show_data=False)
    model.module_.zero_grad()
    return drawing


def model_pictures() -> dict:
    """The graph of each gradient-trained model family, fitted briefly on small data."""
    from models.linear import LinearRegression
    from models.logistic import LogisticRegression
    from models.mlp import MLPClassifier
    from models.svm import LinearSVC

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    y_real = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=20)
    y_class = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    y_three = np.digitize(X[:, 0], [-0.5, 0.5])
    fitted = {
        "model_linear_regression.svg": (LinearRegression(solver="sgd", max_iter=5,
                                                         random_state=0), y_real),
        "model_logistic_regression.svg": (LogisticRegression(max_iter=5, random_state=0), y_three),
        "model_mlp.svg": (MLPClassifier(hidden_layer_sizes=(4,), max_iter=5,
                                        random_state=0), y_three),
        "model_linear_svc.svg": (LinearSVC(max_iter=5, random_state=0), y_class),
    }
    return {name: model_graph(model.fit(X, y), X, y) for name, (model, y) in fitted.items()}


def main() -> None:
    tg.manual_seed(0)  # the models' initial weights: the same pictures every run
    loss, model = mlp_example()
    pictures = {
        "neuron.svg": draw_graph(neuron_example(), rankdir="TB"),
        "neuron_all_gradients.svg": draw_graph(neuron_example(), rankdir="TB", show_grad="all"),
        "logistic_regression.svg": draw_graph(logistic_regression_example(), rankdir="TB"),
        "mlp.svg": draw_graph(loss, module=model, show_data=False, rankdir="TB"),
        "mlp_collapsed.svg": draw_graph(loss, module=model, collapse=True, rankdir="TB"),
        **model_pictures(),
    }
    for filename, graph in pictures.items():
        print("wrote", save_graph(graph, HERE / filename))
    print("wrote", save_stepper(loss, HERE / "mlp_stepper.html", module=model))
    print("wrote", save_animation(logistic_regression_example(),
                                  HERE / "logistic_regression_backward.gif", fps=1))


if __name__ == "__main__":
    main()
