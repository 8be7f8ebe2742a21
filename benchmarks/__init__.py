"""Speed and memory of tinygrad_edu against hand-written NumPy and PyTorch (issue 8), and of
its models against scikit-learn's (issue 19).

Run everything with `make bench` or `python -m benchmarks` (see `--help`); the
results tables go into docs/performance.md. Each benchmark is one module with a
`run(settings) -> Report` function:

    mlp_epoch       one MNIST-sized training epoch: tinygrad_edu vs NumPy vs PyTorch
    lenet_epoch     one LeNet-5 epoch on MNIST: tinygrad_edu vs PyTorch
    op_overhead     µs per op of a long chain of tiny ops, forward and backward
    memory          peak RSS of the MLP epoch, each contender in a fresh process
    deep_graph      forward and backward through a 100,000-op chain
    graph_length    µs per op at 10k, 100k and 1M ops, the collector's share, bytes per node
    gradcheck_cost  full vs fast-mode gradcheck on a ~10,000-parameter MLP
    models          fifteen models against scikit-learn's, fit + predict (its own section)

Shared pieces: `timing` (clock, alternated rounds, medians, RSS), `report`
(table rows and the docs section), `threads` (BLAS and PyTorch thread counts),
and the workloads the benchmarks measure: `mlp` (the three implementations of
the MLP epoch), `lenet` (LeNet-5 in both frameworks) and `chains` (the op
chain). `profiling` prints where tinygrad_edu spends its time in those
workloads (cProfile).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """How big and how often: `quick` shrinks every problem to a smoke test;
    `rounds` (when given) overrides each benchmark's number of alternated rounds;
    `threads` (when given) is the thread count of NumPy's BLAS and of PyTorch;
    `models` (when given) keeps only the model rows whose names contain one of them."""

    quick: bool = False
    rounds: int | None = None
    threads: int | None = None
    models: tuple[str, ...] = ()

    def rounds_or(self, default: int) -> int:
        if self.rounds is not None:
            return self.rounds
        return 1 if self.quick else default
