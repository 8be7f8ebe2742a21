"""The command line every example shares (`--out DIR`, `--quick`) and its results table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def parse_args(name: str, description: str, argv: Sequence[str] | None,
               parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    """Parse `--out DIR` (default outputs/<name>) and `--quick` (a short run for the tests).

    A script with more options builds its own `parser` and passes it in.
    """
    parser = parser or argparse.ArgumentParser()
    parser.description = description
    parser.add_argument("--out", type=Path, default=Path("outputs") / name,
                        help=f"folder for the PNG figures (default: outputs/{name})")
    parser.add_argument("--quick", action="store_true",
                        help="a short run on less data, as the test suite does")
    return parser.parse_args(argv)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as an aligned Markdown table; floats get 4 decimals."""
    cells = [[f"{c:.4f}" if isinstance(c, float) else str(c) for c in row]
             for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"

    print(f"\n{title}\n")
    print(line(cells[0]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(line(row))
    print()


def print_figures(paths: Sequence[Path]) -> None:
    """Tell the reader where each figure was written."""
    print("Figures:")
    for path in paths:
        print(f"  {path}")
