"""Instructions per op of the 0-d op chain, and per step of a tiny training loop,
counted by Valgrind's callgrind.

    python -m benchmarks.instructions                  # the chain, both engines, four counts each
    python -m benchmarks.instructions --engine minimal --collector off
    python -m benchmarks.instructions --workload mlp   # a training step: ours, minimal, NumPy

A timing on a shared 2-core machine moves by 10–20 % from run to run; an instruction
count does not care what else the machine is doing, so a change of a few percent in the
engine's per-op path shows. Each figure is the count of a long run minus that of a
short one, per op or per step: start-up and imports cancel. The chain runs 20,000 and
10,000 ops. The training loop is `mlp_epoch`'s network at 8 → 8 → 10 with batches of 4
(`benchmarks.mlp.tiny_problem`), 1,000 and 500 steps, each contender written as
`mlp_epoch` writes it: its arithmetic is tiny, so a step costs what the framework does
around it (the modules, the loss's checks, the ops, backward, the optimizer), which is
what the MLP epoch pays on top of NumPy's matrix products. Python's hash seed is fixed
and address randomization is off (`setarch -R`), yet repeated counts still differ by a
few hundred instructions (a Tensor hashes by its address), so compare changes well above
that. Needs valgrind; not part of `python -m benchmarks` (each count runs under valgrind,
about a minute). The figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

import numpy as np

from benchmarks import chains, mlp

ENGINES = {"tinygrad_edu": chains.tinygrad_start, "minimal": chains.minimal_start}
SHORT, LONG = 10_000, 20_000
TRAINING_ENGINES = ["tinygrad_edu", "minimal", "numpy"]
SHORT_TRAINING, LONG_TRAINING = 500, 1_000


def run_chain(engine: str, n_ops: int, collector: bool, backward: bool):
    """The child's work: the 0-d chain of n_ops ops, and its backward if asked.
    Returns x₀, which then holds its gradient."""
    x0, a, m, seed = ENGINES[engine](())
    if not collector:
        gc.disable()
    try:
        x = chains._chain(x0, a, m, n_ops)
        if backward:
            x.backward(seed)
    finally:
        gc.enable()
    return x0


def run_training(engine: str, n_steps: int) -> np.ndarray:
    """The child's work for `--workload mlp`: n_steps training steps of the tiny MLP,
    as `engine` writes them. Returns the loss of every step."""
    return mlp.PREPARES[engine](mlp.tiny_problem(n_steps))()


def count_instructions(child: list[str]) -> int:
    """Instructions the whole child process (`python -m benchmarks.instructions
    *child`) executed, as callgrind counts them."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, "-m", "benchmarks.instructions", *child]
    if shutil.which("setarch"):
        command = ["setarch", "-R", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def per_unit(child: Callable[[int], list[str]], short: int, long: int) -> int:
    """(count of the long run - count of the short run) / (long - short)."""
    return round((count_instructions(child(long)) - count_instructions(child(short)))
                 / (long - short))


def per_op(engine: str, collector: bool, backward: bool) -> int:
    def chain(n_ops: int) -> list[str]:
        return ["--child", engine, str(n_ops), "on" if collector else "off",
                "yes" if backward else "no"]

    return per_unit(chain, SHORT, LONG)


def per_training_step(engine: str) -> int:
    def training(n_steps: int) -> list[str]:
        return ["--training-child", engine, str(n_steps)]

    return per_unit(training, SHORT_TRAINING, LONG_TRAINING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["chain", "mlp"], default="chain")
    parser.add_argument("--engine", choices=TRAINING_ENGINES, action="append")
    parser.add_argument("--collector", choices=["off", "on"], action="append")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--training-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, n_ops, collector, backward = args.child
        run_chain(engine, int(n_ops), collector == "on", backward == "yes")
        return
    if args.training_child:
        engine, n_steps = args.training_child
        run_training(engine, int(n_steps))
        return
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks.instructions needs valgrind (Debian's package valgrind)")
    if args.workload == "mlp":
        print("| contender | instructions per training step |")
        print("| --- | --- |")
        for engine in args.engine or TRAINING_ENGINES:
            print(f"| {engine} | {per_training_step(engine):,} |", flush=True)
        return
    print("| engine | collector | forward | forward + backward |")
    print("| --- | --- | --- | --- |")
    for engine in args.engine or list(ENGINES):
        if engine not in ENGINES:
            sys.exit(f"the chain runs on {', '.join(ENGINES)}, not {engine}")
        for collector in args.collector or ["off", "on"]:
            on = collector == "on"
            print(f"| {engine} | {collector} | {per_op(engine, on, False):,} "
                  f"| {per_op(engine, on, True):,} |", flush=True)


if __name__ == "__main__":
    main()
