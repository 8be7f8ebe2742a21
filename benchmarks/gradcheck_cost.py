"""Benchmark 5: what a gradient check costs, full vs fast mode, on a ~10,000-parameter MLP.

The model is 20 → 400 → tanh → 4 with a softmax cross-entropy over a batch of
16 (10,004 parameters, float64), written as a function of its four parameter
tensors so that gradcheck perturbs them. With a scalar loss the full check
needs two forward passes per parameter (central differences) and one
backward; fast mode needs one backward and two forwards per input tensor.
"""

from __future__ import annotations

import numpy as np

from benchmarks import Settings
from benchmarks.report import Report, Row
from benchmarks.timing import Run, alternate

NAME = "gradcheck_cost"
FULL_SIZES = (20, 400, 4)  # 20·400 + 400 + 400·4 + 4 = 10,004 parameters
QUICK_SIZES = (5, 8, 3)
BATCH = 16
ROUNDS = 1


def _prepare(sizes: tuple[int, int, int], fast_mode: bool) -> Run:
    import tinygrad_edu.functional as F
    from tinygrad_edu import Tensor
    from tinygrad_edu.gradcheck import gradcheck

    n_in, n_hidden, n_out = sizes
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((BATCH, n_in)), dtype=np.float64)
    y = rng.integers(0, n_out, BATCH)
    params = [Tensor(rng.standard_normal(shape) / np.sqrt(shape[-1]), dtype=np.float64,
                     requires_grad=True)
              for shape in [(n_hidden, n_in), (n_hidden,), (n_out, n_hidden), (n_out,)]]

    def loss(W1: Tensor, b1: Tensor, W2: Tensor, b2: Tensor) -> Tensor:
        hidden = (x @ W1.T + b1).tanh()
        return F.cross_entropy(hidden @ W2.T + b2, y)

    def run() -> bool:
        return gradcheck(loss, params, fast_mode=fast_mode, raise_exception=False)

    return run


def parameter_count(sizes: tuple[int, int, int]) -> int:
    n_in, n_hidden, n_out = sizes
    return n_hidden * (n_in + 1) + n_out * (n_hidden + 1)


def run(settings: Settings) -> Report:
    sizes = QUICK_SIZES if settings.quick else FULL_SIZES
    rounds = settings.rounds_or(ROUNDS)
    timings = alternate({"full": lambda: _prepare(sizes, fast_mode=False),
                         "fast": lambda: _prepare(sizes, fast_mode=True)}, rounds)
    count = f"{parameter_count(sizes):,} params"
    report = Report()
    for mode, t in timings.items():
        passed = all(t.results)
        report.rows.append(Row(NAME, f"{mode} gradcheck, MLP {'→'.join(map(str, sizes))} "
                                     f"({count}, float64)",
                               f"{t.median:.3f} s ({'passed' if passed else 'FAILED'})"))
    speedup = timings["full"].median / timings["fast"].median
    report.rows.append(Row(NAME, "full / fast", f"{speedup:.0f}×"))
    report.notes.append(f"gradcheck_cost: {rounds} round(s) of full then fast mode, "
                        "median reported; both must pass.")
    report.raw = {mode: {"seconds": t.seconds, "passed": all(t.results)}
                  for mode, t in timings.items()}
    return report
