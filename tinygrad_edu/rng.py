"""The one random number generator behind rand, randn, dropout and layer init."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

_generator = np.random.default_rng()


class _Override(threading.local):
    """A generator that `seeded` puts in place for the current thread only."""

    generator: np.random.Generator | None = None


_override = _Override()


def manual_seed(seed: int) -> None:
    """Make every later random draw of tinygrad_edu reproducible."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    return _override.generator or _generator


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Draw from a generator seeded with `seed` inside, in this thread, and give
    the previous one back afterwards (a library call can be reproducible without
    resetting yours, and without touching what other threads draw)."""
    previous = _override.generator
    _override.generator = np.random.default_rng(seed)
    try:
        yield
    finally:
        _override.generator = previous
