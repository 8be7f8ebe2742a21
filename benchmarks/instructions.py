"""Instructions per op of the 0-d op chain, counted by Valgrind's callgrind.

    python -m benchmarks.instructions                    # both engines, four counts each
    python -m benchmarks.instructions --engine minimal --collector off

A timing on a shared 2-core machine moves by 10–20 % from run to run; an instruction
count does not care what else the machine is doing, so a change of a few percent in the
engine's per-op path shows. Each figure is the count of a 20,000-op chain minus that of
a 10,000-op chain, per op: start-up and imports cancel. Python's hash seed is fixed and
address randomization is off (`setarch -R`), yet repeated counts still differ by a few
hundred instructions (a Tensor hashes by its address), so compare changes well above
that. Needs valgrind; not part of `python -m benchmarks` (each count runs the chain
under valgrind, about a minute). The figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys

from benchmarks import chains

ENGINES = {"tinygrad_edu": chains.tinygrad_start, "minimal": chains.minimal_start}
SHORT, LONG = 10_000, 20_000


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


def count_instructions(engine: str, n_ops: int, collector: bool, backward: bool) -> int:
    """Instructions the whole child process executed, as callgrind counts them."""
    child = [sys.executable, "-m", "benchmarks.instructions", "--child", engine, str(n_ops),
             "on" if collector else "off", "yes" if backward else "no"]
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *child]
    if shutil.which("setarch"):
        command = ["setarch", "-R", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def per_op(engine: str, collector: bool, backward: bool) -> int:
    longer = count_instructions(engine, LONG, collector, backward)
    shorter = count_instructions(engine, SHORT, collector, backward)
    return round((longer - shorter) / (LONG - SHORT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=list(ENGINES), action="append")
    parser.add_argument("--collector", choices=["off", "on"], action="append")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, n_ops, collector, backward = args.child
        run_chain(engine, int(n_ops), collector == "on", backward == "yes")
        return
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks.instructions needs valgrind (Debian's package valgrind)")
    print("| engine | collector | forward | forward + backward |")
    print("| --- | --- | --- | --- |")
    for engine in args.engine or list(ENGINES):
        for collector in args.collector or ["off", "on"]:
            on = collector == "on"
            print(f"| {engine} | {collector} | {per_op(engine, on, False):,} "
                  f"| {per_op(engine, on, True):,} |", flush=True)


if __name__ == "__main__":
    main()
