"""Benchmark 4: forward and backward through a 100,000-op chain.

The engine sorts the graph with an explicit stack (no recursion), so depth
must cost time in proportion, never a RecursionError. Same chain as
`op_overhead` (see `benchmarks.chains`) on a 0-d tensor, with PyTorch for context.

The forward ratio is measured twice: as a program runs it, and, for context, with
Python's cyclic garbage collector switched off in both. The collector walks the
growing graph's objects again and again (see `graph_length`); PyTorch keeps its
graph in C++, out of the collector's sight. The second figure is the engine's own
cost; the goal is judged on the first.
"""

from __future__ import annotations

from benchmarks import Settings, chains
from benchmarks.report import Report, Row
from benchmarks.timing import alternate, collector

NAME = "deep_graph"
FULL_OPS = 100_000
QUICK_OPS = 2_000
ROUNDS = 3
GOAL_BACKWARD_S = 1.0
GOAL_FORWARD_RATIO = 2.0  # tinygrad_edu / PyTorch, forward through the chain (issue 20)


def run(settings: Settings) -> Report:
    n_ops = QUICK_OPS if settings.quick else FULL_OPS
    rounds = settings.rounds_or(ROUNDS)
    contenders = chains.contenders(["tinygrad_edu", "torch"], (), n_ops)
    timings = alternate(contenders, rounds)
    report = Report()
    for name, t in timings.items():
        forward, backward = t.median_of("forward"), t.median_of("backward")
        report.rows.append(Row(NAME, f"{name}: forward through {n_ops:,} ops",
                               f"{forward:.3f} s"))
        goal, met = "", None
        if name == "tinygrad_edu":
            goal, met = f"≤ {GOAL_BACKWARD_S:g} s", backward <= GOAL_BACKWARD_S
        report.rows.append(Row(NAME, f"{name}: backward through {n_ops:,} ops",
                               f"{backward:.3f} s", goal, met))
        report.raw[name] = {"forward_s": forward, "backward_s": backward}
    if "torch" in report.raw:
        ratio = report.raw["tinygrad_edu"]["forward_s"] / report.raw["torch"]["forward_s"]
        report.rows.append(Row(NAME, f"tinygrad_edu / torch: forward through {n_ops:,} ops",
                               f"{ratio:.2f}×", f"≤ {GOAL_FORWARD_RATIO:g}× (issue 20)",
                               ratio <= GOAL_FORWARD_RATIO))
        with collector(on=False):
            quiet = alternate(contenders, rounds)
        quiet_ratio = (quiet["tinygrad_edu"].median_of("forward")
                       / quiet["torch"].median_of("forward"))
        report.rows.append(Row(NAME, f"tinygrad_edu / torch: forward through {n_ops:,} ops, "
                               "cyclic GC switched off in both (context: the engine's own cost)",
                               f"{quiet_ratio:.2f}×"))
        report.raw["forward_ratio_without_gc"] = quiet_ratio
    report.notes.append(f"deep_graph: 0-d chain of {n_ops:,} ops, median of {rounds} "
                        "alternated rounds.")
    return report
