"""Drawing the computation graph, and its backward pass, with Graphviz.

    loss.backward(retain_graph=True)          # keep the graph so it can be drawn
    graph = draw_graph(loss, module=model)    # a graphviz.Digraph
    draw_graph(loss, show_grad="all")         # dL/dt at every tensor, not just the leaves
    draw_graph(loss, check=True)              # a node whose backward rule is wrong in red
    graph.source                              # the DOT text: needs no Graphviz program
    save_graph(graph, "loss.svg")             # rendered by Graphviz's `dot` (+ loss.dot)

In Jupyter a Digraph displays itself inline. How to read a drawing (the
pictures are in docs/visualization.md):

* A box is a Tensor: the order the backward pass visits it in (#1 is the
  output), its name, shape and dtype, a summary of its data and, for a leaf that
  requires grad, of its gradient. Its colour is its role: a parameter (a leaf
  that requires grad), a constant, the output, or an intermediate result.
* An ellipse is an op, labelled with its name and parameters (axis, exponent...).
  Solid arrows run forward, input -> op -> output. When an op has several
  inputs each arrow is labelled with the argument index, so `a + a` is one box
  with two arrows, 0 and 1.
* Dashed red arrows show the gradient flowing backward, from the output to the
  leaves, along the same paths.
* The title says whether gradients are shown: the leaves' `.grad`
  (`show_grad=True`), dL/dt at every tensor computed from the retained graph
  (`show_grad="all"`), or none; and, with `check=True`, how many ops fail their
  gradient check (each failing op is filled red, with its error).
* With `module=model` the ops of each layer sit in a labelled box, and with
  `collapse=True` each layer is drawn as one node.

How it is drawn: one breadth-first walk from the output lists every tensor it
was computed from, nearest first (`graph.reachable_tensors`, a loop, not
recursion, so a chain of 100,000 ops is fine). `max_nodes` keeps the beginning of
that list. Each tensor becomes a node, each op a node, each entry of an op's
`_parents` an edge. The step-through page (stepper.py) and the animation
(animation.py) use the same drawing, with one op application in focus.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz
import numpy as np

from tinygrad_edu.gradcheck import NodeCheck, check_graph
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.files import write_atomically
from tinygrad_edu.viz.graph import (
    Names,
    backward_steps,
    check_root,
    reachable_tensors,
    tensor_names,
)
from tinygrad_edu.viz.steps import node_gradients

if TYPE_CHECKING:
    from tinygrad_edu.nn import Module

WIDTH = 52
"""The longest line of text in a node; longer text is cut and ends in '…'."""

ROLE_COLORS = {
    "parameter": "#b7e1c1",     # a leaf that requires grad: what training changes
    "constant": "#e4e4e4",      # requires no grad: inputs, targets, masks
    "output": "#ffc58a",        # the tensor the drawing starts from, e.g. the loss
    "intermediate": "#c3d9f3",  # the result of an op
}
ROLE_LEGEND = {
    "parameter": "leaf that requires grad (parameter)",
    "constant": "constant (no grad)",
    "output": "output",
    "intermediate": "intermediate (result of an op)",
}
LAYER_COLOR = "#fff2a8"
CLUSTER_COLOR = "#fafaf0"
GRADIENT_COLOR = "#d62728"
FAILED_COLOR = "#ff9896"     # an op whose backward rule fails its gradient check
FOCUS_COLOR = "#7b2cbf"      # the op application a step or an animation frame is at
FOCUS_ATTRS = {"color": FOCUS_COLOR, "penwidth": "3"}
RANKDIRS = ("LR", "RL", "TB", "BT")

INSTALL_HELP = (
    "Install the Graphviz programs with your system's package manager:\n"
    "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "  macOS:          brew install graphviz\n"
    "  conda:          conda install -c conda-forge graphviz\n"
    "(`pip install graphviz` installs only the Python package, not the `dot` program.)"
)


class GraphvizNotInstalledError(RuntimeError):
    """The Graphviz `dot` program is not installed, so a drawing could not be rendered."""


# ------------------------------------------------------------------ drawing


def draw_graph(
    root: Tensor,
    *,
    show_data: bool = True,
    show_grad: bool | str = True,
    rankdir: str = "LR",
    max_nodes: int | None = None,
    params: Names = None,
    module: Module | None = None,
    collapse: bool = False,
    format: str = "svg",
    check: bool = False,
) -> graphviz.Digraph:
    """The graph that computed `root`, as a graphviz.Digraph.

    show_data  summarize each tensor's values (a scalar in full, else min/mean/max).
    show_grad  True: show the leaves' `.grad` as backward() stored it, number the
               tensors in the order the engine's backward pass visits them, and
               draw the gradient flow. "all": the same, but every tensor shows its
               gradient dL/dt, intermediates included, computed from the retained
               graph (no `.grad` is touched; L is `root`, or its sum if it is not a
               scalar). False: no gradients, numbers or gradient arrows.
    rankdir    "LR" (left to right), "TB" (top to bottom), "RL" or "BT".
    max_nodes  draw at most this many nodes (tensors and ops), keeping those
               nearest the output; a note says how many were left out.
    params     names for tensors: a dict name -> Tensor, or (name, Tensor) pairs
               such as `model.named_parameters()`.
    module     the model: its parameters and buffers get their dotted names
               ("0.weight"), and the ops of each of its layers are boxed together,
               labelled with the layer's name and kind ("0: Linear(784→30)").
    collapse   with `module`, draw each layer as one node.
    format     the format `graph.render()` / `graph.pipe()` produce by default.
    check      gradient-check every op application on its own inputs
               (`gradcheck.check_graph`) and fill each op that fails in red, with
               its error.

    A name passed through `params` or `module` wins over the tensor's own `name`.
    The graph must still exist: after `backward()` it is freed unless
    `retain_graph=True` was passed, and drawing it then raises RuntimeError.
    """
    check_options(root, "draw_graph", show_grad, rankdir, max_nodes, module, collapse)
    annotations = Annotations.compute(root, show_grad=show_grad, check=check,
                                      names=tensor_names(params, module))
    return build_drawing(
        root, annotations, show_data=show_data, show_grad=show_grad, rankdir=rankdir,
        max_nodes=max_nodes, params=params, module=module, collapse=collapse, format=format,
    ).graph


def check_options(root: Tensor, caller: str, show_grad: bool | str, rankdir: str,
                  max_nodes: int | None, module: Module | None, collapse: bool) -> None:
    """Refuse, naming `caller` and the value at fault, an option draw_graph cannot draw."""
    check_root(root, caller)
    if not (isinstance(show_grad, bool) or show_grad == "all"):
        raise ValueError(f"{caller}: show_grad must be True, False or 'all', got {show_grad!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"{caller}: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"{caller}: max_nodes must be at least 1, got {max_nodes}")
    if collapse and module is None:
        raise ValueError(f"{caller}: collapse=True needs module=, the model whose layers to draw")


@dataclass
class Annotations:
    """What a drawing adds to the graph itself: gradients at every tensor (for
    show_grad="all"), the ops that fail their gradient check, and the title.
    Computed once, so that the frames of an animation can share them."""

    gradients: dict[int, np.ndarray]    # id(tensor) -> dL/dtensor; empty unless "all"
    failing: dict[int, NodeCheck]       # id(op output) -> its failed check
    title: str

    @classmethod
    def compute(cls, root: Tensor, *, show_grad: bool | str, check: bool,
                names: dict[int, str]) -> Annotations:
        gradients = {}
        if show_grad == "all" and root.requires_grad:
            gradients = node_gradients(root, "draw_graph")
        checks = check_graph(root) if check else None
        failing = {id(c.tensor): c for c in checks or [] if not c.ok}
        return cls(gradients, failing, drawing_title(root, show_grad, names, checks))


def drawing_title(root: Tensor, show_grad: bool | str, names: dict[int, str],
                  checks: list[NodeCheck] | None) -> str:
    """One line saying which gradients the drawing shows, from which output, and
    what the gradient check found."""
    output = names.get(id(root), root.name) or "the output #1"
    if not root.requires_grad or show_grad is False:
        title = "forward pass only: no gradients shown"
    elif show_grad == "all":
        loss = f"L = {output}" if root.size == 1 else f"L = sum of {output}"
        title = f"gradients dL/dt at every tensor, {loss} (computed from the retained graph)"
    elif _any_leaf_grad(root):
        title = f"after backward(): .grad of the leaves (from {output})"
    else:
        title = "before backward(): no .grad yet"
    if checks is not None:
        failed = sum(not c.ok for c in checks)
        title += (f"; gradient check: {failed} of {len(checks)} ops FAIL (red)" if failed
                  else f"; gradient check: all {len(checks)} ops pass")
    return title


def _any_leaf_grad(root: Tensor) -> bool:
    return any(t.is_leaf and t.grad is not None for t in reachable_tensors(root))


@dataclass
class Focus:
    """The op application an animation frame is at: the op that made `tensor`, in the
    "forward" or the "backward" phase. It is outlined, with its inputs and output and
    the arrows of that phase between them."""

    tensor: Tensor
    phase: str


def build_drawing(
    root: Tensor,
    annotations: Annotations,
    *,
    show_data: bool = True,
    show_grad: bool | str = True,
    rankdir: str = "LR",
    max_nodes: int | None = None,
    params: Names = None,
    module: Module | None = None,
    collapse: bool = False,
    format: str = "svg",
    focus: Focus | None = None,
    svg_classes: bool = False,
) -> _Drawing:
    """The drawing with its maps from tensors to nodes (the stepper needs them).

    `focus` outlines one op application; `svg_classes` gives every edge a class,
    "forward" or "gradient", which Graphviz writes into its SVG.
    """
    tensors = reachable_tensors(root)
    drawn = _nearest(tensors, max_nodes)
    left_out = _count_nodes(tensors) - _count_nodes(drawn)
    names = tensor_names(params, module)
    drawing = _Drawing(
        rankdir=rankdir,
        format=format,
        show_data=show_data,
        show_grad=bool(show_grad),
        collapse=collapse,
        names=names,
        layers=_layers(module),
        steps=backward_steps(root) if show_grad else {},
        annotations=annotations,
        focus=focus,
        svg_classes=svg_classes,
    )
    for tensor in drawn:
        drawing.add_tensor(tensor, _role(tensor, root))
    drawing.add_clusters()
    if left_out:
        drawing.add_note(f"… {left_out:,} more nodes not drawn (max_nodes={max_nodes})")
    for tensor in drawn:
        drawing.add_edges(tensor)
    drawing.add_legend()
    return drawing


def _count_nodes(tensors: list[Tensor]) -> int:
    """How many nodes these tensors make: one each, plus one for the op that made it."""
    return sum(1 if t._op is None else 2 for t in tensors)


def _nearest(tensors: list[Tensor], max_nodes: int | None) -> list[Tensor]:
    """The first tensors of the breadth-first list whose nodes fit in `max_nodes`
    (the output is always kept)."""
    if max_nodes is None:
        return tensors
    kept: list[Tensor] = []
    used = 0
    for tensor in tensors:
        used += _count_nodes([tensor])
        if used > max_nodes and kept:
            break
        kept.append(tensor)
    return kept


def _role(tensor: Tensor, root: Tensor) -> str:
    if tensor is root:
        return "output"
    if not tensor.requires_grad:
        return "constant"
    return "parameter" if tensor.is_leaf else "intermediate"


# ------------------------------------------------------------ names and layers


@dataclass
class _Layer:
    """A module of the model: a box around its ops, or one node when collapsed."""

    name: str       # dotted path in the model: "0", "encoder.fc1"
    label: str      # "0: Linear(784→30)"
    module: Module


def _layers(module: Module | None) -> dict[str, _Layer]:
    """Every module inside `module`, by dotted name. The model itself is left out:
    ops of its own forward (not of a sub-layer) are drawn outside any box."""
    if module is None:
        return {}
    return {
        name: _Layer(name, f"{name}: {sub.label}", sub)
        for name, sub in module.named_modules()
        if name
    }


# ----------------------------------------------------------------- labels


def summarize(array: np.ndarray) -> str:
    """One short line about an array: a single value in full, else min / mean / max."""
    if array.size == 1:
        return str(array.reshape(-1)[0])
    if array.size == 0:
        return "empty"
    values = array.astype(np.float64)
    with np.errstate(all="ignore"):  # inf - inf in the mean is reported as nan, not warned
        return f"min {values.min():.3g} · mean {values.mean():.3g} · max {values.max():.3g}"


def _fit(text: str) -> str:
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "scalar" if shape == () else str(shape)


def _tensor_fields(
    tensor: Tensor, name: str | None, step: int | None, show_data: bool, show_grad: bool,
    gradients: dict[int, np.ndarray],
) -> list[str]:
    """The lines of a tensor's box: [#step name], shape dtype, data, grad.

    The grad line is dL/dt from `gradients` when they were computed (show_grad="all"),
    else the `.grad` of a leaf (or of a tensor that retains its gradient).
    """
    header = " ".join(part for part in (f"#{step}" if step else "", name or "") if part)
    fields = [header] if header else []
    fields.append(f"{_shape_text(tensor.shape)} {tensor.dtype}")
    if show_data:
        fields.append("data " + summarize(tensor.data))
    if show_grad and tensor.requires_grad and gradients:
        gradient = gradients.get(id(tensor))
        fields.append("grad " + ("none flows here" if gradient is None else summarize(gradient)))
    elif show_grad and tensor.requires_grad and (tensor.is_leaf or tensor.grad is not None):
        fields.append("grad " + ("None" if tensor.grad is None else summarize(tensor.grad.data)))
    return [_fit(field) for field in fields]


def _op_label(tensor: Tensor, failed: NodeCheck | None = None) -> str:
    """The name of the op that made `tensor`, and on a second line its parameters: "sum" /
    "axis=(1,) keepdims=True"; for an op that failed its gradient check, a last line
    with its error."""
    lines = [tensor._op.name]
    settings = " ".join(f"{key}={_format_param(value)}" for key, value in tensor._params.items())
    if settings:
        lines.append(_fit(settings))
    if failed is not None:
        lines.append(_fit(f"✗ backward ≠ finite differences (error {failed.max_error:.3g})"))
    return "\\n".join(graphviz.escape(line) for line in lines)


def _format_param(value: Any) -> str:
    """An op parameter, short: (0, 1), 2, float32, [array(64,), :2]."""
    if isinstance(value, tuple):
        inside = ", ".join(_format_atom(part) for part in value)
        return f"({inside},)" if len(value) == 1 else f"({inside})"
    return _format_atom(value)


def _format_atom(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}" if value.ndim else str(value)
    if isinstance(value, slice):
        parts = ["" if end is None else str(end) for end in (value.start, value.stop)]
        if value.step is not None:
            parts.append(str(value.step))
        return ":".join(parts)
    if isinstance(value, np.dtype):
        return value.name
    if value is Ellipsis:
        return "..."
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


RECORD_SPECIALS = "{}|<>"


def escape_record(text: str) -> str:
    """`text` as it must be written inside a record label: a backslash before each of
    { } | < > (which otherwise split the record into fields) and before backslashes.
    Quotes are escaped by the graphviz package when it writes the label."""
    text = text.replace("\\", "\\\\")
    for char in RECORD_SPECIALS:
        text = text.replace(char, "\\" + char)
    return text


def _record(fields: list[str], rankdir: str) -> str:
    """A record label whose fields are stacked in a column, whatever the rankdir.

    A record lays its top-level fields across the rank direction (a column in
    "LR", a row in "TB"); braces turn it by 90 degrees.
    """
    label = "|".join(escape_record(field) for field in fields)
    return graphviz.nohtml(label if rankdir in ("LR", "RL") else "{" + label + "}")


# ---------------------------------------------------------------- the drawing


class _Drawing:
    """The Digraph being built, and which node stands for which tensor or op.

    Node ids come from a counter, so a drawing is the same every time: "t<n>" for
    tensors, "op<n>" for ops, "layer<n>" for collapsed layers, plus "left_out"
    (the max_nodes note) and "legend". Tensors and ops of a layer go into that layer's cluster, or,
    when collapsed, are all represented by the layer's one node.
    """

    def __init__(
        self,
        *,
        rankdir: str,
        format: str,
        show_data: bool,
        show_grad: bool,
        collapse: bool,
        names: dict[int, str],
        layers: dict[str, _Layer],
        steps: dict[int, int],
        annotations: Annotations,
        focus: Focus | None = None,
        svg_classes: bool = False,
    ):
        self.graph = graphviz.Digraph(
            "computation_graph",
            format=format,
            graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11",
                        "label": annotations.title, "labelloc": "t", "labeljust": "l"},
            node_attr={"fontname": "Helvetica", "fontsize": "10"},
            edge_attr={"fontname": "Helvetica", "fontsize": "9"},
        )
        self.annotations = annotations
        self.focus = focus
        self.focus_inputs = set() if focus is None else {id(p) for p in focus.tensor._parents}
        self.svg_classes = svg_classes
        self.rankdir = rankdir
        self.show_data = show_data
        self.show_grad = show_grad
        self.collapse = collapse
        self.names = names
        self.steps = steps
        self.layers = layers
        self.layer_of_module = {id(layer.module): layer for layer in layers.values()}
        self.clusters: dict[str, graphviz.Digraph] = {}  # layer name -> its box
        self.layer_nodes: dict[str, str] = {}            # layer name -> its collapsed node
        self.tensor_nodes: dict[int, str] = {}           # id(tensor) -> node
        self.op_nodes: dict[int, str] = {}               # id(output tensor) -> its op's node
        self.note: str | None = None
        self.drawn_edges: set[tuple[str, str, str, bool]] = set()
        self.counter = 0

    def new_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- nodes

    def add_tensor(self, tensor: Tensor, role: str) -> None:
        """A node for the tensor and, if an op made it, one for the op."""
        name = self.names.get(id(tensor), tensor.name)
        layer = self._layer_of_tensor(tensor, name)
        if self.collapse and layer is not None:
            self.tensor_nodes[id(tensor)] = self._layer_node(layer)
        else:
            node = self.new_id("t")
            fields = _tensor_fields(tensor, name, self.steps.get(id(tensor)), self.show_data,
                                    self.show_grad, self.annotations.gradients)
            in_focus = self.focus is not None and (
                tensor is self.focus.tensor or id(tensor) in self.focus_inputs)
            self._container(layer).node(
                node, _record(fields, self.rankdir),
                shape="record", style="filled", fillcolor=ROLE_COLORS[role],
                **(FOCUS_ATTRS if in_focus else {}),
            )
            self.tensor_nodes[id(tensor)] = node
        if tensor._op is not None:
            self.op_nodes[id(tensor)] = self._add_op(tensor)

    def _add_op(self, tensor: Tensor) -> str:
        """The node of the op that made `tensor`: an ellipse, red when its gradient check
        failed, outlined when in focus; or its collapsed layer's node."""
        failed = self.annotations.failing.get(id(tensor))
        layer = self.layer_of_module.get(id(tensor._module))
        if self.collapse and layer is not None:
            node = self._layer_node(layer)
            if failed is not None:
                self.graph.node(node, fillcolor=FAILED_COLOR)  # adds the colour to the node
            return node
        node = self.new_id("op")
        attributes = {"style": "filled", "fillcolor": FAILED_COLOR} if failed else {}
        if self.focus is not None and tensor is self.focus.tensor:
            attributes.update(FOCUS_ATTRS)
        self._container(layer).node(node, _op_label(tensor, failed), shape="ellipse",
                                    **attributes)
        return node

    def _layer_of_tensor(self, tensor: Tensor, name: str | None) -> _Layer | None:
        """The layer whose op made the tensor or, for a parameter or buffer of the
        model ("0.weight"), the layer that owns it."""
        if tensor._op is not None:
            return self.layer_of_module.get(id(tensor._module))
        if name is None:
            return None
        return self.layers.get(name.rpartition(".")[0])

    def _container(self, layer: _Layer | None) -> graphviz.Digraph:
        """Where a node goes: the layer's cluster, made on first use, or the graph."""
        if layer is None:
            return self.graph
        if layer.name not in self.clusters:
            self.clusters[layer.name] = graphviz.Digraph(
                self.new_id("cluster_"),
                graph_attr={"label": layer.label, "style": "rounded,filled",
                            "fillcolor": CLUSTER_COLOR, "color": "#999999"},
            )
        return self.clusters[layer.name]

    def _layer_node(self, layer: _Layer) -> str:
        """The one node standing for a collapsed layer: its label and its parameters."""
        if layer.name not in self.layer_nodes:
            node = self.new_id("layer")
            lines = [layer.label] + [
                f"{name} {_shape_text(tensor.shape)}"
                for name, tensor in layer.module.named_parameters()
            ]
            self.graph.node(
                node, "\\n".join(graphviz.escape(_fit(line)) for line in lines),
                shape="box3d", style="filled", fillcolor=LAYER_COLOR,
            )
            self.layer_nodes[layer.name] = node
        return self.layer_nodes[layer.name]

    def add_clusters(self) -> None:
        for cluster in self.clusters.values():
            self.graph.subgraph(cluster)

    def add_note(self, text: str) -> None:
        """The node that stands for everything `max_nodes` left out."""
        self.note = "left_out"
        self.graph.node(self.note, graphviz.escape(text), shape="note", fontcolor="#555555")

    # -- edges

    def add_edges(self, tensor: Tensor) -> None:
        """The edges of the op that made `tensor`: each input -> op, then op -> tensor."""
        if tensor._op is None:
            return
        op = self.op_nodes[id(tensor)]
        several = len(tensor._parents) > 1
        focus = None
        if self.focus is not None and tensor is self.focus.tensor:
            focus = self.focus.phase
        for index, parent in enumerate(tensor._parents):
            tail = self.tensor_nodes.get(id(parent), self.note)
            self._connect(tail, op, parent, str(index) if several else "", focus)
        self._connect(op, self.tensor_nodes[id(tensor)], tensor, "", focus)

    def _connect(self, tail: str, head: str, tensor: Tensor, label: str,
                 focus: str | None = None) -> None:
        """A forward edge carrying `tensor`, and its gradient-flow edge if one flows.

        An edge to or from a collapsed layer is labelled with the shape it carries.
        Edges inside a collapsed layer vanish, and repeated ones are drawn once.
        `focus` ("forward" or "backward") outlines the edge of that phase.
        """
        if tail == head:
            return
        if tail in self.layer_nodes.values() or head in self.layer_nodes.values():
            label = _shape_text(tensor.shape)
        style = "dotted" if tail == self.note else None
        self._edge(tail, head, label, gradient=False, style=style,
                   outlined=focus == "forward")
        if self.show_grad and tensor.requires_grad and tail != self.note:
            self._edge(tail, head, label, gradient=True, style="dashed",
                       outlined=focus == "backward")

    def _edge(self, tail: str, head: str, label: str, gradient: bool, style: str | None,
              outlined: bool = False) -> None:
        key = (tail, head, label, gradient)
        if key in self.drawn_edges:
            return
        self.drawn_edges.add(key)
        attributes = {"penwidth": "3"} if outlined else {}
        if self.svg_classes:  # for the stepper's script: which arrows carry gradients
            attributes["class"] = "gradient" if gradient else "forward"
        if gradient:
            # Laid out like the forward edge, with the arrowhead at the tail: the
            # gradient goes from the op back to its input.
            self.graph.edge(tail, head, style=style, color=GRADIENT_COLOR, dir="back",
                            **attributes)
        else:
            if outlined:
                attributes["color"] = FOCUS_COLOR
            self.graph.edge(tail, head, label=label or None, style=style, **attributes)

    # -- legend

    def add_legend(self) -> None:
        """One table: a colour sample per role, and what shapes, arrows and numbers mean."""
        rows = [(ROLE_COLORS[role], text) for role, text in ROLE_LEGEND.items()]
        notes = ["ellipse: an op, with its parameters",
                 "solid arrow: forward (label: argument index)"]
        if self.collapse:
            rows.append((LAYER_COLOR, "layer (collapsed)"))
            notes.append("arrow to or from a layer: the shape it carries")
        if self.show_grad:
            notes += [f'<font color="{GRADIENT_COLOR}">dashed red arrow: gradient flow</font>',
                      "#k: the k-th tensor backward() visits"]
        if self.annotations.failing:
            rows.append((FAILED_COLOR, "op whose backward fails the gradient check"))
        cells = [f'<tr><td bgcolor="{color}">{text}</td></tr>' for color, text in rows]
        cells += [f'<tr><td align="left">{note}</td></tr>' for note in notes]
        table = ('<table border="0" cellborder="1" cellspacing="0" cellpadding="4">'
                 "<tr><td><b>legend</b></td></tr>" + "".join(cells) + "</table>")
        self.graph.node("legend", f"<{table}>", shape="plaintext")


# ------------------------------------------------------------------ output


def save_graph(graph: graphviz.Digraph, path: str | Path) -> Path:
    """Write `graph` rendered to `path` (.svg, .png, .pdf... the suffix picks the
    format; none means the graph's `format`) and its DOT source next to it, as
    `path` with the suffix .dot. Returns the path written.

    The .dot file is written first, so it is there even when the Graphviz `dot`
    program is missing; then GraphvizNotInstalledError says how to install it.
    """
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix("." + graph.format)
    path.parent.mkdir(parents=True, exist_ok=True)
    dot_path = path.with_suffix(".dot")
    write_atomically(dot_path, graph.source.encode("utf-8"))
    if path == dot_path:
        return path
    fmt = path.suffix[1:]
    try:
        rendered = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalledError(
            f"save_graph: cannot render {path}: the Graphviz program `dot` was not found "
            f"on PATH.\nThe DOT source was written to {dot_path.resolve()}.\n{INSTALL_HELP}\n"
            f"Then run this again, or render the source yourself: "
            f"dot -T{fmt} {dot_path} -o {path}"
        ) from None
    write_atomically(path, rendered)
    return path
