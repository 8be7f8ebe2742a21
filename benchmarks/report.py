"""What a benchmark reports, and how the runner prints it and writes it into the docs.

A benchmark returns a `Report`: table rows (a measurement, the goal of the
issue it answers when there is one, and whether it is met) and free-text notes (data
source, thread counts, the losses it compared). The runner joins the reports
into one Markdown table and puts it in docs/performance.md between two
markers, leaving every other section of that file as it was. A benchmark whose
table has other columns (the models against scikit-learn) brings its own
`Section`, which goes between markers of its own.
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
class Section:
    """A table of a benchmark's own, written into a section of its own of the docs:
    `header` and `cells` are the table, `summary` lines go under it."""

    title: str
    markers: tuple[str, str]
    header: list[str]
    cells: list[list[str]]
    summary: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything one benchmark has to say: its rows, its notes, raw numbers for --json,
    and its own `section` when its table does not fit the common one."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    section: Section | None = None


HEADER = ["benchmark", "measurement", "value", "goal", "met"]


def markdown_table(rows: list[Row], header: list[str] = HEADER,
                   cells: list[list[str]] | None = None) -> str:
    """The rows as a Markdown table (or any `cells` under any `header`)."""
    cells = [row.cells() for row in rows] if cells is None else cells
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(line) + " |" for line in cells]
    return "\n".join(lines)


def text_table(rows: list[Row], header: list[str] = HEADER,
               cells: list[list[str]] | None = None) -> str:
    """The same table for the terminal: aligned columns, no Markdown pipes."""
    table = [header, *([row.cells() for row in rows] if cells is None else cells)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)) for line in table]
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
        f"torch {package_version('torch')}; scikit-learn {package_version('scikit-learn')}",
    ]


# ------------------------------------------------------------------ the document


def render_section(rows: list[Row], notes: list[str], command: str, quick: bool,
                   threads: str, own: Section | None = None) -> str:
    """The Markdown that goes between the markers; `threads` says how many threads the
    math libraries had (see benchmarks.threads). With `own`, that section's table and
    markers instead of the core benchmarks' (`rows` is then unused)."""
    today = datetime.date.today().isoformat()
    start, end = (START_MARKER, END_MARKER) if own is None else own.markers
    table = (markdown_table(rows) if own is None
             else markdown_table([], own.header, own.cells))
    summary = [] if own is None else [*(f"- {line}" for line in own.summary), ""]
    lines = [
        start,
        f"## {'Core benchmarks' if own is None else own.title}",
        "",
        "Written by `benchmarks/` (do not edit by hand between the markers; re-run instead).",
        "",
        f"- Command: `{command}`" + (" (quick smoke-test sizes: not real measurements)"
                                     if quick else ""),
        f"- Date: {today}",
        *(f"- {line}" for line in machine_description()),
        f"- {threads}",
        "",
        table,
        "",
        *summary,
        "Notes:",
        "",
        *(f"- {note}" for note in notes),
        end,
    ]
    return "\n".join(lines)


def write_section(doc: Path, section: str) -> None:
    """Put `section` between its markers in `doc` (its first and its last line), creating
    the file or appending the section if absent.

    Everything outside the markers is kept byte for byte.
    """
    text = doc.read_text() if doc.exists() else "# Performance\n"
    lines = section.splitlines()
    start, end = lines[0], lines[-1]
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)
