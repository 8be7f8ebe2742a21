"""Benchmark 6: does an op cost the same in a long graph as in a short one, and how many
bytes does a graph node take?

The chain of `op_overhead` (see `benchmarks.chains`), 0-d, at three lengths
(10,000, 100,000 and 1,000,000 ops): forward and backward µs per op at each
length, and the spread of the forward figure (slowest / fastest - 1; goal of
issue 20: within 10 %). Python's cyclic garbage collector is what could make a
long graph slower per op: it walks the objects it tracks again and again while
they pile up. The same forwards with the collector switched off (`gc.disable()`)
show how much of the time is the collector's, and the number of full collections
(generation 2) during each forward shows when they begin.

Bytes per node: Python's `tracemalloc` counts every allocation (NumPy reports
its arrays to it) while a 100,000-op chain is built; the growth divided by the
number of ops is what one recorded op keeps alive: its output Tensor (the graph's
node), the array, and the tuple of its inputs. `sys.getsizeof` of each of those
objects gives the breakdown. (Its `needs_input_grad` and input versions are tuples
that most ops share; see `_SHARED_FLAGS` in autograd.py.)
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import numpy as np

from benchmarks import Settings, chains, timing
from benchmarks.report import Report, Row

NAME = "graph_length"
FULL_LENGTHS = [10_000, 100_000, 1_000_000]
QUICK_LENGTHS = [1_000, 2_000, 4_000]
ROUNDS = 3
GOAL_SPREAD = 0.10


def _chain_start():
    """x₀, a and m of the 0-d chain as tinygrad_edu tensors (a 0-d output needs no seed)."""
    x0, a, m, _ = chains.tinygrad_start(())
    return x0, a, m


def time_chain(n_ops: int, collector: bool = True) -> tuple[float, float, int]:
    """Seconds per op of the forward and of the backward through an n_ops chain, and
    how many full collections (generation 2) ran during the forward."""
    x0, a, m = _chain_start()
    gc.collect()
    with timing.collector(on=collector):
        full_before = gc.get_stats()[2]["collections"]
        start = time.perf_counter()
        x = chains._chain(x0, a, m, n_ops)
        forward = time.perf_counter() - start
        full_collections = gc.get_stats()[2]["collections"] - full_before
        start = time.perf_counter()
        x.backward()
        backward = time.perf_counter() - start
    return forward / n_ops, backward / n_ops, full_collections


def bytes_per_node(n_ops: int) -> float:
    """Bytes that building an n_ops chain allocated and kept, per op (tracemalloc)."""
    x0, a, m = _chain_start()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        x = chains._chain(x0, a, m, n_ops)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del x
    return (after - before) / n_ops


def node_parts() -> dict[str, int]:
    """sys.getsizeof of each object one recorded 0-d op keeps alive of its own."""
    x0, a, _ = _chain_start()
    y = x0 + a
    return {"Tensor": sys.getsizeof(y), "its array": sys.getsizeof(y.data),
            "the inputs tuple": sys.getsizeof(y._parents)}


def run(settings: Settings) -> Report:
    lengths = QUICK_LENGTHS if settings.quick else FULL_LENGTHS
    rounds = settings.rounds_or(ROUNDS)
    report = Report()
    forward: dict[int, list[float]] = {n: [] for n in lengths}
    backward: dict[int, list[float]] = {n: [] for n in lengths}
    without_collector: dict[int, list[float]] = {n: [] for n in lengths}
    full_collections: dict[int, int] = {}
    middle = lengths[1]
    for _ in range(rounds):  # the lengths alternated, so a slow spell hits each alike
        for n in lengths:
            f, b, full_collections[n] = time_chain(n)
            forward[n].append(f)
            backward[n].append(b)
            without_collector[n].append(time_chain(n, collector=False)[0])
    medians = {n: float(np.median(forward[n])) * 1e6 for n in lengths}
    offs = {n: float(np.median(without_collector[n])) * 1e6 for n in lengths}
    for n in lengths:
        b = float(np.median(backward[n])) * 1e6
        report.rows.append(Row(NAME, f"tinygrad_edu: µs/op fwd + bwd, 0-d chain of {n:,} ops",
                               f"{medians[n]:.2f} + {b:.2f} = {medians[n] + b:.2f}"))
        report.raw[f"{n} ops"] = {"forward_us": medians[n], "backward_us": b}
    spread = max(medians.values()) / min(medians.values()) - 1
    report.rows.append(Row(NAME, "forward µs/op: slowest length / fastest - 1",
                           f"{spread:.0%}", f"≤ {GOAL_SPREAD:.0%} (issue 20)",
                           spread <= GOAL_SPREAD))
    off = offs[middle]
    report.rows.append(Row(NAME, f"forward µs/op, {middle:,} ops, cyclic GC switched off",
                           f"{off:.2f} (the collector: {1 - off / medians[middle]:.0%} of "
                           "the forward time)"))
    off_spread = max(offs.values()) / min(offs.values()) - 1
    report.rows.append(Row(NAME, "forward µs/op at each length, cyclic GC switched off "
                           "(context: the engine's own cost)",
                           " / ".join(f"{offs[n]:.2f}" for n in lengths)
                           + f" (slowest / fastest - 1: {off_spread:.0%})"))
    report.rows.append(Row(NAME, "full collections (generation 2) during the forward at "
                           "each length (context)",
                           " / ".join(str(full_collections[n]) for n in lengths)))
    node_bytes = bytes_per_node(middle)
    parts = node_parts()
    report.rows.append(Row(NAME, f"bytes per recorded op ({middle:,}-op chain, tracemalloc)",
                           f"{node_bytes:.0f}"))
    report.raw.update({"spread": spread, "forward_us_without_gc": offs,
                       "spread_without_gc": off_spread, "full_collections": full_collections,
                       "bytes_per_node": node_bytes, "parts": parts})
    report.notes.append(
        "graph_length: the op_overhead chain on 0-d tensors at "
        f"{', '.join(f'{n:,}' for n in lengths)} ops, median of {rounds} rounds with the "
        "lengths alternated; the collector stays on except in the row that says otherwise. "
        "What one recorded op keeps alive of its own (sys.getsizeof, bytes): "
        + ", ".join(f"{part} {size}" for part, size in parts.items()) + ".")
    return report
