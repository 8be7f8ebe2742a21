"""A page that steps through backpropagation: the graph, and one op at a time.

    save_stepper(loss, "backprop.html", module=model)   # open it in any browser
    Stepper(loss)                                       # in Jupyter: shown inline

The page is one self-contained HTML file: the Graphviz drawing as inline SVG,
the steps of `backprop_steps` as JSON, and the page's own CSS and script (in
page/, read by this module). It loads nothing from anywhere, so it works from
`file://` and offline. Prev / Next / Play and the arrow keys move through the
forward pass, then the backward pass; the op of the current step, its inputs
and its output are outlined, with the arrows that carry its values (forward)
or its gradients (backward); a panel shows the step's formula and its numbers.
The page exposes `window.stepper` (`count`, `current`, `next()`, `prev()`,
`go(k)`), so tests and slides can drive it.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz
import numpy as np

from tinygrad_edu.gradcheck import NodeCheck, check_graph
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.drawing import (
    INSTALL_HELP,
    Annotations,
    GraphvizNotInstalledError,
    _Drawing,
    build_drawing,
    check_options,
    drawing_title,
)
from tinygrad_edu.viz.files import write_atomically
from tinygrad_edu.viz.graph import Names, tensor_names
from tinygrad_edu.viz.steps import Step, backprop_steps, node_gradients

if TYPE_CHECKING:
    from tinygrad_edu.nn import Module

PAGE = Path(__file__).parent / "page"

FULL_ARRAY_SIZE = 24
"""An array with at most this many elements is printed in full, a larger one summarized."""

ELEMENTWISE_OPS = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "where", "neg", "exp", "log",
    "sqrt", "abs", "relu", "sigmoid", "softplus", "tanh", "clip", "cast", "clone",
}
"""Ops whose output element i depends on input element i only: for them the local
derivative dy/dx is one number per element, the contribution divided by the upstream."""


@dataclass
class _View:
    """One drawing of the graph in the page: expanded, or with each layer collapsed."""

    name: str
    drawing: _Drawing
    svg: str


class Stepper:
    """The step-through page of the graph of `root`, forward then backward.

    params / module  names for tensors, as in draw_graph; with `module` the page
                     can also show each layer collapsed into one node (a toggle)
    collapse         start with the layers collapsed (needs `module`)
    max_nodes        draw at most this many nodes of the expanded graph; steps of
                     ops not drawn still show their numbers in the panel
    rankdir          "TB" (top to bottom, the default: it fits a page), "LR", ...
    check            gradient-check every op (gradcheck.check_graph): a failing op is
                     red in the drawing and its steps say why
    title            the page's heading

    Needs the Graphviz `dot` program to lay out the drawing (GraphvizNotInstalledError
    says how to install it). The graph must still exist (before `backward()`, or
    after `backward(retain_graph=True)`).
    """

    def __init__(self, root: Tensor, *, params: Names = None, module: Module | None = None,
                 collapse: bool = False, max_nodes: int | None = None, rankdir: str = "TB",
                 check: bool = True, title: str | None = None):
        check_options(root, "Stepper", True, rankdir, max_nodes, module, collapse)
        self.steps: list[Step] = backprop_steps(root, params=params, module=module)
        checks = check_graph(root) if check else None
        names = tensor_names(params, module)
        annotations = Annotations(
            gradients=node_gradients(root, "Stepper"),
            failing={id(c.tensor): c for c in checks or [] if not c.ok},
            title=drawing_title(root, "all", names, checks),
        )
        options = dict(show_grad="all", rankdir=rankdir, params=params, module=module,
                       svg_classes=True)
        views = [("expanded", dict(max_nodes=max_nodes))]
        if module is not None:
            views.append(("collapsed", dict(collapse=True)))
        if collapse:
            views.reverse()
        self.views = [_render_view(name, build_drawing(root, annotations, **options, **extra))
                      for name, extra in views]
        self.failing = annotations.failing
        self.title = title or "Backpropagation, step by step"

    def html(self) -> str:
        """The whole page, one self-contained HTML document."""
        data = {
            "title": self.title,
            "views": [view.name for view in self.views],
            "steps": [self._step_data(step) for step in self.steps],
        }
        graphs = "\n".join(
            f'<div class="view" data-view="{view.name}"{"" if i == 0 else " hidden"}>'
            f"{view.svg}</div>"
            for i, view in enumerate(self.views)
        )
        page = (PAGE / "stepper.html").read_text(encoding="utf-8")
        replacements = {
            "{{title}}": html.escape(self.title),
            "{{style}}": (PAGE / "stepper.css").read_text(encoding="utf-8"),
            "{{graphs}}": graphs,
            "{{data}}": _script_json(data),
            "{{script}}": (PAGE / "stepper.js").read_text(encoding="utf-8"),
        }
        for marker, text in replacements.items():
            page = page.replace(marker, text)
        return page

    def save(self, path: str | Path) -> Path:
        """Write the page to `path` (atomically) and return the path."""
        return write_atomically(Path(path), self.html().encode("utf-8"))

    def _repr_html_(self) -> str:
        """Jupyter shows the page inline, in a frame of its own."""
        return (f'<iframe srcdoc="{html.escape(self.html(), quote=True)}" '
                'style="width: 100%; height: 640px; border: 1px solid #ccc"></iframe>')

    def _step_data(self, step: Step) -> dict[str, Any]:
        """What the page's script needs about one step: labels, numbers as text, and
        the ids of its nodes in each view."""
        data: dict[str, Any] = {
            "phase": step.phase,
            "op": step.op,
            "formula": step.formula,
            "inputs": step.inputs,
            "output": step.output,
            "outputShape": list(step.values.shape),
            "values": format_array(step.values),
            "inputValues": [format_array(parent.data) for parent in step.tensor._parents],
            "nodes": {view.name: _node_ids(view.drawing, step.tensor) for view in self.views},
            "check": _check_data(self.failing.get(id(step.tensor))),
        }
        if step.phase == "backward":
            data.update(
                upstream=format_array(step.upstream),
                rules=derivative_clauses(step.formula, len(step.inputs)),
                grads=[None if g is None else format_array(g) for g in step.input_grads],
                local=[_local_derivative(step, i) for i in range(len(step.inputs))],
                accumulated=[None if a is None else format_array(a) for a in step.accumulated],
                summedAxes=[list(axes) for axes in step.summed_axes],
            )
        return data


def save_stepper(root: Tensor, path: str | Path, **options: Any) -> Path:
    """Write the step-through page of `root`'s graph to `path`; `options` as for Stepper."""
    return Stepper(root, **options).save(path)


