"""The LeNet-5 epoch that `lenet_epoch` times, written with tinygrad_edu and with PyTorch.

conv (1→6, 5×5, padding 2) → ReLU → max-pool 2 → conv (6→16, 5×5) → ReLU →
max-pool 2 → flatten → 120 → ReLU → 84 → ReLU → 10, softmax cross-entropy, Adam
(lr 1e-3), batch 64, float32, one pass over the 60,000 MNIST training images.

Both contenders get the same `Problem`: the same images (scaled to [0, 1] and
standardised with MNIST's mean 0.1307 and std 0.3081), the same initial weights
(PyTorch's default initialisation, drawn by torch from seed 0 when it is
installed, else by tinygrad_edu) and the same batch order, so their batch
losses must agree up to float32 rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from benchmarks.mlp import _real_mnist, _synthetic, tinygrad_epoch, torch_epoch

BATCH_SIZE = 64
LEARNING_RATE = 1e-3
FULL_SAMPLES = 60_000
QUICK_SAMPLES = 512
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
SEED = 0


def build_tinygrad():
    """LeNet-5 as an nn.Sequential of tinygrad_edu layers."""
    from tinygrad_edu import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def build_torch():
    """The same network in torch.nn, with the same state-dict keys."""
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


@dataclass
class Problem:
    """Images (N, 1, 28, 28), labels, the epoch's batch order and the initial weights."""

    X: np.ndarray
    y: np.ndarray
    order: np.ndarray
    initial: dict[str, np.ndarray]
    source: str

    @property
    def batches(self) -> list[np.ndarray]:
        return [self.order[i:i + BATCH_SIZE] for i in range(0, len(self.order), BATCH_SIZE)]


def standardize(pixels: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] (any shape) -> (N, 1, 28, 28) float32 with MNIST's mean and std."""
    images = pixels.reshape(-1, 1, 28, 28).astype(np.float32)
    return (images - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)


def initial_weights() -> dict[str, np.ndarray]:
    """PyTorch's default initialisation of LeNet-5 (from torch, seed 0, when installed)."""
    try:
        import torch
    except ImportError:
        import tinygrad_edu as tg

        tg.manual_seed(SEED)
        return {k: v.numpy().copy() for k, v in build_tinygrad().state_dict().items()}
    torch.manual_seed(SEED)
    return {k: v.numpy().copy() for k, v in build_torch().state_dict().items()}


def make_problem(quick: bool) -> Problem:
    samples = QUICK_SAMPLES if quick else FULL_SAMPLES
    rng = np.random.default_rng(SEED)
    X, y, source = _real_mnist(samples) or _synthetic(samples, rng)
    return Problem(standardize(X), y, rng.permutation(len(X)), initial_weights(), source)


EpochRun = Callable[[], np.ndarray]


def in_float64(problem: Problem, batches: int) -> Problem:
    """The first `batches` batches of `problem` with images and weights in float64:
    there rounding is ~10⁻¹⁶ per step, so equal maths gives equal losses."""
    return Problem(problem.X.astype(np.float64), problem.y, problem.order[:batches * BATCH_SIZE],
                   {k: v.astype(np.float64) for k, v in problem.initial.items()}, problem.source)


def prepare_tinygrad(problem: Problem) -> EpochRun:
    from tinygrad_edu import optim

    model = build_tinygrad().to(problem.X.dtype)
    model.load_state_dict(problem.initial)
    return tinygrad_epoch(model, optim.Adam(model.parameters(), lr=LEARNING_RATE), problem)


def prepare_torch(problem: Problem) -> EpochRun:
    import torch

    model = build_torch().to(getattr(torch, problem.X.dtype.name))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in problem.initial.items()})
    return torch_epoch(model, torch.optim.Adam(model.parameters(), lr=LEARNING_RATE), problem)


def torch_without_onednn(problem: Problem) -> np.ndarray:
    """The batch losses of PyTorch's epoch with its oneDNN convolutions switched off (its
    own im2col ones instead): the same maths in another order of float32 additions, which
    shows how far two correct float32 trajectories drift apart over an epoch."""
    import torch

    with torch.backends.mkldnn.flags(enabled=False):
        return prepare_torch(problem)()


PREPARES: dict[str, Callable[[Problem], EpochRun]] = {
    "tinygrad_edu": prepare_tinygrad,
    "torch": prepare_torch,
}
