"""backprop_steps, draw_graph(show_grad="all"), the stepper page and the animation.

The expected gradients come from PyTorch's `retain_grad()` on the same graphs,
built side by side; the expected orders from the engine (`topological_order`).
"""

from __future__ import annotations

import json
import re
import shutil
import time

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import autograd, nn
from tinygrad_edu.viz import (
    Stepper,
    backprop_steps,
    draw_graph,
    save_animation,
    save_stepper,
    summarize,
)
from tinygrad_edu.viz.stepper import derivative_clauses

torch = pytest.importorskip("torch")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the Graphviz `dot` program is not installed")


# --------------------------------------------- graphs built twice: ours and torch's


class Twin:
    """Builds one graph in tinygrad_edu and the same in PyTorch, remembering which of
    our tensors is which of torch's (each torch intermediate retains its gradient)."""

    def __init__(self):
        self.pairs: list[tuple[tg.Tensor, torch.Tensor]] = []

    def leaf(self, values, requires_grad=True, name=None):
        ours = tg.Tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad,
                         dtype=np.float64, name=name)
        theirs = torch.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)
        self.pairs.append((ours, theirs))
        return ours, theirs

    def op(self, ours, theirs):
        if theirs.requires_grad:
            theirs.retain_grad()
        self.pairs.append((ours, theirs))
        return ours, theirs

    def torch_grad(self, tensor: tg.Tensor) -> np.ndarray:
        theirs = next(t for o, t in self.pairs if o is tensor)
        return theirs.grad.numpy()


def neuron(twin: Twin):
    """tanh(w · x + b): a sum, a broadcast-free add and an elementwise tanh."""
    x, tx = twin.leaf([1.0, -2.0, 0.5], requires_grad=False, name="x")
    w, tw = twin.leaf([0.3, 0.1, -0.4], name="w")
    b, tb = twin.leaf(0.2, name="b")
    p, tp = twin.op(w * x, tw * tx)
    s, ts = twin.op(p.sum(), tp.sum())
    z, tz = twin.op(s + b, ts + tb)
    return twin.op(z.tanh(), tz.tanh())


def logistic_loss(twin: Twin):
    """mean(-(y log p + (1 - y) log(1 - p))), p = sigmoid(X @ w + b): b is broadcast."""
    rng = np.random.default_rng(0)
    X, tX = twin.leaf(rng.normal(size=(6, 2)), requires_grad=False, name="X")
    w, tw = twin.leaf(rng.normal(size=(2, 1)), name="w")
    b, tb = twin.leaf([0.1], name="b")
    y, ty = twin.leaf((rng.normal(size=(6, 1)) > 0).astype(float), requires_grad=False)
    z, tz = twin.op(X @ w, tX @ tw)
    z2, tz2 = twin.op(z + b, tz + tb)
    p, tp = twin.op(z2.sigmoid(), tz2.sigmoid())
    each, teach = twin.op(F.binary_cross_entropy(p, y, reduction="none"),
                          torch.nn.functional.binary_cross_entropy(tp, ty, reduction="none"))
    total, ttotal = twin.op(each.sum(), teach.sum())
    return twin.op(total / 6.0, ttotal / 6.0)


def mlp_loss(twin: Twin):
    """A 3 -> 4 -> 2 MLP with relu and a squared error: W1 and b1 feed one op each."""
    rng = np.random.default_rng(1)
    X, tX = twin.leaf(rng.normal(size=(5, 3)), requires_grad=False, name="X")
    W1, tW1 = twin.leaf(rng.normal(size=(3, 4)), name="W1")
    b1, tb1 = twin.leaf(rng.normal(size=4), name="b1")
    W2, tW2 = twin.leaf(rng.normal(size=(4, 2)), name="W2")
    h, th = twin.op(X @ W1, tX @ tW1)
    h2, th2 = twin.op(h + b1, th + tb1)
    r, tr = twin.op(h2.relu(), th2.relu())
    out, tout = twin.op(r @ W2, tr @ tW2)
    sq, tsq = twin.op(out * out, tout * tout)
    return twin.op(sq.sum(), tsq.sum())


GRAPHS = pytest.mark.parametrize("build", [neuron, logistic_loss, mlp_loss],
                                 ids=["neuron", "logistic", "mlp"])


# ------------------------------------------------------------- backprop_steps


