"""The measuring tools every benchmark shares: a clock, alternated runs, medians, peak RSS.

The machine is small and shared, so one timing means little. Benchmarks hand
`alternate` one *prepare* function per contender; each round calls every
contender once, in the same order (A, B, C, A, B, C, ...), so slow spells of the
machine hit all of them alike, and the report uses the median of the rounds.
Only the run itself is timed: building models and copying weights happen in
`prepare`, outside the clock.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

Run = Callable[[], Any]
"""One timed run: takes nothing, returns whatever the benchmark wants to check."""

Prepare = Callable[[], Run]
"""Untimed set-up that returns a fresh `Run` (fresh weights, fresh graph, ...)."""


@dataclass
class Timings:
    """Wall-clock seconds of each round for one contender, and what each run returned."""

    seconds: list[float] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def result(self) -> Any:
        """What the last round's run returned."""
        return self.results[-1]

    def median_of(self, phase: str) -> float:
        """Median seconds of one phase, when each run returned its `Stopwatch.seconds`."""
        return statistics.median(result[phase] for result in self.results)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the rounds were (0 = perfectly steady)."""
        return (max(self.seconds) - min(self.seconds)) / self.median


def time_once(run: Run) -> tuple[float, Any]:
    """Seconds taken by one call of `run` (after a full garbage collection), and its result.

    The collector stays on during the run: the cyclic GC passes that a
    framework's many small objects trigger are part of its real cost.
    """
    gc.collect()
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


@contextmanager
def collector(on: bool) -> Iterator[None]:
    """Python's cyclic garbage collector on (as always) or switched off inside the
    block; on again after it. Off, a run shows what it costs without the collector's
    passes: context next to the real figure, never a replacement for it."""
    if not on:
        gc.disable()
    try:
        yield
    finally:
        gc.enable()


def alternate(contenders: Mapping[str, Prepare], rounds: int,
              warmup_rounds: int = 0) -> dict[str, Timings]:
    """Time every contender `rounds` times, interleaved A, B, C, A, B, C, ...

    `warmup_rounds` untimed rounds go first (lazy imports, first-call caches,
    thread pools starting), for short runs where those would show.
    Returns the Timings of each contender, keyed like `contenders`.
    """
    timings = {name: Timings() for name in contenders}
    for round_number in range(warmup_rounds + rounds):
        for name, prepare in contenders.items():
            run = prepare()
            seconds, result = time_once(run)
            if round_number >= warmup_rounds:
                timings[name].seconds.append(seconds)
                timings[name].results.append(result)
            del run, result  # free this contender's graph before the next one starts
    return timings


class Stopwatch:
    """Seconds spent in named phases of one run, for runs with more than one part:

        watch = Stopwatch()
        with watch("forward"):
            ...
        with watch("backward"):
            ...
        return watch.seconds      # {"forward": ..., "backward": ...}
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start


def read_status_kib(field_name: str) -> int:
    """One memory figure of this process from /proc/self/status (VmRSS, VmHWM...), in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field_name} line (is this Linux?)")


def reset_peak_rss() -> bool:
    """Make VmHWM (the peak RSS) start again from the current RSS.

    Writing "5" to /proc/self/clear_refs does that on Linux 4.0 and later.
    Returns False where it is not allowed, in which case VmHWM keeps the
    process's all-time peak.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True
