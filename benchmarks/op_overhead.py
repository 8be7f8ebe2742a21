"""Benchmark 2: per-op overhead, µs per op of a 10,000-op chain on tiny and small tensors.

On a 0-d tensor the arithmetic is nothing, so the time is the framework's own
cost per op: creating the output, recording the graph, and in backward
visiting the node and calling its rule. On (64, 64) the arithmetic starts to
count. tinygrad_edu vs PyTorch (requires_grad) vs the floor of any Python engine
(`benchmarks.minimal_engine`: a value object, a closure per op, no checks) vs
raw NumPy (forward, and the backward written by hand); the chain itself is in
`benchmarks.chains`.
"""

from __future__ import annotations

from benchmarks import Settings, chains
from benchmarks.report import Report, Row
from benchmarks.timing import alternate

NAME = "op_overhead"
SHAPES: list[chains.Shape] = [(), (1,), (64, 64)]
FULL_OPS = 10_000
QUICK_OPS = 200
ROUNDS = 3
GOAL_US = 2.5  # tinygrad_edu forward + backward per op, 0-d (issue 8)
GOAL_RATIO = 0.8  # tinygrad_edu / PyTorch, forward + backward per op, every shape (issue 20)


def run(settings: Settings) -> Report:
    n_ops = QUICK_OPS if settings.quick else FULL_OPS
    rounds = settings.rounds_or(ROUNDS)
    report = Report()
    for shape in SHAPES:
        contenders = chains.contenders(["tinygrad_edu", "torch", "minimal", "numpy"], shape, n_ops)
        timings = alternate(contenders, rounds, warmup_rounds=1)
        for name, t in timings.items():
            forward = t.median_of("forward") / n_ops * 1e6
            backward = t.median_of("backward") / n_ops * 1e6
            total = forward + backward
            goal, met = "", None
            if name == "tinygrad_edu" and shape == ():
                goal, met = f"fwd+bwd ≤ {GOAL_US} µs", total <= GOAL_US
            report.rows.append(Row(NAME, f"{name}, shape {shape}: µs/op fwd + bwd",
                                   f"{forward:.2f} + {backward:.2f} = {total:.2f}", goal, met))
            report.raw[f"{name} {shape}"] = {"forward_us": forward, "backward_us": backward}
        if "torch" in timings:
            ours, theirs = (report.raw[f"{who} {shape}"] for who in ("tinygrad_edu", "torch"))
            ratio = sum(ours.values()) / sum(theirs.values())
            report.rows.append(Row(NAME, f"tinygrad_edu / torch, shape {shape}: fwd + bwd",
                                   f"{ratio:.2f}×", f"≤ {GOAL_RATIO}× (issue 20)",
                                   ratio <= GOAL_RATIO))
    report.notes.append(
        f"op_overhead: {n_ops:,} ops (`x = x + a; x = x * m` × {n_ops // 2:,}), only x₀ requires "
        f"grad; median of {rounds} alternated rounds per shape after one untimed warm-up "
        "round; `minimal` is benchmarks/minimal_engine.py, the least a Python engine does per "
        "op (an object per value, a closure per op, no checks); the NumPy backward is the "
        "hand-written loop (one multiply per add/mul pair). Freeing the graph afterwards is "
        "not timed.")
    return report
