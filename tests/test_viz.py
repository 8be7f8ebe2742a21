"""Tests of tinygrad_edu.viz: the drawing says exactly what the graph is.

The expected numbers (ops, edges, shapes, backward order) are computed here by
walking `_parents` directly, never through viz. The drawing is read back from
its DOT source, whose node ids are "t<n>" for tensors, "op<n>" for ops and
"layer<n>" for collapsed layers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import autograd, nn
from tinygrad_edu.viz import (
    ROLE_COLORS,
    WIDTH,
    GraphvizNotInstalledError,
    draw_graph,
    logistic_regression_example,
    main,
    save_graph,
    summarize,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the Graphviz `dot` program is not installed")

NODE = re.compile(r'^\s+(\w+) \[label=("(?:[^"\\]|\\.)*"|<.*>|[^\s\]]+)(.*)\]$')
EDGE = re.compile(r"^\s+(\w+) -> (\w+)(?: \[(.*)\])?$")


# ------------------------------------------------------------ reading the DOT


def nodes(graph) -> dict[str, str]:
    """node id -> label, as written in the DOT source (quotes removed)."""
    found = {}
    for line in graph.body:
        match = NODE.match(line)
        if match:
            node, label, _ = match.groups()
            found[node] = label[1:-1] if label.startswith('"') else label
    return found


class Box(NamedTuple):
    """What a tensor's record says."""

    step: int | None   # the "#k" of the backward order
    name: str | None
    shape: str         # "(16, 4) float32"
    fields: list[str]


SHAPE = re.compile(r"(scalar|\([\d, ]*\)) \w+")


def tensor_boxes(graph) -> dict[str, Box]:
    """tensor node id -> what its record label says."""
    boxes = {}
    for node, label in nodes(graph).items():
        if re.fullmatch(r"t\d+", node):
            fields = re.split(r"(?<!\\)\|", label.strip("{}"))
            header = "" if SHAPE.fullmatch(fields[0]) else fields[0]
            step, name = re.fullmatch(r"(?:#(\d+))? ?(.*)", header).groups()
            shape = fields[1 if header else 0]
            boxes[node] = Box(int(step) if step else None, name or None, shape, fields)
    return boxes


def fill_colour(graph, node: str) -> str:
    return re.search(rf'^\s+{node} \[.*fillcolor="(#\w+)"', graph.source, re.M)[1]


def op_names(graph) -> list[str]:
    """The op name (first line of the label) of every op node."""
    return [label.split("\\n")[0] for node, label in nodes(graph).items()
            if re.fullmatch(r"op\d+", node)]


def edges(graph) -> list[tuple[str, str, str]]:
    """(tail, head, attributes) of every edge."""
    return [(m[1], m[2], m[3] or "") for m in map(EDGE.match, graph.body) if m]


def forward_edges(graph) -> list[tuple[str, str, str]]:
    return [e for e in edges(graph) if "dir=back" not in e[2]]


def gradient_edges(graph) -> list[tuple[str, str, str]]:
    return [e for e in edges(graph) if "dir=back" in e[2]]


def clusters(graph) -> dict[str, str]:
    """cluster label -> the DOT text inside that cluster."""
    source = graph.source
    found = {}
    for match in re.finditer(r"subgraph cluster_\w+ \{\n(.*?)\n\t\}", source, re.S):
        body = match[1]
        label = re.search(r'label="([^"]*)"', body)[1]
        found[label] = body
    return found


def render_svg(source: str) -> ET.Element:
    """Run the real `dot -Tsvg` on the source and parse its output as XML."""
    result = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                            check=True)
    return ET.fromstring(result.stdout)


def svg_text(svg: ET.Element) -> str:
    return " ".join(el.text for el in svg.iter() if el.text)


# --------------------------------------------- the graph, walked independently


