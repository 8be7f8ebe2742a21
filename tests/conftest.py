"""Test settings shared by the whole suite."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Bounded and derandomized, so a run takes the same time and finds the same examples.
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def data_dir() -> Path | None:
    """The shared datasets directory from TINYGRAD_EDU_DATA, or None when absent."""
    root = os.environ.get("TINYGRAD_EDU_DATA")
    return Path(root) if root and Path(root).is_dir() else None


@pytest.fixture
def datasets() -> Path:
    """The real datasets directory; skips the test when it is not available."""
    root = data_dir()
    if root is None:
        pytest.skip("real data not available: set TINYGRAD_EDU_DATA to the shared datasets dir")
    return root