@GRAPHS
def test_upstream_gradients_equal_torch_retain_grad(build):
    twin = Twin()
    root, troot = build(twin)
    troot.backward()
    steps = backprop_steps(root)
    backward = [s for s in steps if s.phase == "backward"]
    assert backward, "a graph with ops has backward steps"
    for step in backward:
        np.testing.assert_allclose(step.upstream, twin.torch_grad(step.tensor), rtol=1e-10)
    # ...and each leaf's contributions add up to torch's gradient for it
    for leaf, theirs in twin.pairs:
        if leaf.is_leaf and leaf.requires_grad:
            sent = [g for s in backward for p, g in zip(s.tensor._parents, s.input_grads)
                    if p is leaf and g is not None]
            np.testing.assert_allclose(sum(sent), theirs.grad.numpy(), rtol=1e-10)
    assert all(leaf.grad is None for leaf, _ in twin.pairs)  # no .grad was touched


@GRAPHS
def test_steps_are_forward_then_the_engines_backward_order(build):
    root, _ = build(Twin())
    steps = backprop_steps(root)
    phases = [s.phase for s in steps]
    n_forward = phases.count("forward")
    assert phases == ["forward"] * n_forward + ["backward"] * (len(steps) - n_forward)
    forward = [s.tensor for s in steps[:n_forward]]
    for position, tensor in enumerate(forward):  # every op after the ops of its inputs
        earlier = {id(t) for t in forward[:position]}
        assert all(p._op is None or id(p) in earlier for p in tensor._parents)
    engine = [t for t in autograd.topological_order([root]) if t._op is not None]
    assert [s.tensor for s in steps[n_forward:]] == engine
    for step in steps:
        assert step.op == step.tensor._op.name
        assert "dL/d" in step.formula and "\n" not in step.formula
        np.testing.assert_array_equal(step.values, step.tensor.data)


def test_a_tensor_used_twice_gets_two_contributions_that_sum_to_its_gradient():
    a = tg.Tensor([1.0, -2.0, 3.0], requires_grad=True, dtype=np.float64, name="a")
    y = (a * a).sum()  # dL/da = 2a: a * 1 from each of mul's two arguments
    (mul_step,) = [s for s in backprop_steps(y) if s.phase == "backward" and s.op == "mul"]
    assert mul_step.inputs == ["a", "a"]
    first, second = mul_step.input_grads
    np.testing.assert_array_equal(first, a.data)
    np.testing.assert_array_equal(second, a.data)
    np.testing.assert_array_equal(mul_step.accumulated[0], a.data)       # after the first
    np.testing.assert_array_equal(mul_step.accumulated[1], 2 * a.data)   # = the gradient


def test_running_sum_across_two_consumers():
    x = tg.Tensor([0.5, 2.0], requires_grad=True, dtype=np.float64, name="x")
    y = (x.exp() + x * 3.0).sum()   # dL/dx = exp(x) + 3, from two different ops
    backward = [s for s in backprop_steps(y) if s.phase == "backward"]
    into_x = [(s, i) for s in backward for i, name in enumerate(s.inputs) if name == "x"]
    assert sorted(s.op for s, _ in into_x) == ["exp", "mul"]
    (last_step, last_i) = into_x[-1]
    np.testing.assert_allclose(last_step.accumulated[last_i], np.exp(x.data) + 3)
    (first_step, first_i) = into_x[0]
    np.testing.assert_array_equal(first_step.accumulated[first_i],
                                  first_step.input_grads[first_i])
    # an input with one consumer has no running sum
    sum_step = next(s for s in backward if s.op == "sum")
    assert sum_step.accumulated == [None]


def test_broadcast_add_reports_the_summed_axes():
    x = tg.Tensor(np.ones((4, 3)), requires_grad=True, name="x")
    row = tg.Tensor(np.arange(3.0), requires_grad=True, name="row")        # (3,) -> axis 0
    column = tg.Tensor(np.ones((4, 1)), requires_grad=True, name="column")  # (4, 1) -> axis 1
    y = ((x + row) * (x + column)).sum()
    adds = [s for s in backprop_steps(y) if s.phase == "backward" and s.op == "add"]
    axes = {tuple(s.inputs): s.summed_axes for s in adds}
    assert axes == {("x", "row"): [(), (0,)], ("x", "column"): [(), (1,)]}
    for step in adds:
        for grad, label in zip(step.input_grads, step.inputs):
            assert grad.shape == {"x": (4, 3), "row": (3,), "column": (4, 1)}[label]


