"""Case study 7: logistic regression step by step, on who buys after a social-network ad.

    python examples/logistic_regression_walkthrough.py [--out DIR] [--quick]

1. The sigmoid g(z) = 1 / (1 + e^(−z)) squashes any score into a probability;
   its derivative g(z)·(1 − g(z)), computed here by `backward()`, is largest at 0.
2. On Social_Network_Ads (age and estimated salary → purchased or not) the model
   is P(buy) = g(w·x + b). Gradient descent on the binary cross-entropy, written
   with Tensor ops, moves the decision boundary w·x + b = 0 (where P = 0.5)
   until it separates buyers from non-buyers. Every few steps we draw the
   boundary; the frames become an animated GIF.
3. The result is compared with models.LogisticRegression and scikit-learn's
   LogisticRegression (both with the L2 penalty C = 1) on the same test split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import social_network_ads_split
from _plotting import CLASS_COLORS, save_figure
from matplotlib.animation import FuncAnimation, PillowWriter
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from models import LogisticRegression
from tinygrad_edu.data import StandardScaler

AXIS_LABELS = ("age (years)", "estimated salary ($)")


@dataclass
class Snapshot:
    """The parameters and training loss at one step of gradient descent."""

    step: int
    w: np.ndarray
    b: float
    loss: float


def sigmoid_figure() -> plt.Figure:
    """g(z) and its derivative, the derivative taken by the autograd engine."""
    z = tg.Tensor(np.linspace(-8, 8, 200), requires_grad=True, dtype=np.float64)
    g = z.sigmoid()
    g.sum().backward()  # each g_i depends on z_i only, so z.grad holds g'(z_i)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(z.data, g.data, label="g(z) = 1 / (1 + e^(−z))")
    ax.plot(z.data, z.grad.data, "--", label="g'(z) = g(z)(1 − g(z)), from backward()")
    ax.axhline(0.5, color="gray", linewidth=0.8)
    ax.set(title="The sigmoid turns a score z into a probability",
           xlabel="score z = w·x + b", ylabel="probability of buying")
    ax.legend()
    return fig


def train_from_scratch(X: np.ndarray, y: np.ndarray, lr: float, steps: int,
                       n_snapshots: int) -> list[Snapshot]:
    """Full-batch gradient descent on the mean binary cross-entropy, from w = 0, b = 0.

    Snapshots are taken at log-spaced steps, since most of the movement is early,
    from step 1 on (at step 0, w = 0 and there is no boundary yet).
    """
    X_t, y_t = tg.Tensor(X, dtype=np.float64), tg.Tensor(y, dtype=np.float64)
    w = tg.zeros(X.shape[1], requires_grad=True, dtype=np.float64)
    b = tg.zeros(1, requires_grad=True, dtype=np.float64)
    keep = set(np.geomspace(1, steps - 1, n_snapshots).astype(int))
    snapshots = []
    for step in range(steps):
        loss = F.binary_cross_entropy_with_logits(X_t @ w + b, y_t)
        if step in keep:
            snapshots.append(Snapshot(step, w.data.copy(), float(b.data[0]), loss.item()))
        w.grad = b.grad = None
        loss.backward()
        with tg.no_grad():
            w.data -= lr * w.grad.data
            b.data -= lr * b.grad.data
    return snapshots


def boundary_line(snapshot: Snapshot, scaler: StandardScaler, ages: np.ndarray) -> np.ndarray:
    """The salary on the boundary w·z + b = 0 at each age, where z are standardized features."""
    z_age = (ages - scaler.mean_[0]) / scaler.scale_[0]
    z_salary = -(snapshot.b + snapshot.w[0] * z_age) / snapshot.w[1]
    return scaler.mean_[1] + scaler.scale_[1] * z_salary


def draw_frame(ax: plt.Axes, snapshot: Snapshot, X: np.ndarray, y: np.ndarray,
               scaler: StandardScaler) -> None:
    """The training points and the boundary at one snapshot."""
    ax.clear()
    for label, name in ((0, "did not buy"), (1, "bought")):
        ax.scatter(*X[y == label].T, s=12, color=CLASS_COLORS[label], label=name)
    ages = np.linspace(X[:, 0].min() - 2, X[:, 0].max() + 2, 50)
    ax.plot(ages, boundary_line(snapshot, scaler, ages), color="black",
            label="boundary w·x + b = 0")
    ax.set_ylim(X[:, 1].min() - 10000, X[:, 1].max() + 10000)
    ax.set(title=f"Gradient descent step {snapshot.step + 1}: "
                 f"cross-entropy {snapshot.loss:.3f}",
           xlabel=AXIS_LABELS[0], ylabel=AXIS_LABELS[1])
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))  # outside, clear of the points


def save_animation(snapshots: list[Snapshot], X: np.ndarray, y: np.ndarray,
                   scaler: StandardScaler, out_dir: Path) -> list[Path]:
    """An animated GIF of the boundary moving, and the last frame as a PNG."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    fig.subplots_adjust(left=0.1, right=0.72, bottom=0.13)  # GIF frames are not cropped
    animation = FuncAnimation(fig, lambda i: draw_frame(ax, snapshots[i], X, y, scaler),
                              frames=len(snapshots))
    out_dir.mkdir(parents=True, exist_ok=True)
    gif = out_dir / "training.gif"
    animation.save(gif, writer=PillowWriter(fps=6), dpi=70)
    draw_frame(ax, snapshots[-1], X, y, scaler)
    return [gif, save_figure(fig, out_dir, "final_boundary")]


