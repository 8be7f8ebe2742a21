"""The example scripts run and reach the results they claim."""

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gradient_descent_basics_recovers_the_line_and_separates_the_blobs(capsys):
    example = load_example("gradient_descent_basics")
    w, b = example.fit_line()
    assert w == pytest.approx(3.0, abs=0.05) and b == pytest.approx(-2.0, abs=0.05)
    assert example.fit_logistic_boundary() >= 0.97
    assert "mse" in capsys.readouterr().out