def walk(root: tg.Tensor) -> list[tg.Tensor]:
    """Every tensor reachable from root, each once (depth first: not viz's order)."""
    seen, stack, found = set(), [root], []
    while stack:
        tensor = stack.pop()
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        found.append(tensor)
        if tensor._op is not None:
            stack.extend(tensor._parents)
    return found


def shape_field(tensor: tg.Tensor) -> str:
    shape = "scalar" if tensor.shape == () else str(tensor.shape)
    return f"{shape} {tensor.dtype}"


# ------------------------------------------------------------------ models


def raw_mlp_loss():
    """A 4 -> 8 -> 3 MLP's cross-entropy loss, written with Tensor ops."""
    rng = np.random.default_rng(0)
    X = tg.Tensor(rng.normal(size=(16, 4)), name="X")
    y = rng.integers(0, 3, size=16)
    params = {
        "W1": tg.Tensor(rng.normal(size=(4, 8)) * 0.5, requires_grad=True),
        "b1": tg.Tensor(np.zeros(8), requires_grad=True),
        "W2": tg.Tensor(rng.normal(size=(8, 3)) * 0.5, requires_grad=True),
        "b2": tg.Tensor(np.zeros(3), requires_grad=True),
    }
    hidden = (X @ params["W1"] + params["b1"]).relu()
    loss = F.cross_entropy(hidden @ params["W2"] + params["b2"], y)
    return loss, {"params": params}, params


