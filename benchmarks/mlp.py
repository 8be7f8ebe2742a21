"""The MLP epoch that `mlp_epoch` times and `memory` weighs, written three ways.

784 → 128 → ReLU → 10, softmax cross-entropy (mean over the batch), plain SGD
with lr 0.1, batch 128, float32, one pass over 60,000 MNIST-shaped samples.

* `prepare_tinygrad`: nn.Sequential + optim.SGD + F.cross_entropy.
* `prepare_numpy`: the same network in vectorized NumPy, backward derived by hand.
* `prepare_torch`: the same network in PyTorch on the CPU.
* `prepare_minimal`: the same ops on `benchmarks/minimal_engine.py`, the floor of a
  Python engine (context for the tinygrad_edu / NumPy goal).

All four get the same `Problem`: the same data, the same initial weights
(PyTorch's default initialisation, drawn once with NumPy) and the same shuffle
order, so their losses must agree up to float32 rounding. Each `prepare_*`
builds a fresh model outside the clock and returns the run that trains it for
one epoch and returns the loss of every batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IN_FEATURES, HIDDEN, CLASSES = 784, 128, 10
BATCH_SIZE = 128
LEARNING_RATE = 0.1
FULL_SAMPLES = 60_000
QUICK_SAMPLES = 1_024
SEED = 0


@dataclass
class Problem:
    """Data, shuffle order and initial weights (PyTorch state-dict names and layouts)."""

    X: np.ndarray  # (n, 784) float32 in [0, 1]
    y: np.ndarray  # (n,) int64 class indices
    order: np.ndarray  # a permutation of range(n): the epoch's shuffle
    initial: dict[str, np.ndarray]  # "0.weight" (128, 784), "0.bias", "2.weight", "2.bias"
    source: str  # where X and y came from, for the report
    batch_size: int = BATCH_SIZE

    @property
    def batches(self) -> list[np.ndarray]:
        """The index arrays of the epoch's batches (the last one may be short)."""
        size = self.batch_size
        return [self.order[i:i + size] for i in range(0, len(self.order), size)]

    @property
    def layer_sizes(self) -> tuple[int, int, int]:
        """(inputs, hidden units, classes), read from the initial weights."""
        hidden, inputs = self.initial["0.weight"].shape
        return inputs, hidden, self.initial["2.weight"].shape[0]


def _real_mnist(samples: int) -> tuple[np.ndarray, np.ndarray, str] | None:
    """The first `samples` MNIST training images from $TINYGRAD_EDU_DATA, if they are there."""
    shared = os.environ.get("TINYGRAD_EDU_DATA")
    if not shared or not (Path(shared) / "mnist").is_dir():
        return None
    try:
        from tinygrad_edu.data.datasets import load_mnist
        images, labels = load_mnist(Path(shared) / "mnist", split="train", download=False)
    except (ImportError, OSError, ValueError):
        return None
    X = images[:samples].reshape(-1, IN_FEATURES).astype(np.float32) / np.float32(255)
    y = labels[:samples].astype(np.int64)
    return X, y, "real MNIST training images from $TINYGRAD_EDU_DATA"


def _synthetic(samples: int, rng: np.random.Generator, features: int = IN_FEATURES
               ) -> tuple[np.ndarray, np.ndarray, str]:
    X = rng.random((samples, features), dtype=np.float32)
    y = rng.integers(0, CLASSES, samples).astype(np.int64)
    return X, y, "synthetic uniform [0, 1) data of MNIST's shape ($TINYGRAD_EDU_DATA not set)"


def _linear_init(rng: np.random.Generator, fan_in: int, fan_out: int) -> list[np.ndarray]:
    """PyTorch's nn.Linear default: weight and bias both U(-1/√fan_in, 1/√fan_in)."""
    bound = 1 / np.sqrt(fan_in)
    weight = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
    bias = rng.uniform(-bound, bound, fan_out).astype(np.float32)
    return [weight, bias]


def _initial_weights(rng: np.random.Generator, inputs: int, hidden: int) -> dict[str, np.ndarray]:
    w0, b0 = _linear_init(rng, inputs, hidden)
    w2, b2 = _linear_init(rng, hidden, CLASSES)
    return {"0.weight": w0, "0.bias": b0, "2.weight": w2, "2.bias": b2}


def make_problem(quick: bool) -> Problem:
    """Real MNIST when $TINYGRAD_EDU_DATA holds it, otherwise synthetic data of its shape."""
    samples = QUICK_SAMPLES if quick else FULL_SAMPLES
    rng = np.random.default_rng(SEED)
    X, y, source = _real_mnist(samples) or _synthetic(samples, rng)
    initial = _initial_weights(rng, IN_FEATURES, HIDDEN)
    return Problem(X, y, rng.permutation(len(X)), initial, source)