def test_constants_get_no_contribution_and_labels_follow_names():
    x = tg.Tensor([1.0, 2.0], name="x")               # a constant
    w = tg.Tensor([3.0, 4.0], requires_grad=True)      # unnamed: "#k"
    y = (w * x).sum() / 2.0
    steps = backprop_steps(y, params={"weight": w})
    mul = next(s for s in steps if s.phase == "backward" and s.op == "mul")
    assert mul.inputs == ["weight", "x"]
    assert mul.input_grads[1] is None and mul.summed_axes[1] == ()
    div = next(s for s in steps if s.op == "div")
    assert div.inputs[1] == "2" and re.fullmatch(r"#\d+", div.output)


def test_steps_refuse_a_freed_graph_and_a_root_without_grad():
    w = tg.Tensor([1.0], requires_grad=True)
    y = (w * 2.0).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backprop_steps: .*freed by backward\(\)"):
        backprop_steps(y)
    with pytest.raises(ValueError, match="does not require grad"):
        backprop_steps(tg.Tensor([1.0]) * 2.0)
    with pytest.raises(TypeError, match="backprop_steps: root must be a Tensor"):
        backprop_steps(np.ones(2))


def test_steps_after_backward_with_retain_graph_and_no_grad_changed():
    twin = Twin()
    root, _ = mlp_loss(twin)
    root.backward(retain_graph=True)
    grads = {id(t): t.grad.data.copy() for t, _ in twin.pairs if t.grad is not None}
    assert backprop_steps(root)  # runs, and can run again
    assert backprop_steps(root)
    assert {id(t): t.grad.data for t, _ in twin.pairs if t.grad is not None}.keys() == grads.keys()
    for t, _ in twin.pairs:
        if t.grad is not None:
            np.testing.assert_array_equal(t.grad.data, grads[id(t)])


# ------------------------------------------------- draw_graph(show_grad="all")


def numbers_in(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]


def grad_fields(graph) -> dict[str, str]:
    """"#k name" header -> the grad line of every tensor record of the DOT source."""
    found = {}
    for label in re.findall(r'\[label="([^"]*)"', graph.source):
        fields = re.split(r"(?<!\\)\|", label.strip("{}"))
        grad = [f for f in fields if f.startswith("grad ")]
        if fields[0].startswith("#") and grad:
            found[fields[0]] = grad[0]
    return found


@GRAPHS
def test_show_grad_all_gives_every_tensor_its_gradient(build):
    twin = Twin()
    root, troot = build(twin)
    troot.backward()
    graph = draw_graph(root, show_grad="all")
    shown = grad_fields(graph)
    numbers = {id(t): k for k, t in enumerate(autograd.topological_order([root]), start=1)}
    assert len(shown) == len(numbers)  # every tensor that requires grad, intermediates too
    for tensor, _ in twin.pairs:
        if tensor.requires_grad:
            header = next(h for h in shown if h.split()[0] == f"#{numbers[id(tensor)]}")
            expected = "grad " + summarize(twin.torch_grad(tensor))
            # the same summary, up to the last digit of a differently ordered sum
            np.testing.assert_allclose(numbers_in(shown[header]), numbers_in(expected),
                                       rtol=1e-9 if "min" not in expected else 1e-2)
    assert all(t.grad is None for t, _ in twin.pairs)  # computed, not read from .grad
    assert "gradients dL/dt at every tensor" in graph.source


def test_the_title_says_which_gradients_are_shown():
    w = tg.Tensor([1.0, 2.0], requires_grad=True, name="w")
    loss = (w * w).sum()
    loss.name = "loss"
    assert "before backward(): no .grad yet" in draw_graph(loss).source
    assert "forward pass only" in draw_graph(loss, show_grad=False).source
    assert "L = loss" in draw_graph(loss, show_grad="all").source
    loss.backward(retain_graph=True)
    assert "after backward(): .grad of the leaves (from loss)" in draw_graph(loss).source
    with pytest.raises(ValueError, match="show_grad must be True, False or 'all', got 'some'"):
        draw_graph(loss, show_grad="some")


def test_show_grad_all_does_not_compute_gradients_for_an_intermediate_twice():
    """Leaves-only (True) keeps today's view: intermediates show no grad line."""
    twin = Twin()
    root, _ = mlp_loss(twin)
    root.backward(retain_graph=True)
    shown = grad_fields(draw_graph(root, show_grad=True))
    assert len(shown) == sum(t.is_leaf and t.requires_grad for t, _ in twin.pairs)


# --------------------------------------------------------------- the stepper page


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="stepper-data">(.*?)</script>',
                      html, re.S)
    return json.loads(match[1])


