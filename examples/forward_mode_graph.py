"""Forward mode, drawn: the graph of y = x₁ x₂ + sin x₁ with the tangent at every tensor.

    python examples/forward_mode_graph.py [--out DIR]

At x = (2, 5) with the tangent ẋ = (1, 0), forward mode carries next to every
value its tangent, its derivative along ẋ, from the inputs to the output, one op
at a time: ẏ = ∂y/∂x₁ = x₂ + cos x₁. This prints that evaluation trace (the
table of docs/forward-mode.md) and writes into DIR (default
outputs/forward_mode_graph):

    forward_mode_graph.svg   the graph, each tensor labelled with its value and
                             its tangent (and the DOT source, .dot)

A jvp records no graph; to draw one, this records both: the inputs require grad
inside `dual_level()`, so every op is recorded and pushes its tangent on. Needs
the Graphviz `dot` program for the .svg (the .dot is written without it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from _cli import parse_args, print_table

import tinygrad_edu as tg
from tinygrad_edu import func
from tinygrad_edu.autograd import dual_level
from tinygrad_edu.viz import GraphvizNotInstalledError, draw_graph, save_graph

X1, X2 = 2.0, 5.0
TANGENT = (1.0, 0.0)


Row = tuple[str, str, float, float]


def trace() -> tuple[tg.Tensor, list[Row], dict[str, tg.Tensor]]:
    """y computed in forward mode with its graph recorded; the evaluation trace,
    (name, how it was computed, value, tangent) for every tensor, inputs first; and
    each tensor under a label with its value's tangent, for the drawing."""
    with dual_level():
        x1, x2 = (func.make_dual(tg.Tensor(v, dtype=np.float64), tg.Tensor(t, dtype=np.float64))
                  for v, t in zip((X1, X2), TANGENT))
        for x in (x1, x2):
            x.requires_grad = True  # so the graph is recorded, to be drawn
        v1 = x1 * x2
        v2 = x1.sin()
        y = v1 + v2
        named = {id(x1): ("x₁", "ẋ₁", "input"), id(x2): ("x₂", "ẋ₂", "input"),
                 id(v1): ("v₁", "v̇₁", "x₁ x₂"), id(v2): ("v₂", "v̇₂", "sin x₁"),
                 id(y): ("y", "ẏ", "v₁ + v₂")}
        rows, labels = [], {}
        for t in (x1, x2, v1, v2, y):  # in the order they were computed
            name, dot_name, how = named[id(t)]
            tangent = func.unpack_dual(t)[1]
            tangent = 0.0 if tangent is None else tangent.item()
            rows.append((name, how, t.item(), tangent))
            labels[f"{name}, tangent {dot_name} = {tangent:.4g}"] = t
    return y, rows, labels


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args("forward_mode_graph", __doc__.splitlines()[0], argv)
    y, rows, labels = trace()
    print_table("forward mode at x = (2, 5), ẋ = (1, 0): every value and its tangent",
                ["name", "computed as", "value", "tangent"], rows)
    expected = X2 + math.cos(X1)
    print(f"ẏ = {rows[-1][3]:.6f};  by hand, x₂ + cos x₁ = {expected:.6f}")
    graph = draw_graph(y, show_grad=False, params=labels)
    path = args.out / "forward_mode_graph.svg"
    try:
        print(f"wrote {save_graph(graph, path)}")
    except GraphvizNotInstalledError as missing:
        print(missing)
    return {"y": y.item(), "y_dot": rows[-1][3], "expected_y_dot": expected,
            "dot": graph.source}


if __name__ == "__main__":
    main()
