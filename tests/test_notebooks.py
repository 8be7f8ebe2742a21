"""The notebooks under docs/notebooks: stored clean, and each runs top to bottom.

Every notebook (found by glob, so new ones are tested too) is executed with
nbclient in a Jupyter kernel of this Python (the kernel "python3" is started with
sys.executable), from the notebook's own folder, with PYTHONPATH pointing at the
repository and TINYGRAD_EDU_DATA passed through. It must raise no error and show at
least one figure (a PNG or SVG output: a matplotlib plot or a graph drawing).

A notebook that needs real data says so in its metadata, with the names of the
folders it reads under $TINYGRAD_EDU_DATA:

    "metadata": {"tinygrad_edu": {"datasets": ["power-plant", "mnist"]}}

and is skipped, with the reason, when the variable is unset or a folder is missing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed "
                               "(pip install -e '.[dev]')")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed "
                               "(pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").rglob("*.ipynb"))
TIMEOUT = 120
"""Seconds one cell may run; each notebook takes a few seconds in all."""

FIGURES = {"image/png", "image/svg+xml"}


def notebook_id(path: Path) -> str:
    return path.relative_to(ROOT / "docs" / "notebooks").as_posix()


def missing_data(notebook: dict) -> str | None:
    """Why the notebook cannot run here (its datasets are not available), or None."""
    needed = notebook.get("metadata", {}).get("tinygrad_edu", {}).get("datasets", [])
    if not needed:
        return None
    root = os.environ.get("TINYGRAD_EDU_DATA")
    if not root:
        return f"needs the datasets {needed}: set TINYGRAD_EDU_DATA to the datasets folder"
    absent = [name for name in needed if not (Path(root) / name).is_dir()]
    if absent:
        return f"needs the datasets {absent}, not found under TINYGRAD_EDU_DATA"
    return None


def test_there_are_notebooks():
    names = {notebook_id(path) for path in NOTEBOOKS}
    assert {"tour.ipynb", "exercises.ipynb", "labs/overwritten_gradient.ipynb",
            "labs/missing_unbroadcast.ipynb", "labs/mean_without_1_over_n.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_notebook_is_stored_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [index for index, cell in enumerate(notebook["cells"])
             if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert dirty == [], (f"cells {dirty} of {notebook_id(path)} have outputs or execution "
                         "counts: clear them before committing (Edit → Clear Outputs of All "
                         "Cells in JupyterLab)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=notebook_id)
def test_notebook_runs_and_shows_a_figure(path):
    notebook = nbformat.read(path, as_version=4)
    reason = missing_data(notebook)
    if reason:
        pytest.skip(reason)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # Jupyter's own default
    client = nbclient.NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=env)  # raises CellExecutionError, with the cell and traceback
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if FIGURES & set(o.get("data", {}))]
    assert figures, f"{notebook_id(path)} shows no figure (no image/png or image/svg+xml output)"


def test_the_kernel_is_this_python():
    """nbclient starts "python3" with sys.executable (jupyter_client replaces a spec's
    `python`), so the notebooks run in the project's environment, not another one."""
    from jupyter_client.manager import KernelManager

    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert command[0] == sys.executable, f"the kernel python3 runs {command[0]}"
