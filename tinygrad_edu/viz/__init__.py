"""Seeing the computation graph and backpropagation.

    from tinygrad_edu.viz import draw_graph, save_graph, save_stepper, save_animation

    draw_graph(loss, show_grad="all")        # Graphviz: dL/dt at every tensor
    backprop_steps(loss)                     # the forward and backward pass, op by op
    save_stepper(loss, "backprop.html")      # a page that steps through them
    save_animation(loss, "backprop.gif")     # the backward pass as an animated GIF

One concept per file:

    graph.py      the graph as lists: reachable tensors, the forward and backward
                  orders, names and labels
    steps.py      backprop_steps: every op application, forward then backward,
                  with the numbers flowing through it
    drawing.py    draw_graph / save_graph: the Graphviz drawing
    stepper.py    Stepper / save_stepper: one self-contained HTML page that steps
                  through the passes on the drawing (page/ holds its HTML, CSS, JS)
    animation.py  save_animation: the backward pass as a GIF
    example.py    the worked example of `python -m tinygrad_edu.viz`
"""

from tinygrad_edu.viz.animation import save_animation
from tinygrad_edu.viz.drawing import (
    FAILED_COLOR,
    GRADIENT_COLOR,
    ROLE_COLORS,
    WIDTH,
    GraphvizNotInstalledError,
    draw_graph,
    escape_record,
    save_graph,
    summarize,
)
from tinygrad_edu.viz.example import (
    logistic_regression_example,
    main,
    mlp_example,
    neuron_example,
)
from tinygrad_edu.viz.graph import backward_steps, forward_order, reachable_tensors
from tinygrad_edu.viz.stepper import Stepper, save_stepper
from tinygrad_edu.viz.steps import Step, backprop_steps, node_gradients

__all__ = [
    "FAILED_COLOR", "GRADIENT_COLOR", "ROLE_COLORS", "WIDTH", "GraphvizNotInstalledError",
    "Step", "backprop_steps", "backward_steps", "draw_graph", "escape_record",
    "forward_order", "logistic_regression_example", "main", "mlp_example", "neuron_example",
    "node_gradients",
    "reachable_tensors", "save_animation", "save_graph", "save_stepper", "Stepper", "summarize",
]
