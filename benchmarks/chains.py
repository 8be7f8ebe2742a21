"""The op chain that `op_overhead` and `deep_graph` time: `x = x + a; x = x * m`, repeated.

Each pair of lines is two ops, so a chain of `n_ops` ops repeats it n_ops / 2
times. Only the start x₀ requires grad (a and m are constants), so backward is
the engine walking n_ops nodes and calling each op's rule once: per-op overhead,
with as little arithmetic as possible when the tensors are tiny. a = 0.001 and
m = 0.999 keep x bounded however long the chain.

Each `prepare_*(shape, n_ops)` builds fresh tensors (untimed) and returns a run
that times its "forward" and "backward" phases with a `Stopwatch` and returns them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from benchmarks.timing import Run, Stopwatch

START, ADD, MUL = 0.5, 0.001, 0.999

Shape = tuple[int, ...]


def _filled(shape: Shape, value: float) -> np.ndarray:
    return np.full(shape, value, dtype=np.float32)


def _chain(x0, a, m, n_ops: int):
    """x₀ through n_ops ops: `x = x + a; x = x * m`, n_ops / 2 times (any array-like type)."""
    x = x0
    for _ in range(n_ops // 2):
        x = x + a
        x = x * m
    return x


def _timed_chain(x0, a, m, seed, n_ops: int) -> Run:
    """The chain and its backward, timed; the same code drives every engine it is given."""

    def run() -> dict[str, float]:
        watch = Stopwatch()
        with watch("forward"):
            x = _chain(x0, a, m, n_ops)
        with watch("backward"):
            x.backward(seed)
        return watch.seconds

    return run


def tinygrad_start(shape: Shape) -> tuple:
    """x₀, a, m and the backward seed as tinygrad_edu tensors (the seed an array)."""
    import tinygrad_edu as tg

    x0 = tg.Tensor(_filled(shape, START), requires_grad=True)
    a, m = tg.Tensor(_filled(shape, ADD)), tg.Tensor(_filled(shape, MUL))
    return x0, a, m, np.ones(shape, dtype=np.float32)


def prepare_tinygrad(shape: Shape, n_ops: int) -> Run:
    return _timed_chain(*tinygrad_start(shape), n_ops)


def prepare_torch(shape: Shape, n_ops: int) -> Run:
    import torch

    x0 = torch.from_numpy(_filled(shape, START)).requires_grad_()
    a, m = torch.from_numpy(_filled(shape, ADD)), torch.from_numpy(_filled(shape, MUL))
    return _timed_chain(x0, a, m, torch.ones(shape), n_ops)


def minimal_start(shape: Shape) -> tuple:
    """x₀, a, m and the backward seed on `benchmarks.minimal_engine`."""
    from benchmarks.minimal_engine import Value

    x0 = Value(_filled(shape, START))
    a, m = Value(_filled(shape, ADD)), Value(_filled(shape, MUL))
    return x0, a, m, np.ones(shape, dtype=np.float32)


def prepare_minimal(shape: Shape, n_ops: int) -> Run:
    """The same chain on `benchmarks.minimal_engine`: the floor of a Python engine."""
    return _timed_chain(*minimal_start(shape), n_ops)


def prepare_numpy(shape: Shape, n_ops: int) -> Run:
    """Raw NumPy: the forward loop, and the backward a person would write by hand.

    dx_final/dx₀ is a product of the local derivatives: 1 for each add (the
    gradient passes through unchanged, so the loop does nothing for it) and m
    for each mul, so the hand-written backward is one multiply per pair.
    """
    x0, a, m = _filled(shape, START), _filled(shape, ADD), _filled(shape, MUL)

    def run() -> dict[str, float]:
        watch = Stopwatch()
        with watch("forward"):
            _chain(x0, a, m, n_ops)
        with watch("backward"):
            grad = np.ones(shape, dtype=np.float32)
            for _ in range(n_ops // 2):
                grad = grad * m  # mul's rule; add's rule is the identity
        return watch.seconds

    return run


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def contenders(frameworks: list[str], shape: Shape, n_ops: int) -> dict[str, Callable[[], Run]]:
    """Prepare functions for `timing.alternate`, one per framework name
    ("tinygrad_edu", "torch", "minimal", "numpy"); PyTorch is left out when it is not installed."""
    prepares = {"tinygrad_edu": prepare_tinygrad, "torch": prepare_torch,
                "minimal": prepare_minimal, "numpy": prepare_numpy}
    return {name: (lambda prepare=prepares[name]: prepare(shape, n_ops))
            for name in frameworks if name != "torch" or torch_available()}
