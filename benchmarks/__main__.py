"""The runner: `python -m benchmarks [--quick] [--only NAME] [--model NAME] [--doc PATH]
[--json PATH]`.

Runs the benchmarks, prints their tables, and writes them into docs/performance.md:
the core benchmarks' table between the core-benchmarks markers, and the models
against scikit-learn in a section of their own. A section goes into the real docs
only when the run was full-size and complete for it (every core benchmark; every
model row); otherwise a document is written only when `--doc` names one (so a
smoke test never replaces the real numbers).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import Settings, threads
from benchmarks.report import Report, render_section, text_table, write_section

CORE = ["mlp_epoch", "lenet_epoch", "op_overhead", "memory", "deep_graph", "graph_length",
        "gradcheck_cost"]
"""The benchmark modules of the core table, in the order they run and appear in it."""
NAMES = [*CORE, "models", "case_studies"]
"""Every benchmark module; `models` and `case_studies` write sections of their own."""


def load_benchmarks() -> dict[str, Callable[[Settings], Report]]:
    """Import the benchmark modules (and so NumPy): only after the BLAS thread count is set."""
    return {name: importlib.import_module(f"benchmarks.{name}").run for name in NAMES}

DEFAULT_DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and one round: a smoke test, not a measurement")
    parser.add_argument("--only", action="append", choices=NAMES, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(NAMES)}")
    parser.add_argument("--model", action="append", default=[], metavar="NAME",
                        help="models benchmark: run only the rows whose model name contains "
                             "NAME (repeatable, case-insensitive), e.g. --model SVC --model SVR")
    parser.add_argument("--rounds", type=int, default=None,
                        help="alternated rounds per benchmark (default: each benchmark's own)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS and for PyTorch (default: the machine's "
                             "default, one per core); 1 is steadier on a busy machine")
    parser.add_argument("--doc", type=Path, default=None,
                        help=f"Markdown file to write the section into (default for a full run: "
                             f"{DEFAULT_DOC.relative_to(DEFAULT_DOC.parent.parent)})")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write every raw measurement to this JSON file")
    return parser.parse_args(argv)


def command_line(argv: list[str]) -> str:
    """How this run was started (with the data variable that changes what the MLP trains
    on), the interpreter relative to the working directory. No folder of this machine
    goes into the docs: the data folder is written /path/to/datasets, an interpreter
    outside the project `python`."""
    python = sys.executable
    python = os.path.relpath(python) if python.startswith(os.getcwd() + os.sep) else "python"
    data = os.environ.get("TINYGRAD_EDU_DATA")
    environment = ["TINYGRAD_EDU_DATA=/path/to/datasets"] if data else []
    return " ".join([*environment, python, "-m", "benchmarks", *map(shlex.quote, argv)])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    settings = Settings(quick=args.quick, rounds=args.rounds, threads=args.threads,
                        models=tuple(args.model))
    threads.limit_blas_threads(args.threads)
    runners = load_benchmarks()
    names = [name for name in NAMES if not args.only or name in args.only]
    thread_counts = threads.describe(args.threads)  # also sets PyTorch's, for every benchmark

    reports: dict[str, Report] = {}
    for name in names:
        print(f"running {name}...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        reports[name] = runners[name](settings)
        print(f"  {name} took {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)

    rows = [row for report in reports.values() for row in report.rows]
    machine = (f"The machine has {os.cpu_count()} cores shared with other work, so timings "
               "are noisy: "
               "contenders run alternated in one process and medians are reported; compare "
               "ratios more than absolute seconds, and re-run before drawing conclusions. "
               "With the default threads, OpenBLAS threads that spin-wait for a busy core can "
               "make every matmul several times slower; `--threads 1` gives steadier numbers "
               "for before/after comparisons.")
    own = {name: report for name, report in reports.items() if report.section is not None}
    core_notes = [note for name, report in reports.items() if name not in own
                  for note in report.notes] + [machine]
    print(thread_counts)
    if len(own) < len(reports):
        print(text_table(rows))
        print()
        print("\n".join(f"- {note}" for note in core_notes))
    for report in own.values():
        print()
        print(text_table([], report.section.header, report.section.cells))
        print("\n".join(f"- {line}" for line in report.section.summary + report.notes))

    sections = []
    if len(own) < len(reports):
        complete = not args.only or set(CORE) <= set(args.only)
        sections.append(("core-benchmarks", complete,
                         render_section(rows, core_notes, command_line(argv), args.quick,
                                        thread_counts)))
    for name, report in own.items():
        sections.append((name, not args.model, render_section(
            [], [*report.notes, machine], command_line(argv), args.quick, thread_counts,
            report.section)))
    for name, complete, text in sections:
        doc = args.doc or (DEFAULT_DOC if complete and not args.quick else None)
        if doc is not None:
            write_section(doc, text)
            print(f"\nwrote the {name} section of {doc}", file=sys.stderr)
    if args.json is not None:
        args.json.write_text(json.dumps({name: r.raw for name, r in reports.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