# ------------------------------------------------------------------- helpers


def _render_view(name: str, drawing: _Drawing) -> _View:
    """Lay the drawing out with Graphviz; keep the <svg> element only (no XML prolog
    or DOCTYPE, whose DTD address a browser might try to fetch)."""
    try:
        svg = drawing.graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalledError(
            f"Stepper: the Graphviz program `dot` was not found on PATH; it lays out the "
            f"graph of the page.\n{INSTALL_HELP}") from None
    return _View(name, drawing, svg[svg.index("<svg"):])


def _node_ids(drawing: _Drawing, tensor: Tensor) -> dict[str, Any]:
    """The drawing's node ids (the <title> of each SVG node) of the op that made
    `tensor`, of `tensor` and of its inputs; None for a node max_nodes left out."""
    return {
        "op": drawing.op_nodes.get(id(tensor)),
        "output": drawing.tensor_nodes.get(id(tensor)),
        "inputs": [drawing.tensor_nodes.get(id(p), drawing.note) for p in tensor._parents],
    }


def _check_data(check: NodeCheck | None) -> dict[str, Any] | None:
    if check is None:
        return None
    error = check.max_error if np.isfinite(check.max_error) else None  # JSON has no nan
    return {"message": check.message, "maxError": error}


def _local_derivative(step: Step, index: int) -> str | None:
    """dy/dx elementwise (contribution ÷ upstream) for an elementwise op whose input has
    the output's shape; None where that is not one number per element."""
    grad = step.input_grads[index]
    if grad is None or step.op not in ELEMENTWISE_OPS or grad.shape != step.upstream.shape:
        return None
    upstream = step.upstream.astype(np.float64)
    with np.errstate(all="ignore"):
        local = np.where(upstream != 0, grad / upstream, np.nan)
    return format_array(local)


def derivative_clauses(formula: str, inputs: int) -> list[str]:
    """The formula's derivative for each input: "y = a * b; dL/da = g * b, dL/db = g * a"
    gives ["dL/da = g * b", "dL/db = g * a"]. When the clauses do not match the inputs
    one to one, every input gets the whole derivative part."""
    derivatives = formula.split(";", 1)[-1].strip()
    clauses = re.split(r",\s+(?=dL/d)", derivatives)
    if len(clauses) == inputs and all(c.startswith("dL/d") for c in clauses):
        return clauses
    return [derivatives] * inputs


def format_array(array: np.ndarray) -> str:
    """An array as a few lines of text: in full when small (a column on one line), else
    its shape and summary."""
    array = np.asarray(array)
    if array.size <= FULL_ARRAY_SIZE:
        if array.ndim == 2 and array.shape[1] == 1 and array.shape[0] > 1:
            row = np.array2string(array[:, 0], precision=4, suppress_small=True,
                                  max_line_width=48)
            return f"column {array.shape}:\n{row}"
        return np.array2string(array, precision=4, suppress_small=True, max_line_width=48)
    values = array.astype(np.float64)
    with np.errstate(all="ignore"):
        return (f"shape {array.shape}: min {values.min():.4g} · mean {values.mean():.4g} "
                f"· max {values.max():.4g}")


def _script_json(data: dict) -> str:
    """JSON that is safe inside a <script> element: no "</" can close it early."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
