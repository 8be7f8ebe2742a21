"""See backpropagation happen: step-through pages, animations and drawings.

    python examples/see_backprop.py [--out DIR] [--only NAME ...]

For three graphs, a neuron tanh(w · x + b), a logistic-regression loss and a
small MLP's mean squared error, this writes into DIR (default outputs/see_backprop):

    <name>_stepper.html     open it in a browser: Prev / Next / Play or the arrow
                            keys step through the forward and the backward pass,
                            with each step's formula and numbers (works offline)
    <name>_backward.gif     the backward pass, one op per frame
    <name>_gradients.svg    the graph with the gradient dL/dt at every tensor
                            (and its DOT source, .dot)

`make demo` writes the MLP's page next to the digit recognizer's outputs with
`--only mlp --out outputs`. Needs the Graphviz `dot` program.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.viz import (
    GraphvizNotInstalledError,
    draw_graph,
    logistic_regression_example,
    mlp_example,
    neuron_example,
    save_animation,
    save_graph,
    save_stepper,
)

Example = Callable[[], tuple[tg.Tensor, nn.Module | None]]


def neuron() -> tuple[tg.Tensor, None]:
    """tanh(w · x + b) for three inputs."""
    return neuron_example(), None


def logistic_regression() -> tuple[tg.Tensor, None]:
    """Binary cross-entropy of p = sigmoid(X @ w + b) on 8 points with 2 features."""
    return logistic_regression_example(), None


def mlp() -> tuple[tg.Tensor, nn.Module]:
    """A 3 -> 4 -> 1 MLP's mean squared error on 16 points; its layers are named."""
    return mlp_example()


EXAMPLES: dict[str, Example] = {
    "neuron": neuron, "logistic_regression": logistic_regression, "mlp": mlp,
}


def write_outputs(name: str, example: Example, out: Path) -> list[Path]:
    """The stepper, the animation and the all-gradients drawing of one example."""
    root, model = example()
    return [
        save_stepper(root, out / f"{name}_stepper.html", module=model),
        save_animation(root, out / f"{name}_backward.gif", module=model),
        save_graph(draw_graph(root, module=model, show_grad="all", rankdir="TB"),
                   out / f"{name}_gradients.svg"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("outputs") / "see_backprop",
                        help="folder to write into (default: outputs/see_backprop)")
    parser.add_argument("--only", nargs="+", choices=sorted(EXAMPLES), default=list(EXAMPLES),
                        help="write only these examples")
    args = parser.parse_args(argv)
    try:
        for name in args.only:
            for path in write_outputs(name, EXAMPLES[name], args.out):
                print(f"wrote {path}")
    except GraphvizNotInstalledError as error:
        print(f"see_backprop.py: {error}")
        return 2
    first = args.out / f"{args.only[-1]}_stepper.html"
    print(f"open {first} in a browser to step through backpropagation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
