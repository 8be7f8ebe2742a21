"""Smoke test of the benchmark runner: `python -m benchmarks --quick` into a copy of the docs
(the core benchmarks, and the models and the case studies against scikit-learn in sections
of their own).

It checks that the runner works end to end and writes what it promises (every
benchmark's rows, the goals, the agreeing MLP losses) without touching the rest
of the document. No timing is asserted: speed is measured by `make bench`,
never tested.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BENCHMARKS = ["mlp_epoch", "lenet_epoch", "op_overhead", "memory", "deep_graph",
              "graph_length", "gradcheck_cost"]
START, END = "<!-- core-benchmarks:start -->", "<!-- core-benchmarks:end -->"
OTHER_SECTION = "## Someone else's section\n\nThis text must survive the runner.\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[str, str, dict]:
    """Run the quick benchmarks once into a copy of docs/performance.md (plus a section
    the runner must leave alone); return the text before, the text after and the JSON."""
    folder = tmp_path_factory.mktemp("bench")
    doc, raw = folder / "performance.md", folder / "results.json"
    before = (DOC.read_text() if DOC.exists() else "# Performance\n") + "\n" + OTHER_SECTION
    doc.write_text(before)
    only = [argument for name in BENCHMARKS for argument in ("--only", name)]
    subprocess.run([sys.executable, "-m", "benchmarks", "--quick", *only, "--doc", str(doc),
                    "--json", str(raw)], cwd=ROOT, check=True, capture_output=True, text=True)
    return before, doc.read_text(), json.loads(raw.read_text())


def section(text: str) -> str:
    return text[text.index(START):text.index(END) + len(END)]


def table_rows(text: str) -> list[list[str]]:
    """The cells of each row of the results table (header and rule excluded)."""
    lines = [line for line in section(text).splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]


def test_every_benchmark_has_rows_in_the_table(quick_run):
    _, after, _ = quick_run
    names = {cells[0] for cells in table_rows(after)}
    assert names == set(BENCHMARKS)


def test_the_section_says_how_where_and_when(quick_run):
    _, after, _ = quick_run
    text = section(after)
    assert "-m benchmarks --quick" in text
    assert re.search(r"Date: \d{4}-\d{2}-\d{2}", text)
    for fact in ("nproc", "CPU", "numpy", "torch"):
        assert fact in text


def test_goals_are_printed_next_to_the_measurements(quick_run):
    _, after, _ = quick_run
    with_goals = {cells[0] for cells in table_rows(after) if cells[3] != "—"}
    assert {"mlp_epoch", "op_overhead", "memory", "deep_graph", "graph_length"} <= with_goals
    assert all(cells[4] in ("yes", "**no**") for cells in table_rows(after) if cells[3] != "—")


def test_the_mlp_losses_agree(quick_run):
    _, after, raw = quick_run
    losses = raw["mlp_epoch"]["last_batch_loss"]
    assert {"tinygrad_edu", "numpy", "minimal"} <= set(losses)  # the floor computes the same
    values = np.array(list(losses.values()))
    np.testing.assert_allclose(values, values[0], rtol=1e-4)
    assert raw["mlp_epoch"]["losses_agree"]
    loss_row = next(c for c in table_rows(after) if c[1].startswith("last-batch loss"))
    assert loss_row[4] == "yes"


def test_the_lenet_losses_agree_and_pytorch_against_itself_is_shown(quick_run):
    _, after, raw = quick_run
    lenet = raw["lenet_epoch"]
    if "batch_losses" not in lenet:
        pytest.skip("PyTorch is not installed")
    ours, torch = (np.array(lenet["batch_losses"][name]) for name in ("tinygrad_edu", "torch"))
    torch_again = np.array(lenet["torch_without_onednn_batch_losses"])
    assert len(torch_again) == len(torch)
    np.testing.assert_allclose(ours, torch, rtol=1e-3)  # --quick: eight batches
    np.testing.assert_allclose(torch_again, torch, rtol=1e-3)
    assert any("PyTorch against itself" in cells[1] for cells in table_rows(after)
               if cells[0] == "lenet_epoch")


def test_gradchecks_pass(quick_run):
    _, _, raw = quick_run
    assert all(mode["passed"] for mode in raw["gradcheck_cost"].values())


def test_the_rest_of_the_document_is_untouched(quick_run):
    before, after, _ = quick_run
    outside = after.replace(section(after), "")
    if START in before:
        assert outside == before.replace(section(before), "")
    else:
        assert outside.startswith(before.rstrip("\n"))
    assert OTHER_SECTION in after


def test_the_minimal_engine_gets_the_chain_gradient_that_tinygrad_edu_gets():
    """The floor contender of op_overhead must compute the same thing it is compared with."""
    import tinygrad_edu as tg
    from benchmarks.minimal_engine import Value

    start = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    add, mul = np.full(3, 0.25, dtype=np.float32), np.array([0.9, 1.1, -2.0], dtype=np.float32)
    ours, floor = tg.Tensor(start, requires_grad=True), Value(start)
    x, y = ours, floor
    for _ in range(5):
        x, y = (x + tg.Tensor(add)) * tg.Tensor(mul), (y + Value(add)) * Value(mul)
    x.backward(np.ones(3, dtype=np.float32))
    y.backward(np.ones(3, dtype=np.float32))
    np.testing.assert_allclose(y.data, x.data, rtol=1e-6)
    np.testing.assert_allclose(floor.grad, ours.grad.data, rtol=1e-6)
    np.testing.assert_allclose(floor.grad, mul ** 5, rtol=1e-6)


OWN_SECTIONS = {
    # benchmark: (its rows, its markers)
    "models": (15, ("<!-- models-benchmark:start -->", "<!-- models-benchmark:end -->")),
    "case_studies": (16, ("<!-- case-studies-benchmark:start -->",
                          "<!-- case-studies-benchmark:end -->")),
}


@pytest.mark.parametrize("benchmark", OWN_SECTIONS)
def test_a_models_benchmark_writes_every_row_in_its_own_section(benchmark, datasets, tmp_path):
    """`--quick --only models` on a few hundred rows (all fifteen models), and `--only
    case_studies` (the sixteen pairs of the case studies' scripts): each row with two times,
    a ratio and the scores, in a section of its own; the core section is left alone."""
    row_count, (start, end) = OWN_SECTIONS[benchmark]
    doc = tmp_path / "performance.md"
    before = (DOC.read_text() if DOC.exists() else "# Performance\n") + "\n" + OTHER_SECTION
    doc.write_text(before)
    env = {**os.environ, "TINYGRAD_EDU_DATA": str(datasets)}
    subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", benchmark,
                    "--doc", str(doc)], cwd=ROOT, env=env, check=True, capture_output=True,
                   text=True)
    after = doc.read_text()
    own = after[after.index(start):after.index(end)]
    lines = [line for line in own.splitlines() if line.startswith("| ")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:]]
    assert len(rows) == row_count and len({cells[0] for cells in rows}) == row_count
    for name, _, ours, theirs, ratio, our_score, their_score in rows:
        assert re.fullmatch(r"[\d.]+ m?s", ours) and re.fullmatch(r"[\d.]+ m?s", theirs)
        assert ratio.endswith("×")
        if our_score == "same labels" or our_score.startswith("ARI "):
            assert name.startswith(("KMeans", "Agglomerative", "mall: ")), name
        else:
            assert 0 < float(our_score) <= 1 and 0 < float(their_score) <= 1, name
    assert re.search(r"Median ratio [\d.]+×; the worst [\d.]+×", own)
    assert f"-m benchmarks --quick --only {benchmark}" in own
    if START in before:
        assert section(after) == section(before)
    assert OTHER_SECTION in after


@pytest.mark.parametrize("engine", ["tinygrad_edu", "minimal"])
def test_the_instruction_count_child_runs_the_chain_and_its_backward(engine):
    from benchmarks import chains, instructions

    x0 = instructions.run_chain(engine, 40, collector=False, backward=True)
    # x₂₀ = (...((x₀ + a) m + a) m ...): dx₂₀/dx₀ = m²⁰
    np.testing.assert_allclose(np.asarray(x0.grad), np.float32(chains.MUL) ** 20, rtol=1e-5)
    assert instructions.run_chain(engine, 40, collector=True, backward=False).grad is None


def test_the_instruction_count_child_trains_the_tiny_mlp_alike_in_every_contender():
    from benchmarks import instructions

    losses = {engine: instructions.run_training(engine, 20)
              for engine in instructions.TRAINING_ENGINES}
    assert losses["tinygrad_edu"].shape == (20,)
    for engine in ("minimal", "numpy"):
        np.testing.assert_allclose(losses[engine], losses["tinygrad_edu"], rtol=1e-5)
