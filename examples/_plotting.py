"""Plotting helpers shared by the example scripts: one style, one way to save.

Every figure is drawn with matplotlib's headless Agg backend (no window, works
on a server) and saved as a PNG by `save_figure`, which closes it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

plt.rcParams.update({
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
})

CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
"""One colour per class or cluster, in order; points and regions use the same ones."""


def save_figure(fig: Figure, out_dir: Path, name: str) -> Path:
    """Save `fig` as `out_dir/name.png`, close it, and return the path written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def loss_curves_figure(curves: dict[str, Sequence[float]], title: str,
                       ylabel: str = "loss", xlabel: str = "epoch") -> Figure:
    """One line per named series (e.g. "training", "validation"), x counted from 1."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, values in curves.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend()
    return fig


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """counts[i, j] = how many samples of true class i were predicted as class j."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def confusion_matrix_figure(y_true: np.ndarray, y_pred: np.ndarray,
                            class_names: Sequence[str], title: str) -> Figure:
    """A heat map of the confusion matrix, each cell labelled with its count."""
    counts = confusion_matrix(y_true, y_pred, len(class_names))
    size = 2.5 + 0.5 * len(class_names)
    fig, ax = plt.subplots(figsize=(size, size * 0.85))
    image = ax.imshow(counts, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="number of test samples")
    ticks = np.arange(len(class_names))
    long_names = max(len(name) for name in class_names) > 3  # tilt them so they do not overlap
    ax.set_xticks(ticks, class_names, rotation=45 if long_names else 0,
                  ha="right" if long_names else "center")
    ax.set_yticks(ticks, class_names)
    ax.grid(False)
    threshold = counts.max() / 2
    for (i, j), count in np.ndenumerate(counts):
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                color="white" if count > threshold else "black")
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    return fig


def image_grid_figure(images: np.ndarray, true_labels: np.ndarray, predicted: np.ndarray,
                      class_names: Sequence[str], title: str, columns: int = 8) -> Figure:
    """Small images with "predicted (true)" under each; wrong predictions in red."""
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, image, true, pred in zip(np.ravel(axes), images, true_labels, predicted):
        ax.imshow(image, cmap="gray_r")
        color = "black" if true == pred else "#d62728"
        ax.set_title(f"{class_names[pred]} ({class_names[true]})", fontsize=8, color=color)
    fig.suptitle(f"{title}\npredicted (true) — red: wrong", fontsize=11)
    return fig


def decision_boundary(ax: Axes, predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                      y: np.ndarray, title: str, labels: tuple[str, str],
                      resolution: int = 200) -> None:
    """Colour the plane by `predict`'s class and scatter the points (X, y) on top.

    X has two columns; the grid spans their range plus a margin.
    """
    margin = 0.1 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    regions = predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    n_classes = int(max(regions.max(), y.max())) + 1
    ax.contourf(xx, yy, regions, levels=np.arange(n_classes + 1) - 0.5,
                cmap=ListedColormap(CLASS_COLORS[:n_classes]), alpha=0.25)
    for k in range(n_classes):
        ax.scatter(*X[y == k].T, s=12, color=CLASS_COLORS[k], edgecolor="white",
                   linewidth=0.4, label=f"class {k}")
    ax.set(title=title, xlabel=labels[0], ylabel=labels[1])
    ax.grid(False)
