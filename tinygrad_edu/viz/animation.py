"""The backward pass as an animated GIF, for a README or a slide.

    save_animation(loss, "backprop.gif", module=model)

One frame per backward step (`backprop_steps`): the whole drawing, with the op
of that step, its inputs and its output outlined and the gradient arrows it
sends drawn thick, and a title line saying which step it is, the op's
derivative and the gradient arriving at it. Each frame is laid out and
rendered by Graphviz (the layout is the same in every frame: only colours and
line widths change); Pillow assembles them into the GIF.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import graphviz

from tinygrad_edu.gradcheck import check_graph
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.drawing import (
    INSTALL_HELP,
    Annotations,
    Focus,
    GraphvizNotInstalledError,
    build_drawing,
    check_options,
    drawing_title,
    summarize,
)
from tinygrad_edu.viz.files import write_atomically
from tinygrad_edu.viz.graph import Names, tensor_names
from tinygrad_edu.viz.steps import Step, backprop_steps, node_gradients

if TYPE_CHECKING:
    from PIL import Image

    from tinygrad_edu.nn import Module


def save_animation(root: Tensor, path: str | Path, *, fps: float = 2, params: Names = None,
                   module: Module | None = None, collapse: bool = False,
                   max_nodes: int | None = None, rankdir: str = "TB",
                   check: bool = True, dpi: int = 72) -> Path:
    """Write an animated GIF of the backward pass from `root` to `path`, one frame per
    backward step, `fps` frames a second, looping. Returns the path written.

    params, module, collapse, max_nodes and rankdir are draw_graph's; `check` colours
    an op whose backward rule fails its gradient check red; `dpi` sets the frames' size
    (Graphviz draws 72 pixels to the inch at dpi=72). Needs the Graphviz `dot` program,
    and Pillow.
    """
    check_options(root, "save_animation", True, rankdir, max_nodes, module, collapse)
    if not fps > 0:
        raise ValueError(f"save_animation: fps must be positive, got {fps!r}")
    from PIL import Image  # only the animation needs Pillow

    steps = [s for s in backprop_steps(root, params=params, module=module)
             if s.phase == "backward"]
    checks = check_graph(root) if check else None
    annotations = Annotations(
        gradients=node_gradients(root, "save_animation"),
        failing={id(c.tensor): c for c in checks or [] if not c.ok},
        title=drawing_title(root, "all", tensor_names(params, module), checks),
    )
    frames = []
    for number, step in enumerate(steps, start=1):
        frame_annotations = replace(annotations, title=frame_title(step, number, len(steps)))
        drawing = build_drawing(root, frame_annotations, show_grad="all", rankdir=rankdir,
                                max_nodes=max_nodes, params=params, module=module,
                                collapse=collapse, focus=Focus(step.tensor, "backward"))
        drawing.graph.graph_attr["dpi"] = str(dpi)
        frames.append(_render_png(drawing.graph, Image))
    frames = _same_size(frames, Image)
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=round(1000 / fps), loop=0, disposal=1)
    return write_atomically(Path(path), buffer.getvalue())


def frame_title(step: Step, number: int, total: int) -> str:
    """The frame's caption: which backward step, the op's derivative, and the gradient
    it receives (left-aligned lines, "\\l" in Graphviz)."""
    lines = [
        f"backward step {number} of {total}: {step.op}, {step.output} = "
        f"{step.op}({', '.join(step.inputs)})",
        step.formula,
        f"upstream g = dL/d{step.output}: {summarize(step.upstream)}",
    ]
    for label, grad, axes in zip(step.inputs, step.input_grads, step.summed_axes):
        if grad is not None:
            summed = f" (summed over axes {axes}: broadcasting undone)" if axes else ""
            lines.append(f"sends to {label}: {summarize(grad)}{summed}")
    return "".join(graphviz.escape(line) + "\\l" for line in lines)


def _render_png(graph: graphviz.Digraph, image_module) -> Image.Image:
    try:
        png = graph.pipe(format="png")
    except graphviz.ExecutableNotFound:
        raise GraphvizNotInstalledError(
            f"save_animation: the Graphviz program `dot` was not found on PATH; it renders "
            f"each frame.\n{INSTALL_HELP}") from None
    return image_module.open(io.BytesIO(png)).convert("RGB")


def _same_size(frames: list, image_module) -> list:
    """Every frame on a white canvas of the largest frame's size (a longer caption can
    make one frame wider), so that the GIF does not jump, reduced to a palette of 64
    colours (a drawing has few; the fast octree method keeps this quick)."""
    width = max(frame.width for frame in frames)
    height = max(frame.height for frame in frames)
    padded = []
    for frame in frames:
        canvas = image_module.new("RGB", (width, height), "white")
        canvas.paste(frame, (0, 0))
        padded.append(canvas.quantize(colors=64, method=image_module.Quantize.FASTOCTREE,
                                      dither=image_module.Dither.NONE))
    return padded
