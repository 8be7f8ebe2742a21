"""Where a batch of the LeNet-5 epoch spends its time, op by op (issue 18).

    python -m benchmarks.lenet_profile                  # 30 batches, NumPy's default threads
    python -m benchmarks.lenet_profile --batches 100 --threads 1

Times every op's forward and backward, and Adam's step, with the process's CPU
clock (steadier than the wall clock on a shared machine) over the first
`--batches` batches of `benchmarks.lenet`'s epoch, after one untimed pass over
them. Each row is one op on inputs of one shape, so the two convolutions (and
the two pools) have rows of their own; "engine and Python" is the rest of the
batch: the graph's bookkeeping, the bias gradients the engine sums back to
their shape, the loss's `.item()`. Not part of the results table: wrapping the
ops costs a little time of its own.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable

from benchmarks import threads

Key = tuple[str, str, tuple]


class OpClock:
    """CPU seconds per key, each op's own time: an op run inside another (col2im inside
    im2col's backward) counts for itself only."""

    def __init__(self, clock: Callable[[], float] = time.process_time) -> None:
        self.clock = clock
        self.totals: dict[Key, float] = defaultdict(float)
        self.inner: list[float] = []  # time spent in nested timed calls, per open call

    def wrap(self, method: Callable, key_of: Callable[..., Key]) -> Callable:
        def timed(*args, **kwargs):
            self.inner.append(0.0)
            start = self.clock()
            try:
                return method(*args, **kwargs)
            finally:
                elapsed = self.clock() - start
                self.totals[key_of(*args)] += elapsed - self.inner.pop()
                if self.inner:
                    self.inner[-1] += elapsed

        return timed


def profile(batches: int, quick: bool = False) -> tuple[float, dict[Key, float]]:
    """CPU seconds per batch in all, and per (op, pass, first input's shape); `quick`
    takes the batches from the benchmark's smoke-test data (512 images)."""
    from benchmarks import lenet
    from tinygrad_edu.autograd import OPS
    from tinygrad_edu.optim import Optimizer

    problem = lenet.make_problem(quick)
    problem.order = problem.order[:batches * lenet.BATCH_SIZE]
    run = lenet.prepare_tinygrad(problem)
    clock = OpClock()
    saved = {op: {k: op.__dict__[k] for k in ("forward", "backward") if k in op.__dict__}
             for op in OPS.values()}
    step = Optimizer.step
    try:
        for op, methods in saved.items():
            if "forward" in methods:
                op.forward = staticmethod(clock.wrap(op.forward, lambda *a, name=op.name: (
                    name, "forward", getattr(a[0], "shape", ()))))
            if "backward" in methods:
                op.backward = staticmethod(clock.wrap(op.backward, lambda ctx, g, name=op.name: (
                    name, "backward", ctx.input_shapes[0])))
        Optimizer.step = clock.wrap(step, lambda optimizer, *a: ("Adam", "step", ()))
        run()
        clock.totals.clear()
        start = time.process_time()
        run()
        total = time.process_time() - start
    finally:
        for op, methods in saved.items():
            for name, method in methods.items():
                setattr(op, name, method)
        Optimizer.step = step
    return total / batches, {k: v / batches for k, v in clock.totals.items()}


def table(total: float, per_op: dict[Key, float]) -> str:
    rows = [f"{'ms per batch':>12}  op", f"{total * 1e3:12.3f}  whole batch (CPU time)"]
    rows += [f"{seconds * 1e3:12.3f}  {name} {kind} {shape}"
             for (name, kind, shape), seconds in sorted(per_op.items(), key=lambda kv: -kv[1])]
    rows.append(f"{(total - sum(per_op.values())) * 1e3:12.3f}  engine and Python (the rest)")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lenet_profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS (default: the machine's default)")
    args = parser.parse_args(argv)
    threads.limit_blas_threads(args.threads)
    print(table(*profile(args.batches)))


if __name__ == "__main__":
    main()
