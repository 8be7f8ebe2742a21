"""One LeNet-5 epoch on MNIST: tinygrad_edu against PyTorch on the CPU (issue 18).

The workload is in `benchmarks.lenet`. The two run alternated in this one
process, each round from the same initial weights and in the same batch order;
the report gives median seconds per epoch, their ratio (goal: tinygrad_edu at
most 1.5× PyTorch) and the batch losses of both, which must agree.
"""

from __future__ import annotations

import numpy as np

from benchmarks import Settings, lenet, threads
from benchmarks.report import Report, Row
from benchmarks.timing import alternate

NAME = "lenet_epoch"
ROUNDS = 3
"""Three rounds: an epoch takes about a minute, and the median of three is steady enough."""
GOAL_VS_TORCH = 1.5
LOSS_RTOL = 1e-3
"""Relative tolerance for "the losses are equal", every batch: float32 convolutions
sum in different orders in NumPy and PyTorch (~1e-7 per step), and Adam, which
divides by √v, carries such differences on over ~940 steps."""
FLOAT64_BATCHES = 60
FLOAT64_RTOL = 1e-12
"""The same steps in float64: rounding ~1e-16 per step, so the maths itself is compared."""


def run(settings: Settings) -> Report:
    problem = lenet.make_problem(settings.quick)
    report = Report()
    if threads.set_torch_threads(settings.threads) is None:
        report.notes.append("lenet_epoch: PyTorch is not installed, so it was skipped.")
        return report
    contenders = {name: (lambda prepare=prepare: prepare(problem))
                  for name, prepare in lenet.PREPARES.items()}
    timings = alternate(contenders, settings.rounds_or(ROUNDS))
    ours, theirs = timings["tinygrad_edu"], timings["torch"]
    samples = f"{len(problem.X):,} samples"
    for name, t in timings.items():
        report.rows.append(Row(NAME, f"{name}: seconds per epoch ({samples}), median",
                               f"{t.median:.3f} s (spread {t.spread:.0%})"))
    ratio = ours.median / theirs.median
    report.rows.append(Row(NAME, "tinygrad_edu / PyTorch", f"{ratio:.2f}×",
                           f"≤ {GOAL_VS_TORCH:.2f}×", ratio <= GOAL_VS_TORCH))
    ours_loss, torch_loss = ours.result, theirs.result
    agree = bool(np.allclose(ours_loss, torch_loss, rtol=LOSS_RTOL, atol=0))
    worst = float(relative_difference(ours_loss, torch_loss).max())
    torch_again = lenet.torch_without_onednn(problem)
    report.rows.append(Row(NAME, "last-batch loss (tinygrad_edu / torch)",
                           f"{ours_loss[-1]:.6f} / {torch_loss[-1]:.6f}",
                           f"equal (rtol {LOSS_RTOL:g}, every batch)", agree))
    report.rows.append(Row(NAME, "mean epoch loss (tinygrad_edu / torch)",
                           f"{ours_loss.mean():.6f} / {torch_loss.mean():.6f}"))
    report.rows.append(Row(NAME, "largest relative batch-loss difference; the first batch "
                           f"past {LOSS_RTOL:g}", drift(ours_loss, torch_loss)))
    report.rows.append(Row(NAME, "the same for PyTorch against itself with oneDNN off "
                           "(context)", drift(torch_again, torch_loss)))
    exact = lenet.in_float64(problem, FLOAT64_BATCHES)
    ours64, theirs64 = (lenet.PREPARES[name](exact)() for name in ("tinygrad_edu", "torch"))
    worst64 = float(relative_difference(ours64, theirs64).max())
    report.rows.append(Row(NAME, f"float64, first {len(exact.batches)} batches: largest relative "
                           "batch-loss difference", f"{worst64:.1e}",
                           f"≤ {FLOAT64_RTOL:g}", worst64 <= FLOAT64_RTOL))
    report.notes += [
        f"lenet_epoch data: {problem.source}; LeNet-5 (conv 1→6 5×5 pad 2, ReLU, max-pool 2, "
        f"conv 6→16 5×5, ReLU, max-pool 2, 120, 84, 10), cross-entropy, Adam lr "
        f"{lenet.LEARNING_RATE:g}, batch {lenet.BATCH_SIZE}, float32, {len(problem.batches)} "
        "batches; same initial weights (PyTorch's) and batch order for both.",
        f"lenet_epoch: {len(ours.seconds)} alternated rounds, median reported.",
    ]
    report.raw = {
        "seconds": {name: t.seconds for name, t in timings.items()},
        "batch_losses": {name: t.result.tolist() for name, t in timings.items()},
        "max_relative_batch_loss_difference": worst,
        "torch_without_onednn_batch_losses": torch_again.tolist(),
        "losses_agree": agree,
        "float64_max_relative_batch_loss_difference": worst64,
        "data": problem.source,
    }
    return report


def relative_difference(losses: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """|losses - reference| / |reference|, batch by batch."""
    return np.abs(losses - reference) / np.abs(reference)


def drift(losses: np.ndarray, reference: np.ndarray) -> str:
    """The largest relative difference between two runs' batch losses, and the first batch
    (counted from 1) where it passes LOSS_RTOL."""
    relative = relative_difference(losses, reference)
    past = np.flatnonzero(relative > LOSS_RTOL)
    where = f"batch {past[0] + 1} of {len(relative)}" if len(past) else "none"
    return f"{relative.max():.1e}; {where}"
