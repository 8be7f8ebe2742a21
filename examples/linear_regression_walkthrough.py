"""Case study 6: linear regression step by step, f(x) = w·x + b, on salaries.

    python examples/linear_regression_walkthrough.py [--out DIR] [--quick]

1. Salary_Data (30 people): predict salary from years of experience with the
   cost J(w, b) = 1/(2m) Σ (w·xᵢ + b − yᵢ)², minimized by gradient descent whose
   gradient `backward()` computes. We draw the fitted line, the cost per step,
   and the cost as a surface and as contours with the path gradient descent took.
2. The same descent on the raw feature and on its z-score (x − mean) / std:
   standardizing makes the cost's contours round, so descent converges in far
   fewer steps.
3. Position_Salaries (10 job levels): a straight line underfits, so we fit
   polynomials in the level (degree 1, 2, 4) with models.PolynomialRegression.

Every fit is compared with scikit-learn's LinearRegression on the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_table
from _plotting import save_figure
from sklearn.linear_model import LinearRegression as SkLinearRegression
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures as SkPolynomialFeatures

import tinygrad_edu as tg
from models import LinearRegression, PolynomialRegression

DEGREES = (1, 2, 4)


@dataclass
class Descent:
    """The parameters and the cost at every step of a gradient descent run."""

    w: np.ndarray
    b: np.ndarray
    cost: np.ndarray


def cost(w: tg.Tensor, b: tg.Tensor, x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """J(w, b) = 1/(2m) Σ (w·xᵢ + b − yᵢ)², the squared error halved so its gradient is neat."""
    return ((w * x + b - y) ** 2).mean() / 2


def gradient_descent(x: np.ndarray, y: np.ndarray, lr: float, steps: int,
                     start: tuple[float, float] = (0.0, 0.0)) -> Descent:
    """Repeat w ← w − lr·∂J/∂w and b ← b − lr·∂J/∂b, with the gradient from backward()."""
    x_t, y_t = tg.Tensor(x, dtype=np.float64), tg.Tensor(y, dtype=np.float64)
    w = tg.Tensor(start[0], requires_grad=True, dtype=np.float64)
    b = tg.Tensor(start[1], requires_grad=True, dtype=np.float64)
    ws, bs, costs = [], [], []
    for _ in range(steps):
        J = cost(w, b, x_t, y_t)
        ws.append(w.item())
        bs.append(b.item())
        costs.append(J.item())
        w.grad = b.grad = None
        J.backward()
        with tg.no_grad():
            w.data -= lr * w.grad.data
            b.data -= lr * b.grad.data
    return Descent(np.array(ws), np.array(bs), np.array(costs))


def cost_grid(x: np.ndarray, y: np.ndarray, w_range: np.ndarray, b_range: np.ndarray
              ) -> np.ndarray:
    """J(w, b) at every point of the grid w_range × b_range (rows follow b)."""
    W, B = np.meshgrid(w_range, b_range)
    residuals = W[..., None] * x + B[..., None] - y
    return (residuals ** 2).mean(axis=-1) / 2


def fit_salary(x: np.ndarray, y: np.ndarray, steps: int, out_dir: Path
               ) -> tuple[list[list[object]], list[Path]]:
    """Part 1: gradient descent on Salary_Data, against the closed forms."""
    descent = gradient_descent(x, y, lr=0.04, steps=steps)
    w, b = descent.w[-1], descent.b[-1]
    ours = LinearRegression().fit(x[:, None], y)
    reference = SkLinearRegression().fit(x[:, None], y)
    rows = [
        ["gradient descent (Tensor ops)", w, b, r2_score(y, w * x + b)],
        ["models.LinearRegression", ours.coef_[0], ours.intercept_, ours.score(x[:, None], y)],
        ["sklearn LinearRegression", reference.coef_[0], reference.intercept_,
         reference.score(x[:, None], y)],
    ]
    return rows, [save_figure(salary_fit_figure(x, y, w, b), out_dir, "salary_fit"),
                  save_figure(cost_curve_figure(descent), out_dir, "cost_curve"),
                  save_figure(cost_surface_figure(x, y, descent), out_dir, "cost_surface")]


def salary_fit_figure(x: np.ndarray, y: np.ndarray, w: float, b: float) -> plt.Figure:
    """The data and the fitted line."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(x, y, label="employees")
    grid = np.linspace(0, x.max() * 1.05, 50)
    ax.plot(grid, w * grid + b, color="#d62728", label=f"f(x) = {w:.2f}·x + {b:.2f}")
    ax.set(title="Salary against experience, fitted by gradient descent",
           xlabel="years of experience", ylabel="salary (thousands of $)")
    ax.legend()
    return fig


