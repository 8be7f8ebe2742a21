"""The documentation's op table lists exactly the registered ops."""

import re
from pathlib import Path

from tinygrad_edu.autograd import OPS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def table_ops(markdown: str, heading: str) -> set[str]:
    section = markdown.split(heading, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE))


def test_ops_table_lists_exactly_the_registered_ops():
    documented = table_ops((DOCS / "ops.md").read_text(), "## Primitive ops")
    assert documented == set(OPS), (
        f"missing from docs/ops.md: {sorted(set(OPS) - documented)}; "
        f"documented but not registered: {sorted(documented - set(OPS))}"
    )


def test_every_op_docstring_states_its_derivative():
    for name, op in OPS.items():
        assert op.__doc__ and "dL/d" in op.__doc__, f"{name} has no derivative in its docstring"


def test_docs_and_readme_name_no_folder_of_a_particular_machine():
    """The docs say $TINYGRAD_EDU_DATA or /path/to/datasets, never where a machine keeps data."""
    machine_path = re.compile(r"(?<![\w.~/$-])/(?:work|root|home|tmp|Users|mnt|opt|srv|var)/"
                              r"|\b[A-Za-z]:\\(?:Users|work)\\")
    text_files = [p for p in DOCS.rglob("*")
                  if p.suffix in {".md", ".js", ".py", ".dot", ".svg", ".ipynb"}]
    found = [f"{path.relative_to(DOCS.parent)}:{number}: {line.strip()}"
             for path in [*text_files, DOCS.parent / "README.md"]
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if machine_path.search(line)]
    assert not found, "machine paths in the docs:\n" + "\n".join(found)