def nn_mlp_loss():
    """The same MLP as an nn.Sequential; the drawing gets the model."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    X = tg.Tensor(np.random.default_rng(0).normal(size=(16, 4)), name="X")
    y = np.random.default_rng(1).integers(0, 3, size=16)
    loss = F.cross_entropy(model(X), y)
    return loss, {"module": model}, dict(model.named_parameters())


MLPS = pytest.mark.parametrize("make_mlp", [raw_mlp_loss, nn_mlp_loss], ids=["raw", "nn"])


def deep_model(depth: int, width: int = 16) -> nn.Sequential:
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, 1))


def deep_model_loss(depth: int):
    tg.manual_seed(0)
    model = deep_model(depth)
    X = tg.randn(32, 16)
    loss = F.mse_loss(model(X), np.zeros((32, 1), dtype=np.float32))
    return model, loss


# -------------------------------------------------- what the drawing shows


@MLPS
def test_every_op_parameter_and_shape_appears(make_mlp):
    loss, options, params = make_mlp()
    graph = draw_graph(loss, **options)
    tensors = walk(loss)
    made_by_ops = [t for t in tensors if t._op is not None]
    assert Counter(op_names(graph)) == Counter(t._op.name for t in made_by_ops)
    boxes = tensor_boxes(graph).values()
    names = [box.name for box in boxes]
    for name in params:
        assert names.count(name) == 1, name
    assert Counter(box.shape for box in boxes) == Counter(shape_field(t) for t in tensors)


@MLPS
def test_edge_count_equals_the_graphs(make_mlp):
    loss, options, _ = make_mlp()
    graph = draw_graph(loss, show_grad=False, **options)
    made_by_ops = [t for t in walk(loss) if t._op is not None]
    into_ops = [e for e in forward_edges(graph) if e[1].startswith("op")]
    out_of_ops = [e for e in forward_edges(graph) if e[0].startswith("op")]
    assert len(into_ops) == sum(len(t._parents) for t in made_by_ops)
    assert len(out_of_ops) == len(made_by_ops)
    assert len(tensor_boxes(graph)) == len(walk(loss))
    assert gradient_edges(graph) == []


@MLPS
def test_gradients_shown_after_backward(make_mlp):
    loss, options, params = make_mlp()

    def boxes_by_name(graph):
        return {box.name: box.fields for box in tensor_boxes(graph).values()}

    before = boxes_by_name(draw_graph(loss, **options))
    for name in params:
        assert before[name][-1] == "grad None"
    loss.backward(retain_graph=True)
    after = boxes_by_name(draw_graph(loss, **options))
    for name, parameter in params.items():
        assert after[name][-1] == "grad " + summarize(parameter.grad.data)
        assert after[name][-2] == "data " + summarize(parameter.data)


@MLPS
def test_backward_numbers_are_the_engines_order(make_mlp):
    loss, options, params = make_mlp()
    graph = draw_graph(loss, **options)
    order = autograd.topological_order([loss])
    boxes = tensor_boxes(graph).values()
    numbered = {box.step: box for box in boxes if box.step is not None}
    assert sorted(numbered) == list(range(1, len(order) + 1))
    for k, tensor in enumerate(order, start=1):
        assert numbered[k].shape == shape_field(tensor)
    for name, parameter in params.items():
        k = next(i for i, t in enumerate(order, start=1) if t is parameter)
        assert numbered[k].name == name
    unnumbered = [box for box in boxes if box.step is None]
    assert len(unnumbered) == len(walk(loss)) - len(order)  # the constants


@MLPS
def test_gradient_flows_from_lower_to_higher_numbers(make_mlp):
    """Each dashed edge carries a gradient that the backward pass has before it
    reaches the tensor the gradient flows into."""
    loss, options, _ = make_mlp()
    graph = draw_graph(loss, **options)
    step = {node: box.step for node, box in tensor_boxes(graph).items()}
    output_of = {tail: head for tail, head, _ in forward_edges(graph) if tail.startswith("op")}
    into_inputs = [(op, t) for t, op, _ in gradient_edges(graph) if op.startswith("op")]
    assert into_inputs
    for op, tensor in into_inputs:
        assert step[output_of[op]] < step[tensor]
    requires_grad_inputs = [p for t in walk(loss) if t._op for p in t._parents
                            if p.requires_grad]
    assert len(into_inputs) == len(requires_grad_inputs)


def test_reused_tensor_is_one_node_with_two_labelled_edges():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    out = (a + a).sum()
    graph = draw_graph(out)
    (a_node,) = [node for node, box in tensor_boxes(graph).items() if box.name == "a"]
    into_add = [attrs for tail, head, attrs in forward_edges(graph) if tail == a_node]
    assert sorted(into_add) == ["label=0", "label=1"]
    assert len([e for e in gradient_edges(graph) if e[0] == a_node]) == 2


def test_op_parameters_are_labelled():
    x = tg.Tensor(np.ones((2, 4)), requires_grad=True)
    out = (x[:, 1:3] ** 3).sum(axis=1, keepdims=True).clip(min=0.5).sum()
    labels = [label.replace("\\n", " ") for label in nodes(draw_graph(out)).values()]
    assert "getitem index=(:, 1:3)" in labels
    assert "pow" in labels  # the exponent 3 is an input of its own, a constant node
    assert "sum axis=(1,) keepdims=True" in labels
    assert "clip low=0.5 high=None" in labels


def test_roles_have_colours_and_a_legend():
    w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    x = tg.Tensor([3.0, 4.0], name="x")
    graph = draw_graph((w * x).sum())
    node_of = {box.name or box.step: node for node, box in tensor_boxes(graph).items()}
    assert fill_colour(graph, node_of["w"]) == ROLE_COLORS["parameter"]
    assert fill_colour(graph, node_of["x"]) == ROLE_COLORS["constant"]
    assert fill_colour(graph, node_of[1]) == ROLE_COLORS["output"]  # the sum
    assert fill_colour(graph, node_of[2]) == ROLE_COLORS["intermediate"]  # w * x
    assert len(set(ROLE_COLORS.values())) == 4
    for text in ("leaf that requires grad", "constant", "output", "intermediate",
                 "gradient flow", "#k"):
        assert text in nodes(graph)["legend"]


def test_summaries_are_short():
    assert summarize(np.array(0.1234567, dtype=np.float32)) == "0.1234567"
    assert summarize(np.array([2.5])) == "2.5"
    assert summarize(np.array([[1.0, 2.0], [3.0, 6.0]])) == "min 1 · mean 3 · max 6"
    assert summarize(np.array([True, False])) == "min 0 · mean 0.5 · max 1"
    assert summarize(np.zeros((0, 3))) == "empty"
    long_name = "a_very_long_parameter_name_" * 4
    (box,) = tensor_boxes(draw_graph(tg.Tensor([1.0], name=long_name))).values()
    assert len(box.name) == WIDTH and box.name.endswith("…")
    assert long_name.startswith(box.name[:-1])


def test_show_data_and_show_grad_can_be_turned_off():
    loss, options, _ = raw_mlp_loss()
    loss.backward(retain_graph=True)
    graph = draw_graph(loss, show_data=False, show_grad=False, **options)
    fields = [f for box in tensor_boxes(graph).values() for f in box.fields]
    assert not any(f.startswith(("data", "grad", "#")) for f in fields)
    assert gradient_edges(graph) == []


def test_record_special_characters_are_escaped():
    name = 'a{b}|<c> "d" \\e'
    graph = draw_graph(tg.Tensor([1.0], requires_grad=True, name=name) * 2.0)
    (box,) = [box for box in tensor_boxes(graph).values() if box.step == 2]
    assert box.name == r'a\{b\}\|\<c\> \"d\" \\e'
    if shutil.which("dot"):
        assert name in svg_text(render_svg(graph.source))


def test_tensor_draw_is_draw_graph():
    loss, options, _ = raw_mlp_loss()
    assert loss.draw(show_data=False, **options).source == draw_graph(
        loss, show_data=False, **options).source


def test_freed_graph_raises_a_clear_error():
    loss, options, _ = raw_mlp_loss()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"freed by backward\(\).*retain_graph=True"):
        draw_graph(loss, **options)


def test_bad_options_are_refused():
    x = tg.Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="must be a Tensor"):
        draw_graph(x.data)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(x, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(x, max_nodes=0)
    with pytest.raises(ValueError, match="collapse=True needs module"):
        draw_graph(x, collapse=True)


# ----------------------------------------------------------------- modules


def test_each_layer_is_a_labelled_cluster():
    loss, options, _ = nn_mlp_loss()
    boxes = clusters(draw_graph(loss, **options))
    assert set(boxes) == {"0: Linear(4→8)", "1: ReLU", "2: Linear(8→3)"}
    for name, label in (("0", "0: Linear(4→8)"), ("2", "2: Linear(8→3)")):
        body = boxes[label]
        assert f"{name}.weight" in body and f"{name}.bias" in body
        assert Counter(re.findall(r'label="?(linear|matmul|add|transpose)\b', body)) == {
            "linear": 1}
    assert "label=relu" in boxes["1: ReLU"]
    assert "cross" not in "".join(boxes.values()) and "log_softmax" not in "".join(boxes.values())


def test_collapse_draws_each_layer_as_one_node():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 10))
    X = tg.randn(64, 784)
    loss = F.cross_entropy(model(X), np.arange(64) % 10)
    graph = draw_graph(loss, module=model, collapse=True)
    labels = nodes(graph)
    layers = {node: label for node, label in labels.items() if node.startswith("layer")}
    assert sorted(label.split("\\n")[0] for label in layers.values()) == [
        "0: Linear(784→30)", "1: ReLU", "2: Linear(30→10)"]
    assert "weight (30, 784)" in "".join(layers.values())
    outside = [t for t in walk(loss) if t._op is not None and t._module is None]
    assert Counter(op_names(graph)) == Counter(t._op.name for t in outside)
    between_layers = {(labels[tail].split("\\n")[0], labels[head].split("\\n")[0]): attrs
                      for tail, head, attrs in forward_edges(graph)
                      if tail in layers and head in layers}
    assert between_layers == {("0: Linear(784→30)", "1: ReLU"): 'label="(64, 30)"',
                              ("1: ReLU", "2: Linear(30→10)"): 'label="(64, 30)"'}


def test_collapse_on_a_large_model():
    model, loss = deep_model_loss(depth=20)
    collapsed = draw_graph(loss, module=model, collapse=True)
    layer_nodes = [node for node in nodes(collapsed) if node.startswith("layer")]
    assert len(layer_nodes) == len(model)  # 20 Linear + 20 ReLU + the last Linear
    assert op_names(collapsed) == ["div", "sum", "mul", "sub"]  # the mean squared error
    parameters = {id(p) for p in model.parameters()}
    outside = [t for t in walk(loss)  # the loss's tensors and ops, and the input X
               if (t._op is None and id(t) not in parameters)
               or (t._op is not None and t._module is None)]
    others = [node for node in nodes(collapsed) if re.fullmatch(r"(t|op)\d+", node)]
    assert len(others) == len(outside) + sum(t._op is not None for t in outside)


# --------------------------------------------------------------- max_nodes


def test_max_nodes_keeps_the_part_nearest_the_output():
    model, loss = deep_model_loss(depth=12)
    max_nodes = 40
    graph = draw_graph(loss, module=model, max_nodes=max_nodes)
    drawn = [node for node in nodes(graph) if re.fullmatch(r"(t|op)\d+", node)]
    tensors = walk(loss)
    total = len(tensors) + sum(t._op is not None for t in tensors)
    assert len(drawn) <= max_nodes
    assert f"… {total - len(drawn):,} more nodes not drawn (max_nodes=40)" in nodes(graph)[
        "left_out"]
    names = [box.name for box in tensor_boxes(graph).values()]
    assert "24.weight" in names and "0.weight" not in names  # the last layer, not the first
    assert any(tail == "left_out" and "style=dotted" in attrs
               for tail, _, attrs in edges(graph))
    ops = [node for node in drawn if node.startswith("op")]
    assert len([e for e in forward_edges(graph) if e[0] in ops]) == len(ops)


def test_chain_of_100000_ops_with_max_nodes():
    x = tg.Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = -y
    graph = draw_graph(y, max_nodes=50)
    drawn = [node for node in nodes(graph) if re.fullmatch(r"(t|op)\d+", node)]
    assert len(drawn) == 50
    left_out = 100_001 + 100_000 - 50
    assert f"{left_out:,} more nodes not drawn" in nodes(graph)["left_out"]
    steps = sorted(box.step for box in tensor_boxes(graph).values())
    assert steps == list(range(1, 26))  # the 25 tensors nearest the output, numbered 1..25


# ------------------------------------------------------------ Graphviz itself


def drawings():
    """Drawings in every mode, for the real `dot` to check."""
    loss, options, _ = nn_mlp_loss()
    loss.backward(retain_graph=True)
    model, deep_loss = deep_model_loss(depth=3)
    return {
        "expanded": (draw_graph(loss, **options), ["linear", "relu", "nll_loss", "0.weight"]),
        "collapsed": (draw_graph(loss, collapse=True, **options), ["Linear(4→8)", "log_softmax"]),
        "top-bottom": (draw_graph(loss, rankdir="TB", **options), ["log_softmax", "2.bias"]),
        "max_nodes": (draw_graph(deep_loss, module=model, max_nodes=20), ["more nodes"]),
    }


@needs_dot
@pytest.mark.parametrize("mode", ["expanded", "collapsed", "top-bottom", "max_nodes"])
def test_dot_renders_the_source_as_svg(mode):
    graph, expected = drawings()[mode]
    text = svg_text(render_svg(graph.source))
    for word in expected:
        assert word in text


@needs_dot
def test_top_bottom_records_are_columns():
    loss, options, _ = nn_mlp_loss()
    graph = draw_graph(loss, rankdir="TB", **options)
    labels = [label for node, label in nodes(graph).items() if node.startswith("t")]
    assert all(label.startswith("{") and label.endswith("}") for label in labels)


@needs_dot
def test_save_graph_writes_the_picture_and_the_source(tmp_path):
    graph = draw_graph(logistic_regression_example())
    path = save_graph(graph, tmp_path / "pictures" / "lr.svg")
    assert path == tmp_path / "pictures" / "lr.svg"
    assert "sigmoid" in svg_text(ET.parse(path).getroot())
    assert (tmp_path / "pictures" / "lr.dot").read_text() == graph.source
    assert save_graph(graph, tmp_path / "lr.png").read_bytes().startswith(b"\x89PNG")


def test_missing_dot_says_how_to_install_it_and_keeps_the_source(tmp_path, monkeypatch):
    graph = draw_graph(logistic_regression_example())
    monkeypatch.setenv("PATH", "")
    with pytest.raises(GraphvizNotInstalledError) as error:
        save_graph(graph, tmp_path / "lr.svg")
    message = str(error.value)
    dot_path = tmp_path / "lr.dot"
    for advice in ("apt-get install graphviz", "brew install graphviz",
                   "conda install -c conda-forge graphviz", str(dot_path.resolve())):
        assert advice in message
    assert dot_path.read_text() == graph.source
    assert not (tmp_path / "lr.svg").exists()


def test_module_command_writes_dot_source_without_graphviz(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", "")
    main(["--out", str(tmp_path / "example.dot")])
    assert str(tmp_path / "example.dot") in capsys.readouterr().out
    source = (tmp_path / "example.dot").read_text()
    assert "sigmoid" in source and "label=matmul" in source


@needs_dot
def test_module_command_draws_the_worked_example(tmp_path):
    out = tmp_path / "lr.svg"
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu.viz", "--out", str(out)],
                            capture_output=True, text=True, check=True,
                            cwd=Path(__file__).parent.parent)
    assert str(out) in result.stdout
    text = svg_text(ET.parse(out).getroot())
    for word in ("sigmoid", "matmul", "binary_cross_entropy", "w", "b", "X", "grad"):
        assert word in text


# ------------------------------------------- issue 16: all gradients, check, example


def test_show_grad_all_before_backward_matches_the_gradients_after():
    loss, options, params = raw_mlp_loss()
    before = draw_graph(loss, show_grad="all", **options)
    assert all(p.grad is None for p in params.values())  # nothing was stored
    loss.backward(retain_graph=True)
    boxes = {box.name: box.fields for box in tensor_boxes(before).values() if box.name}
    for name, parameter in params.items():
        assert boxes[name][-1] == "grad " + summarize(parameter.grad.data)
    numbered = [box for box in tensor_boxes(before).values() if box.step is not None]
    assert all(box.fields[-1].startswith("grad ") for box in numbered)


def test_the_title_is_a_graph_label_and_not_a_node():
    loss, options, _ = raw_mlp_loss()
    graph = draw_graph(loss, **options)
    assert re.search(r'^\tgraph \[.*label="before backward\(\): no \.grad yet"', graph.source,
                     re.M)
    assert "graph" not in nodes(graph)


@needs_dot
def test_see_backprop_example_writes_the_three_outputs(tmp_path):
    result = subprocess.run(
        [sys.executable, "examples/see_backprop.py", "--only", "neuron", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["neuron_backward.gif", "neuron_gradients.dot", "neuron_gradients.svg",
                       "neuron_stepper.html"]
    assert "neuron_stepper.html in a browser" in result.stdout
    assert "grad" in svg_text(ET.parse(tmp_path / "neuron_gradients.svg").getroot())


def test_a_collapsed_conv_layer_is_labelled_with_its_channels_and_kernel():
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(6 * 4 * 4, 2))
    loss = model(tg.randn(1, 1, 4, 4)).sum()
    source = draw_graph(loss, module=model, collapse=True).source
    assert "0: Conv2d(1→6, 5×5)" in source and "3: Linear(96→2)" in source
