"""Display helpers shared by the model notebooks: a text table and a decision-region plot.

The notebooks draw with matplotlib's inline backend (the Jupyter default), so these
functions draw on an axis they are given and never save or close a figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
"""One colour per class or cluster, in order; points and regions use the same ones."""


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 4) -> None:
    """Print rows under a header, columns aligned; floats with `digits` decimals."""
    def cell(value: object) -> str:
        return f"{value:.{digits}f}" if isinstance(value, (float, np.floating)) else str(value)

    cells = [[cell(value) for value in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  ".join(text.ljust(width) for text, width in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * width for width in widths))


def decision_regions(ax: Axes, predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                     y: np.ndarray, title: str, labels: tuple[str, str] = ("x₁", "x₂"),
                     class_names: Sequence[str] | None = None, resolution: int = 150) -> None:
    """Colour the plane by `predict`'s class (0, 1, ...) and scatter the points (X, y) on top.

    X has two columns; the grid spans their range plus a 10 % margin. With `class_names`
    the points get a legend.
    """
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    regions = np.asarray(predict(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    n_classes = int(max(regions.max(), y.max())) + 1
    ax.contourf(xx, yy, regions, levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(COLORS[:n_classes]), alpha=0.25)
    for k in range(n_classes):
        ax.scatter(*X[y == k].T, s=12, color=COLORS[k], edgecolor="white", linewidth=0.4,
                   label=class_names[k] if class_names else None)
    ax.set(title=title, xlabel=labels[0], ylabel=labels[1])
    if class_names:
        ax.legend(loc="upper left")
