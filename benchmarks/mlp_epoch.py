"""Benchmark 1: one MNIST-sized training epoch, tinygrad_edu vs hand-written NumPy vs PyTorch
(and the minimal engine, the floor of a Python engine).

The workload is in `benchmarks.mlp`. The contenders run alternated
(tinygrad_edu, NumPy, PyTorch, tinygrad_edu, ...) in this one process, each
round from the same initial weights; the report gives median seconds per epoch,
the ratios the goals are about, and the losses of the three, which must agree.
"""

from __future__ import annotations

import numpy as np

from benchmarks import Settings, mlp, threads
from benchmarks.report import Report, Row
from benchmarks.timing import alternate

NAME = "mlp_epoch"
ROUNDS = 5
"""Five rounds: on this shared 2-core machine a single epoch can run 1.5x slower than
the next, and the median of five is steadier than the median of three."""
GOAL_VS_NUMPY = 1.15
GOAL_VS_TORCH = 0.90
LOSS_RTOL = 1e-4
"""Relative tolerance for "the losses are equal": float32 rounding differs between
BLAS calls and summation orders, which after one epoch moves losses by ~1e-6."""


def losses_agree(losses: dict[str, np.ndarray]) -> bool:
    """Every contender's batch losses equal the first's, to LOSS_RTOL."""
    reference, *others = losses.values()
    return all(np.allclose(other, reference, rtol=LOSS_RTOL, atol=0) for other in others)


def run(settings: Settings) -> Report:
    problem = mlp.make_problem(settings.quick)
    has_torch = threads.set_torch_threads(settings.threads) is not None
    names = [name for name in mlp.PREPARES if name != "torch" or has_torch]
    contenders = {name: (lambda prepare=mlp.PREPARES[name]: prepare(problem)) for name in names}
    timings = alternate(contenders, settings.rounds_or(ROUNDS))

    ours, numpy_ = timings["tinygrad_edu"].median, timings["numpy"].median
    report = Report()
    samples = f"{len(problem.X):,} samples"
    for name, t in timings.items():
        report.rows.append(Row(NAME, f"{name}: seconds per epoch ({samples}), median",
                               f"{t.median:.3f} s (spread {t.spread:.0%})"))
    ratio = ours / numpy_
    report.rows.append(Row(NAME, "tinygrad_edu / NumPy", f"{ratio:.2f}×",
                           f"≤ {GOAL_VS_NUMPY:.2f}×", ratio <= GOAL_VS_NUMPY))
    if "torch" in timings:
        ratio_torch = ours / timings["torch"].median
        report.rows.append(Row(NAME, "tinygrad_edu / PyTorch", f"{ratio_torch:.2f}×",
                               f"≤ {GOAL_VS_TORCH:.2f}×", ratio_torch <= GOAL_VS_TORCH))
        report.rows.append(Row(NAME, "PyTorch / NumPy (context)",
                               f"{timings['torch'].median / numpy_:.2f}×"))
    report.rows.append(Row(NAME, "minimal engine / NumPy (context: the floor of a Python engine)",
                           f"{timings['minimal'].median / numpy_:.2f}×"))

    losses = {name: t.result for name, t in timings.items()}
    final = " / ".join(f"{loss[-1]:.6f}" for loss in losses.values())
    mean = " / ".join(f"{loss.mean():.6f}" for loss in losses.values())
    label = " / ".join(losses)
    agree = losses_agree(losses)
    report.rows.append(Row(NAME, f"last-batch loss ({label})", final,
                           f"equal (rtol {LOSS_RTOL:g}, every batch)", agree))
    report.rows.append(Row(NAME, f"mean epoch loss ({label})", mean))

    report.notes += [
        f"mlp_epoch data: {problem.source}; 784→128→ReLU→10, softmax cross-entropy, "
        f"SGD lr {mlp.LEARNING_RATE}, batch {mlp.BATCH_SIZE}, float32, "
        f"{len(problem.batches)} batches; same initial weights and shuffle for all.",
        "mlp_epoch: `minimal` runs tinygrad_edu's ops' NumPy lines on "
        "benchmarks/minimal_engine.py (a value object and a closure per op, no checks), so "
        "its ratio to NumPy is what any Python engine with an object per tensor pays.",
        f"mlp_epoch: {len(next(iter(timings.values())).seconds)} alternated rounds "
        f"({' / '.join(timings)}), median reported; spread = (max - min) / median.",
        *([] if has_torch else ["mlp_epoch: PyTorch is not installed, so it was skipped."]),
    ]
    worst = max(float(np.abs(loss - losses["numpy"]).max()) for loss in losses.values())
    report.raw = {
        "seconds": {name: t.seconds for name, t in timings.items()},
        "last_batch_loss": {name: float(loss[-1]) for name, loss in losses.items()},
        "mean_loss": {name: float(loss.mean()) for name, loss in losses.items()},
        "max_batch_loss_difference": worst,
        "losses_agree": agree,
        "data": problem.source,
    }
    return report

