"""L-BFGS against gradient descent on the same logistic regression.

    python examples/lbfgs_vs_gradient_descent.py [--out DIR] [--quick]

One objective, scikit-learn's for LogisticRegression(C=1) on the Social Network Ads
split (300 standardised rows, Age and EstimatedSalary → Purchased):

    J(w, b) = (1/n) Σ_i log-loss_i + ‖w‖² / (2 C n),

minimised three ways, all full batch: plain gradient descent (solver="sgd", η = 1),
Adam (solver="adam", η = 0.05) and L-BFGS (solver="lbfgs", the default). Each pass over
the data computes J and ∇J once (one epoch of full-batch descent, one closure call of
L-BFGS), so the figure plots J - J* against passes: the work each method does. J* is
L-BFGS's value at a gradient of 1e-10. Writes lbfgs_vs_gradient_descent.png; the
documentation's L-BFGS page shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import social_network_ads_split
from _plotting import save_figure

import models

NAME = "lbfgs_vs_gradient_descent"
# Gradient descent trains in float32: its J stops ~1e-8 above J* (float32 rounding of J ≈ 0.4),
# so the plot stops at 1e-9.
FLOOR = 1e-9
SOLVERS = {  # label: LogisticRegression settings
    "gradient descent (sgd, η = 1)": dict(solver="sgd", learning_rate_init=1.0),
    "Adam (η = 0.05)": dict(solver="adam", learning_rate_init=0.05),
    "L-BFGS (strong Wolfe)": dict(solver="lbfgs"),
}


def passes_to(curve: np.ndarray, level: float) -> int | None:
    """The first pass (from 1) at which the curve is at or below `level`, None if never."""
    below = np.flatnonzero(curve <= level)
    return int(below[0]) + 1 if below.size else None


def main(argv: Sequence[str] | None = None) -> dict[str, int | None]:
    args = parse_args(NAME, __doc__.splitlines()[0], argv)
    split = social_network_ads_split()
    X, y = split.Z_train, split.y_train
    passes = 100 if args.quick else 400
    best = models.LogisticRegression(tol=1e-10, random_state=0).fit(X, y)
    optimum = min(best.loss_curve_)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    needed = {}
    for label, settings in SOLVERS.items():
        model = models.LogisticRegression(max_iter=passes, tol=0.0, n_iter_no_change=passes,
                                          random_state=0, **settings).fit(X, y)
        gap = np.maximum(np.array(model.loss_curve_[:passes]) - optimum, FLOOR)
        ax.semilogy(np.arange(1, len(gap) + 1), gap, label=label)
        needed[label] = passes_to(gap, 1e-6)
    ax.set_ylim(FLOOR / 2, None)
    ax.set(xlabel="passes over the data (evaluations of J and ∇J)", ylabel="J - J*",
           title="Logistic regression, Social Network Ads (C = 1)")
    ax.legend()
    path = save_figure(fig, args.out, NAME)
    print_table("Passes over the data until J - J* ≤ 1e-6", ["solver", "passes"],
                [[label, "more than " + str(passes) if n is None else n]
                 for label, n in needed.items()])
    print_figures([path])
    return needed


if __name__ == "__main__":
    main()
