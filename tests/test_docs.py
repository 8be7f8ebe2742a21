"""The documentation's op table lists exactly the registered ops."""

import re
from pathlib import Path

from tinygrad_edu.autograd import OPS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def table_ops(markdown: str, heading: str) -> set[str]:
    section = markdown.split(heading, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def test_ops_table_lists_exactly_the_registered_ops():
    documented = table_ops((DOCS / "ops.md").read_text(), "## Primitive ops")
    assert documented == set(OPS), (
        f"missing from docs/ops.md: {sorted(set(OPS) - documented)}; "
        f"documented but not registered: {sorted(documented - set(OPS))}"
    )


def test_every_op_docstring_states_its_derivative():
    for name, op in OPS.items():
        assert op.__doc__ and "dL/d" in op.__doc__, f"{name} has no derivative in its docstring"
