"""Case study 9: add a new op to the engine, prove its gradient right, and draw it.

    python examples/gradient_check_tour.py [--out DIR] [--quick]

The op is SiLU (also called swish), y = x · σ(x), with σ the sigmoid. By the
product rule its derivative is

    dy/dx = σ(x) + x · σ(x) · (1 − σ(x)).

1. We write it as a `Function` subclass: `forward` on NumPy arrays, `backward`
   with operations that arrays and Tensors share. An ordinary backward runs it on
   arrays; `create_graph=True` runs it on Tensors, so it can itself be
   differentiated. `register=False` keeps this experiment out of the library's
   op registry.
2. `gradcheck` compares backward with central differences (f(x+ε) − f(x−ε)) / 2ε;
   `gradgradcheck` does the same for the second derivative.
3. A buggy copy that forgets the second term of the product rule fails the
   check, and the error names the element that is wrong.
4. Finite differences have two errors pulling in opposite directions:
   truncation (shrinks like ε²) and rounding (grows like 1/ε). We plot both.
5. We draw the graph of a small loss that uses the op, with its backward pass.
6. The gradient is compared with PyTorch's `torch.nn.functional.silu`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from _cli import parse_args, print_figures, print_table
from _plotting import save_figure

import tinygrad_edu as tg
from tinygrad_edu.autograd import Context, Function
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from tinygrad_edu.ops.tensor_or_array import exp
from tinygrad_edu.viz import GraphvizNotInstalledError, draw_graph, save_graph


class SiLU(Function, register=False):
    """y = x · sigmoid(x);  dL/dx = g · (s + x · s · (1 − s)),  s = sigmoid(x)"""

    name = "silu"

    @staticmethod
    def forward(x: np.ndarray) -> np.ndarray:
        return x / (1 + np.exp(-x))

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.inputs  # arrays, or Tensors under create_graph=True
        s = 1 / (1 + exp(-x))
        return grad * (s + x * s * (1 - s))


class BuggySiLU(SiLU, register=False):
    """The same forward, with a backward that forgets the x · s · (1 − s) term."""

    name = "buggy_silu"

    @staticmethod
    def backward(ctx: Context, grad):
        (x,) = ctx.inputs
        return grad / (1 + exp(-x))


def silu(x: tg.Tensor) -> tg.Tensor:
    """Apply the op, as Tensor methods do for the built-in ones."""
    return SiLU.apply(x)


def run_checks(x: tg.Tensor) -> list[list[object]]:
    """gradcheck and gradgradcheck the op, and show the buggy copy failing."""
    rows = [["gradcheck SiLU", gradcheck(silu, [x])],
            ["gradgradcheck SiLU", gradgradcheck(silu, [x])]]
    try:
        gradcheck(BuggySiLU.apply, [x])
        rows.append(["gradcheck BuggySiLU", True])
    except GradcheckError as error:
        print(f"The buggy backward is caught:\n  {error}")
        rows.append(["gradcheck BuggySiLU", False])
    return rows


def derivatives_figure() -> plt.Figure:
    """SiLU, its derivative from backward(), from finite differences, and the buggy one."""
    x = tg.Tensor(np.linspace(-6, 6, 121), requires_grad=True, dtype=np.float64)
    silu(x).sum().backward()
    numeric = numerical_grad(lambda t: silu(t).sum(), [x])[0]
    buggy_x = tg.Tensor(x.data, requires_grad=True, dtype=np.float64)
    BuggySiLU.apply(buggy_x).sum().backward()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(x.data, silu(x).data, color="gray", label="SiLU(x) = x·σ(x)")
    ax.plot(x.data, x.grad.data, linewidth=3, alpha=0.5, label="derivative from backward()")
    ax.plot(x.data[::4], numeric[::4], "o", markersize=4, label="central differences")
    ax.plot(x.data, buggy_x.grad.data, "--", label="buggy backward: σ(x) only")
    ax.set(title="SiLU and its derivative, three ways", xlabel="x", ylabel="value")
    ax.legend()
    return fig


def step_size_figure(eps_values: np.ndarray) -> plt.Figure:
    """|numeric − analytic| for a range of ε, in float64 and float32."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for dtype in (np.float64, np.float32):
        x = tg.Tensor(np.array([0.7]), requires_grad=True, dtype=dtype)
        silu(x).sum().backward()
        analytic = float(x.grad.data[0])
        errors = [abs(numerical_grad(silu, [x], eps=float(eps))[0][0] - analytic)
                  for eps in eps_values]
        ax.loglog(eps_values, np.maximum(errors, 1e-17), marker="o", markersize=3,
                  label=np.dtype(dtype).name)
    ax.set(title="Finite-difference error against step size ε (at x = 0.7)",
           xlabel="step ε (log scale)", ylabel="|numeric − analytic| (log scale)")
    ax.legend(title="precision")
    return fig


def torch_comparison(x: tg.Tensor) -> float:
    """The largest difference between our gradient of Σ SiLU(x) and PyTorch's."""
    ours = tg.Tensor(x.data, requires_grad=True, dtype=np.float64)
    silu(ours).sum().backward()
    theirs = torch.tensor(x.data, requires_grad=True)
    torch.nn.functional.silu(theirs).sum().backward()
    return float(np.abs(ours.grad.data - theirs.grad.numpy()).max())


def draw_silu_graph(out_dir: Path) -> Path:
    """The graph of loss = Σ SiLU(w · x + b) over 4 inputs, with its gradients."""
    x = tg.Tensor(np.array([-2.0, -0.5, 0.5, 2.0]), name="x")
    w = tg.Tensor(1.5, requires_grad=True, name="w")
    b = tg.Tensor(0.1, requires_grad=True, name="b")
    loss = silu(w * x + b).sum()
    loss.backward(retain_graph=True)
    try:
        return save_graph(draw_graph(loss), out_dir / "silu_graph.svg")
    except GraphvizNotInstalledError as error:
        print(f"Graphviz `dot` is missing, so the graph was not rendered.\n{error}")
        return out_dir / "silu_graph.dot"


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the checks and draw; returns whether each passed and the PyTorch difference."""
    args = parse_args("gradient_check_tour", __doc__.splitlines()[0], argv)
    size = 6 if args.quick else 20
    x = tg.Tensor(np.random.default_rng(0).normal(0, 3, size), requires_grad=True,
                  dtype=np.float64)
    rows = run_checks(x)
    torch_difference = torch_comparison(x)
    rows.append(["largest difference from PyTorch's gradient", f"{torch_difference:.1e}"])
    print_table(f"Checking SiLU on {size} random points (float64)", ["check", "result"], rows)

    eps_values = np.geomspace(1e-12, 1e-1, 12 if args.quick else 34)
    figures = [save_figure(derivatives_figure(), args.out, "derivatives"),
               save_figure(step_size_figure(eps_values), args.out, "step_size"),
               draw_silu_graph(args.out)]
    print_figures(figures)
    return {"gradcheck": rows[0][1], "gradgradcheck": rows[1][1],
            "buggy_gradcheck": rows[2][1], "torch_difference": torch_difference}


if __name__ == "__main__":
    main()
