"""The one random number generator behind rand, randn, dropout and layer init."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Make every later random draw of tinygrad_edu reproducible."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    return _generator


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw from a generator seeded with `seed` inside, and give the previous one
    back afterwards (a library call can be reproducible without resetting yours)."""
    global _generator
    previous = _generator
    _generator = np.random.default_rng(seed)
    try:
        yield
    finally:
        _generator = previous