def loss_figure(snapshots: list[Snapshot]) -> plt.Figure:
    """The training loss at each snapshot."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogx([s.step + 1 for s in snapshots], [s.loss for s in snapshots], marker="o",
                markersize=3)
    ax.set(title="Training loss of logistic regression", xlabel="step (log scale)",
           ylabel="binary cross-entropy")
    return fig


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Train by hand, compare with the library models, draw; returns the test accuracies."""
    args = parse_args("logistic_regression_walkthrough", __doc__.splitlines()[0], argv)
    steps, n_snapshots = (200, 12) if args.quick else (2000, 40)
    ads = social_network_ads_split()
    X_train, Z_train, Z_test = ads.X_train, ads.Z_train, ads.Z_test
    y_train, y_test, scaler = ads.y_train, ads.y_test, ads.scaler

    snapshots = train_from_scratch(Z_train, y_train, lr=0.5, steps=steps,
                                   n_snapshots=n_snapshots)
    final = snapshots[-1]
    scratch_accuracy = float(np.mean(((Z_test @ final.w + final.b) > 0) == y_test))
    ours = LogisticRegression().fit(Z_train, y_train)
    reference = SkLogisticRegression().fit(Z_train, y_train)
    rows = [["gradient descent (Tensor ops, no penalty)", *final.w, final.b, scratch_accuracy],
            ["models.LogisticRegression (C=1)", *ours.coef_[0], ours.intercept_[0],
             ours.score(Z_test, y_test)],
            ["sklearn LogisticRegression (C=1)", *reference.coef_[0], reference.intercept_[0],
             reference.score(Z_test, y_test)]]
    print_table("Social_Network_Ads, standardized features, 100 test rows",
                ["model", "w (age)", "w (salary)", "b", "test accuracy"], rows)

    figures = [save_figure(sigmoid_figure(), args.out, "sigmoid"),
               save_figure(loss_figure(snapshots), args.out, "loss_curve"),
               *save_animation(snapshots, X_train, y_train, scaler, args.out)]
    print_figures(figures)
    return {"accuracy": scratch_accuracy, "models_accuracy": rows[1][-1],
            "sklearn_accuracy": rows[2][-1]}


if __name__ == "__main__":
    main()
