"""The Jacobian of f: Rⁿ -> Rᵐ in forward and in reverse mode: what each costs, where they cross.

    python -m benchmarks.jacobian_modes [--quick] [--rounds R] [--figure PATH]

f(x) = W₂ tanh(W₁ x), with a hidden layer of 32 (float64). Forward mode builds
the Jacobian column by column, one jvp per input (n passes); reverse mode row by
row, one forward pass and then one backward pass per output (m passes). Two
sweeps: n grows with m = 16, and m grows with n = 16. Each round times both
modes once, alternated, in CPU time of this process (time.process_time): on a
shared machine a wall-clock run of a few milliseconds often loses whole 4 ms
time slices to other work. The fastest round is reported. Prints a
Markdown table and writes the figure (default docs/images/jacobian_modes.svg).
Not part of `python -m benchmarks`: its numbers go into docs/forward-mode.md.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

import numpy as np

HIDDEN = 32
FIXED = 16
SIZES = (1, 2, 4, 8, 16, 32, 64, 128)
QUICK_SIZES = (1, 4, 16)
ROUNDS = 15
FIGURE = Path(__file__).resolve().parent.parent / "docs" / "images" / "jacobian_modes.svg"


def _prepare(n: int, m: int, mode: str):
    from tinygrad_edu import Tensor, func

    rng = np.random.default_rng(0)
    w1 = Tensor(rng.standard_normal((HIDDEN, n)) / np.sqrt(n), dtype=np.float64)
    w2 = Tensor(rng.standard_normal((m, HIDDEN)) / np.sqrt(HIDDEN), dtype=np.float64)
    x = Tensor(rng.standard_normal(n), dtype=np.float64)

    def f(t: Tensor) -> Tensor:
        return w2 @ (w1 @ t).tanh()

    return lambda: func.jacobian(f, x, mode=mode).data


def measure(n: int, m: int, rounds: int) -> dict[str, float]:
    """The fastest round's CPU seconds for each mode at one (n, m), the modes alternated
    (after one untimed round); the two Jacobians must agree."""
    seconds: dict[str, list[float]] = {"forward": [], "reverse": []}
    jacobians = {}
    for round_number in range(rounds + 1):
        for mode in seconds:
            run = _prepare(n, m, mode)
            gc.collect()
            start = time.process_time()
            jacobians[mode] = run()
            if round_number:
                seconds[mode].append(time.process_time() - start)
    np.testing.assert_allclose(jacobians["forward"], jacobians["reverse"], rtol=1e-10,
                               atol=1e-12)
    return {mode: min(times) for mode, times in seconds.items()}


def plot(results: dict[tuple[int, int], dict[str, float]], sizes: tuple[int, ...],
         path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "jacobian_modes"  # the same run gives the same file
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    sweeps = [("n (inputs), m = 16", [(s, FIXED) for s in sizes]),
              ("m (outputs), n = 16", [(FIXED, s) for s in sizes])]
    for ax, (label, pairs) in zip(axes, sweeps):
        sizes_axis = [p[0] if label.startswith("n") else p[1] for p in pairs]
        for mode, marker in (("forward", "o"), ("reverse", "s")):
            ax.plot(sizes_axis, [results[p][mode] * 1e3 for p in pairs], marker=marker,
                    label=f"{mode} mode")
        ax.axvline(FIXED, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(label)
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("CPU time for the whole Jacobian (ms)")
    axes[0].legend()
    fig.suptitle("Jacobian of f(x) = W₂ tanh(W₁ x): forward mode costs n passes, reverse m")
    fig.tight_layout()
    fig.savefig(path, metadata={"Date": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jacobian_modes",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="three sizes, one round")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--figure", type=Path, default=FIGURE)
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else SIZES
    rounds = args.rounds or (1 if args.quick else ROUNDS)
    pairs = sorted({(s, FIXED) for s in sizes} | {(FIXED, s) for s in sizes})
    results = {pair: measure(*pair, rounds) for pair in pairs}
    print("| n | m | forward (ms) | reverse (ms) | forward / reverse |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for (n, m), t in results.items():
        print(f"| {n} | {m} | {t['forward'] * 1e3:.2f} | {t['reverse'] * 1e3:.2f} | "
              f"{t['forward'] / t['reverse']:.2f} |")
    plot(results, sizes, args.figure)
    print(f"\nwrote {args.figure}")


if __name__ == "__main__":
    main()