def tiny_problem(batches: int) -> Problem:
    """The same network at 8 → 8 → 10 with batches of 4, on synthetic data: the
    arithmetic is so small that a training step costs what the framework does
    around it (`benchmarks.instructions --workload mlp` counts it)."""
    rng = np.random.default_rng(SEED)
    X, y, _ = _synthetic(4 * batches, rng, features=8)
    return Problem(X, y, np.arange(len(X)), _initial_weights(rng, 8, 8),
                   "synthetic, 8 features", batch_size=4)


EpochRun = Callable[[], np.ndarray]
"""One epoch of training; returns the loss of each batch (float64, in order)."""


# ------------------------------------------------------------------ tinygrad_edu


def prepare_tinygrad(problem: Problem) -> EpochRun:
    from tinygrad_edu import nn, optim

    inputs, hidden, classes = problem.layer_sizes
    model = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, classes))
    model.load_state_dict(problem.initial)
    return tinygrad_epoch(model, optim.SGD(model.parameters(), lr=LEARNING_RATE), problem)


def tinygrad_epoch(model, optimizer, problem) -> EpochRun:
    """One epoch of `model` in tinygrad_edu over the problem's batches, softmax
    cross-entropy, returning the loss of every batch (the LeNet benchmark uses it too)."""
    import tinygrad_edu.functional as F
    from tinygrad_edu import Tensor

    def epoch() -> np.ndarray:
        losses = []
        for index in problem.batches:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(Tensor(problem.X[index], dtype=problem.X.dtype)),
                                   problem.y[index])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return np.array(losses)

    return epoch


# ------------------------------------------------------------------ NumPy by hand


def prepare_numpy(problem: Problem) -> EpochRun:
    W1, b1, W2, b2 = (problem.initial[k].copy()
                      for k in ("0.weight", "0.bias", "2.weight", "2.bias"))

    def epoch() -> np.ndarray:
        losses = []
        for index in problem.batches:
            x, target = problem.X[index], problem.y[index]
            rows = np.arange(len(index))
            # forward: h = x W1ᵀ + b1, r = relu(h), z = r W2ᵀ + b2
            h = x @ W1.T + b1
            r = np.maximum(h, 0)
            z = r @ W2.T + b2
            # loss = mean(-log softmax(z)[target]), with the max subtracted for stability
            shifted = z - z.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            total = exp.sum(axis=1, keepdims=True)
            losses.append(float(-(shifted[rows, target] - np.log(total[:, 0])).mean()))
            # backward: dL/dz = (softmax(z) - onehot(target)) / batch
            dz = exp / total
            dz[rows, target] -= 1
            dz /= len(index)
            dW2, db2 = dz.T @ r, dz.sum(axis=0)
            dh = (dz @ W2) * (h > 0)
            dW1, db1 = dh.T @ x, dh.sum(axis=0)
            # SGD: θ ← θ - lr ∇θ, in place
            for param, grad in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
                param -= LEARNING_RATE * grad
        return np.array(losses)

    return epoch


# ------------------------------------------------------------------ PyTorch


def prepare_torch(problem: Problem) -> EpochRun:
    import torch

    inputs, hidden, classes = problem.layer_sizes
    model = torch.nn.Sequential(torch.nn.Linear(inputs, hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, classes))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in problem.initial.items()})
    return torch_epoch(model, torch.optim.SGD(model.parameters(), lr=LEARNING_RATE), problem)


def torch_epoch(model, optimizer, problem) -> EpochRun:
    """One epoch of `model` in PyTorch over the problem's batches, softmax cross-entropy,
    returning the loss of every batch (the LeNet benchmark uses it too)."""
    import torch

    X, y = torch.from_numpy(problem.X), torch.from_numpy(problem.y)
    batches = [torch.from_numpy(index) for index in problem.batches]

    def epoch() -> np.ndarray:
        losses = []
        for index in batches:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X[index]), y[index])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return np.array(losses)

    return epoch


# ------------------------------------------------------------------ the floor


def prepare_minimal(problem: Problem) -> EpochRun:
    """The epoch on `benchmarks.minimal_engine`: tinygrad_edu's NumPy lines in the least
    engine a Python autodiff can be (a value object and a closure per op, no checks)."""
    from benchmarks.minimal_engine import Value, linear, log_softmax, nll_loss, relu

    params = [Value(problem.initial[k].copy()) for k in ("0.weight", "0.bias", "2.weight",
                                                         "2.bias")]
    W1, b1, W2, b2 = params

    def epoch() -> np.ndarray:
        losses = []
        for index in problem.batches:
            for param in params:
                param.grad = None
            logits = linear(relu(linear(Value(problem.X[index]), W1, b1)), W2, b2)
            loss = nll_loss(log_softmax(logits), problem.y[index])
            loss.backward(np.ones_like(loss.data))
            for param in params:
                param.data -= LEARNING_RATE * param.grad
            losses.append(float(loss.data))
        return np.array(losses)

    return epoch


PREPARES: dict[str, Callable[[Problem], EpochRun]] = {
    "tinygrad_edu": prepare_tinygrad,
    "numpy": prepare_numpy,
    "torch": prepare_torch,
    "minimal": prepare_minimal,
}
"""Contender name -> its prepare function, in the order the rounds alternate."""