@needs_dot
def test_stepper_page_is_self_contained_and_holds_every_step(tmp_path):
    root, _ = logistic_loss(Twin())
    path = save_stepper(root, tmp_path / "deep" / "stepper.html")
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "{{" not in html
    # nothing is loaded from anywhere: no src/href attribute, no @import, no url()
    assert not re.search(r"""\b(src|href)\s*=\s*["'](?!#)""", html)
    assert "@import" not in html and "url(" not in html
    assert "<!DOCTYPE svg" not in html  # the SVG's DTD address is stripped
    assert "window.stepper" in html
    data = page_data(html)
    steps = backprop_steps(root)
    assert len(data["steps"]) == len(steps)
    for shown, step in zip(data["steps"], steps):
        assert (shown["phase"], shown["op"], shown["inputs"]) == (step.phase, step.op,
                                                                  step.inputs)
        svg_titles = set(re.findall(r"<title>([^<]*)</title>", html))
        assert shown["nodes"]["expanded"]["op"] in svg_titles
    add = next(s for s in data["steps"] if s["phase"] == "backward" and s["op"] == "add")
    assert add["summedAxes"] == [[], [0]]
    assert list(tmp_path.glob("deep/.*")) == []  # the temporary file was renamed


@needs_dot
def test_stepper_with_a_module_has_a_collapsed_view_and_a_jupyter_repr():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    loss = F.mse_loss(model(tg.randn(8, 3)), np.zeros((8, 1), dtype=np.float32))
    stepper = Stepper(loss, module=model, collapse=True)
    data = page_data(stepper.html())
    assert data["views"] == ["collapsed", "expanded"]
    linear = next(s for s in data["steps"] if s["op"] == "linear")
    assert linear["nodes"]["collapsed"]["op"].startswith("layer")
    assert linear["nodes"]["expanded"]["op"].startswith("op")
    assert linear["inputs"][1:] == ["0.weight", "0.bias"]
    frame = stepper._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;!DOCTYPE html&gt;" in frame


def test_derivative_clauses_split_per_input():
    assert derivative_clauses("y = a * b; dL/da = g * b, dL/db = g * a", 2) == [
        "dL/da = g * b", "dL/db = g * a"]
    assert derivative_clauses("y = x Wᵀ + b; dL/dx = g W, dL/dW = gᵀ x, dL/db = Σ g", 3)[2] \
        == "dL/db = Σ g"
    # a formula whose clauses do not match the inputs: each input gets all of it
    assert derivative_clauses("y = f(x); dL/dx = g f'(x)", 2) == ["dL/dx = g f'(x)"] * 2


@needs_dot
def test_stepper_of_a_2000_node_graph_is_built_quickly():
    model = nn.Sequential(*[layer for _ in range(60) for layer in (nn.Linear(8, 8), nn.ReLU())])
    tg.manual_seed(0)
    x = tg.randn(4, 8)
    y = x
    for _ in range(8):  # the same model applied 8 times: 2,000 nodes and more
        y = model(y) * 0.5
    loss = y.sum()
    tensors = len({id(t) for t in autograd.topological_order([loss])})
    assert tensors + sum(1 for t in autograd.topological_order([loss]) if t._op) > 2000
    start = time.perf_counter()
    stepper = Stepper(loss, module=model, max_nodes=150, collapse=True, check=False)
    html = stepper.html()
    assert time.perf_counter() - start < 30
    assert len(page_data(html)["steps"]) == len(backprop_steps(loss))


# ----------------------------------------------------------------- the animation


@needs_dot
def test_animation_has_one_frame_per_backward_step(tmp_path):
    from PIL import Image

    root, _ = neuron(Twin())
    path = save_animation(root, tmp_path / "neuron.gif", fps=4)
    backward = [s for s in backprop_steps(root) if s.phase == "backward"]
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(backward) == 4
        assert gif.info["duration"] == 250
        sizes = set()
        colours = []
        for k in range(gif.n_frames):
            gif.seek(k)
            sizes.add(gif.size)
            colours.append(len(gif.convert("RGB").getcolors(1 << 16) or []))
        assert len(sizes) == 1
        assert min(colours) > 3  # a drawing, not a blank frame
    with pytest.raises(ValueError, match="fps must be positive"):
        save_animation(root, tmp_path / "x.gif", fps=0)


def test_forward_steps_follow_the_order_the_ops_ran():
    a = tg.Tensor([1.0, 2.0], requires_grad=True, name="a")
    first = a.exp()
    second = a * 3.0
    loss = (second + first).sum()  # the expression names `second` first; it ran second
    ops = [step.op for step in backprop_steps(loss) if step.phase == "forward"]
    assert ops == ["exp", "mul", "add", "sum"]
