"""Where tinygrad_edu spends its time: cProfile of the MLP epoch and of the 0-d op chain.

    python -m benchmarks.profiling                 # both, top 10 functions by own time
    python -m benchmarks.profiling op_chain --top 20 --sort cumulative

Not part of the results table: a profile slows the code it watches (every
Python call pays for the bookkeeping), so it shows *where* the time goes, not
how much there is. The workloads are the very ones the benchmarks time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats

from benchmarks import threads
from benchmarks.timing import Run

WORKLOADS = ["mlp_epoch", "op_chain"]


def prepare(workload: str, quick: bool) -> Run:
    """The tinygrad_edu run of `workload`: the MLP epoch, or the 0-d op chain."""
    from benchmarks import chains, mlp, op_overhead  # NumPy only after the threads are set

    if workload == "mlp_epoch":
        return mlp.prepare_tinygrad(mlp.make_problem(quick))
    return chains.prepare_tinygrad((), op_overhead.QUICK_OPS if quick else op_overhead.FULL_OPS)


def profile(workload: str, quick: bool = False, top: int = 10, sort: str = "tottime") -> str:
    """The cProfile table of one run of `workload`, `top` rows sorted by `sort`."""
    run = prepare(workload, quick)
    profiler = cProfile.Profile()
    profiler.runcall(run)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profiling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                        help=f"what to profile: {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--sort", default="tottime",
                        help="a pstats sort key (tottime, cumulative, ncalls...)")
    parser.add_argument("--quick", action="store_true", help="the smoke-test sizes")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS (default: the machine's default)")
    args = parser.parse_args(argv)
    unknown = set(args.workloads) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s) {sorted(unknown)}; choose from {list(WORKLOADS)}")
    threads.limit_blas_threads(args.threads)
    for workload in args.workloads or WORKLOADS:
        print(f"==== {workload} (tinygrad_edu) ====")
        print(profile(workload, args.quick, args.top, args.sort))


if __name__ == "__main__":
    main()