def cost_curve_figure(descent: Descent) -> plt.Figure:
    """The cost after each step, on a log scale."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(np.arange(len(descent.cost)), descent.cost)
    ax.set(title="Cost J(w, b) during gradient descent", xlabel="step",
           ylabel="J(w, b)  (log scale)")
    return fig


def cost_surface_figure(x: np.ndarray, y: np.ndarray, descent: Descent) -> plt.Figure:
    """J(w, b) as a 3-D surface, and as contours with the descent path drawn on them."""
    w_range = np.linspace(-5, 20, 120)
    b_range = np.linspace(-20, 60, 120)
    J = cost_grid(x, y, w_range, b_range)
    fig = plt.figure(figsize=(12, 4.8))
    surface = fig.add_subplot(1, 2, 1, projection="3d")
    surface.plot_surface(*np.meshgrid(w_range, b_range), J, cmap="viridis", alpha=0.85)
    surface.set(title="Cost surface J(w, b)", xlabel="w (k$ per year)", ylabel="b (k$)",
                zlabel="J")
    contours = fig.add_subplot(1, 2, 2)
    levels = np.geomspace(J.min() + 1e-9, J.max(), 20)
    contours.contour(w_range, b_range, J, levels=levels, cmap="viridis")
    contours.plot(descent.w, descent.b, color="#d62728", marker=".", markersize=3,
                  label="gradient descent path")
    contours.plot(descent.w[-1], descent.b[-1], "*", color="black", markersize=12,
                  label="where it ends")
    contours.set(title="Contours of J and the path of gradient descent",
                 xlabel="w (k$ per year)", ylabel="b (k$)",
                 xlim=(w_range[0], w_range[-1]), ylim=(b_range[0], b_range[-1]))
    contours.legend()
    return fig


def compare_scaling(x: np.ndarray, y: np.ndarray, steps: int, out_dir: Path
                    ) -> tuple[list[list[object]], Path]:
    """Part 2: the same descent on raw years and on their z-score.

    On raw years the cost is a long narrow valley: a learning rate above about
    0.054 diverges, and at 0.05 the steps along the valley floor are tiny. The
    z-score makes the valley round, and 0.5 is a safe, fast rate.
    """
    z = (x - x.mean()) / x.std()
    runs = {"raw years (lr 0.05)": gradient_descent(x, y, lr=0.05, steps=steps),
            "z-scored years (lr 0.5)": gradient_descent(z, y, lr=0.5, steps=steps)}
    best = min(run.cost.min() for run in runs.values())
    rows = [[name, steps_to_reach(run.cost, best * 1.001), run.cost[-1]]
            for name, run in runs.items()]
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, run in runs.items():
        ax.semilogy(run.cost - best + 1e-6, label=name)
    ax.set(title="Z-score normalization speeds up gradient descent", xlabel="step",
           ylabel="J − min J  (log scale)")
    ax.legend()
    return rows, save_figure(fig, out_dir, "normalization")


def steps_to_reach(costs: np.ndarray, target: float) -> int | str:
    """The first step whose cost is at most target ("never" if none is)."""
    hits = np.flatnonzero(costs <= target)
    return int(hits[0]) if len(hits) else "never"


def fit_polynomials(level: np.ndarray, salary: np.ndarray, out_dir: Path
                    ) -> tuple[list[list[object]], Path]:
    """Part 3: polynomials of growing degree on Position_Salaries."""
    X = level[:, None]
    grid = np.linspace(level.min(), level.max(), 200)[:, None]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(level, salary, color="black", zorder=3, label="positions")
    rows = []
    for degree in DEGREES:
        ours = PolynomialRegression(degree=degree).fit(X, salary)
        reference = make_pipeline(SkPolynomialFeatures(degree), SkLinearRegression())
        reference.fit(X, salary)
        rows.append([degree, ours.score(X, salary), reference.score(X, salary)])
        ax.plot(grid[:, 0], ours.predict(grid), label=f"degree {degree}")
    ax.set(title="Polynomial regression of salary on job level", xlabel="job level (1–10)",
           ylabel="salary (thousands of $)")
    ax.legend()
    return rows, save_figure(fig, out_dir, "polynomial_fits")


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the three parts; returns the fitted w, b and the R² scores."""
    args = parse_args("linear_regression_walkthrough", __doc__.splitlines()[0], argv)
    steps = 800 if args.quick else 1500
    salary = load_table("salary", "Salary_Data.csv", ["YearsExperience", "Salary"])
    positions = load_table("salary", "Position_Salaries.csv", ["Level", "Salary"])
    x, y = salary["YearsExperience"].astype(np.float64), salary["Salary"] / 1000

    fit_rows, figures = fit_salary(x, y, steps, args.out)
    print_table("Salary_Data: f(x) = w·x + b", ["fit", "w", "b", "R²"], fit_rows)
    scaling_rows, scaling_figure = compare_scaling(x, y, steps, args.out)
    print_table(f"Gradient descent, {steps} steps",
                ["feature", "steps to within 0.1% of the minimum", "final J"], scaling_rows)
    poly_rows, poly_figure = fit_polynomials(positions["Level"].astype(np.float64),
                                             positions["Salary"] / 1000, args.out)
    print_table("Position_Salaries: R² by polynomial degree",
                ["degree", "models.PolynomialRegression", "scikit-learn"], poly_rows)
    print_figures([*figures, scaling_figure, poly_figure])
    return {"w": fit_rows[0][1], "b": fit_rows[0][2], "r2": fit_rows[0][3],
            "sklearn_w": fit_rows[2][1], "sklearn_b": fit_rows[2][2],
            **{f"poly{row[0]}_r2": row[1] for row in poly_rows},
            **{f"sklearn_poly{row[0]}_r2": row[2] for row in poly_rows}}


if __name__ == "__main__":
    main()
