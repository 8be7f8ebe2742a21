"""What a benchmark reports, and how the runner prints it and writes it into the docs.

A benchmark returns a `Report`: table rows (a measurement, the goal from
issue 8 when there is one, and whether it is met) and free-text notes (data
source, thread counts, the losses it compared). The runner joins the reports
into one Markdown table and puts it in docs/performance.md between two
markers, leaving every other section of that file as it was.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

START_MARKER = "<!-- core-benchmarks:start -->"
END_MARKER = "<!-- core-benchmarks:end -->"


@dataclass
class Row:
    """One line of the results table.

    `met` is True or False when the row has a goal, None when it is context only.
    """

    benchmark: str
    measurement: str
    value: str
    goal: str = ""
    met: bool | None = None

    def cells(self) -> list[str]:
        verdict = {True: "yes", False: "**no**", None: ""}[self.met]
        return [self.benchmark, self.measurement, self.value, self.goal or "—", verdict]


@dataclass
class Report:
    """Everything one benchmark has to say: its rows, its notes, raw numbers for --json."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


HEADER = ["benchmark", "measurement", "value", "goal (issue 8)", "met"]


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows: list[Row]) -> str:
    """The same table for the terminal: aligned columns, no Markdown pipes."""
    table = [HEADER, *(row.cells() for row in rows)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(cells, widths)) for cells in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ------------------------------------------------------------------ the machine


def cpu_model() -> str:
    """The CPU's "model name" line from /proc/cpuinfo (the processor on other systems)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_description() -> list[str]:
    """Bullet lines that say where the numbers come from."""
    return [
        f"nproc: {os.cpu_count()}; CPU: {cpu_model()}",
        f"Python {platform.python_version()}; numpy {package_version('numpy')}; "
        f"torch {package_version('torch')}",
    ]


# ------------------------------------------------------------------ the document


def render_section(rows: list[Row], notes: list[str], command: str, quick: bool,
                   threads: str) -> str:
    """The Markdown that goes between the markers; `threads` says how many threads the
    math libraries had (see benchmarks.threads)."""
    today = datetime.date.today().isoformat()
    lines = [
        START_MARKER,
        "## Core benchmarks",
        "",
        "Written by `benchmarks/` (do not edit by hand between the markers; re-run instead).",
        "",
        f"- Command: `{command}`" + (" (quick smoke-test sizes: not real measurements)"
                                     if quick else ""),
        f"- Date: {today}",
        *(f"- {line}" for line in machine_description()),
        f"- {threads}",
        "",
        markdown_table(rows),
        "",
        "Notes:",
        "",
        *(f"- {note}" for note in notes),
        END_MARKER,
    ]
    return "\n".join(lines)


def write_section(doc: Path, section: str) -> None:
    """Put `section` between the markers in `doc`, creating the file or markers if absent.

    Everything outside the markers is kept byte for byte.
    """
    text = doc.read_text() if doc.exists() else "# Performance\n"
    pattern = re.compile(re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
