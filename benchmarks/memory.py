"""Benchmark 3: peak RSS of the MLP epoch, tinygrad_edu vs the hand-written NumPy version.

Each contender runs in a fresh Python process (`python -m benchmarks.memory
--child NAME`), so neither inherits the other's heap. The child reports two
figures from /proc/self/status:

* the whole process's peak RSS during the epoch (VmHWM, reset through
  /proc/self/clear_refs just before the epoch so that the transient peak of
  decompressing the dataset does not count): interpreter, imports, the
  dataset (60,000 × 784 float32 is 188 MB of it), the model and the training
  step's temporaries — the goal's figure;
* how far RSS rose above its level just before the epoch: the memory the
  training step itself needs, where the framework's overhead shows without
  the dataset diluting it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks import Settings, mlp
from benchmarks.report import Report, Row
from benchmarks.timing import read_status_kib, reset_peak_rss

NAME = "memory"
CONTENDERS = ["tinygrad_edu", "numpy"]
GOAL_RATIO = 1.2


def measure_in_this_process(name: str, quick: bool) -> dict[str, float]:
    """Run one epoch of contender `name` here and return its memory figures in MiB."""
    problem = mlp.make_problem(quick)
    epoch = mlp.PREPARES[name](problem)
    setup_peak = read_status_kib("VmHWM")
    before = read_status_kib("VmRSS")
    reset = reset_peak_rss()
    epoch()
    epoch_peak = read_status_kib("VmHWM")
    if not reset:  # VmHWM still holds the set-up's peak: only the total is known
        return {"peak_mib": max(setup_peak, epoch_peak) / 1024, "epoch_growth_mib": float("nan")}
    return {"peak_mib": epoch_peak / 1024, "epoch_growth_mib": (epoch_peak - before) / 1024}


def measure_in_child(name: str, quick: bool) -> dict[str, float]:
    """`measure_in_this_process` in a fresh interpreter, run from the repository root."""
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "benchmarks.memory", "--child", name]
    if quick:
        command.append("--quick")
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory: the {name} child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _ratio_row(measurement: str, figures: dict[str, dict[str, float]], key: str) -> Row:
    ours, numpy_ = figures["tinygrad_edu"][key], figures["numpy"][key]
    ratio = ours / numpy_
    return Row(NAME, measurement, f"{ours:.1f} / {numpy_:.1f} MiB = {ratio:.2f}×",
               f"≤ {GOAL_RATIO}×", ratio <= GOAL_RATIO)


def run(settings: Settings) -> Report:
    figures = {name: measure_in_child(name, settings.quick) for name in CONTENDERS}
    report = Report(raw=figures)
    report.rows.append(_ratio_row("peak RSS during the epoch (whole process), tinygrad_edu / NumPy",
                                  figures, "peak_mib"))
    report.rows.append(_ratio_row("RSS growth during the epoch, tinygrad_edu / NumPy",
                                  figures, "epoch_growth_mib"))
    report.notes.append(
        "memory: each contender in a fresh subprocess; peak = VmHWM of the child during the "
        "epoch (reset through /proc/self/clear_refs just before it, so the transient peak of "
        "loading the data is left out; the data stays resident and counts), growth = that "
        "peak minus VmRSS just before the epoch. The goal is stated for the first; the second "
        "is the stricter view of the framework's own overhead.")
    return report


def _child_main() -> None:
    parser = argparse.ArgumentParser(description="internal: one memory measurement")
    parser.add_argument("--child", choices=CONTENDERS, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure_in_this_process(args.child, args.quick)))


if __name__ == "__main__":
    _child_main()
