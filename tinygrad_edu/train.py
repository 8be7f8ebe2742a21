"""fit: the one training loop, with validation, history, early stopping and a progress bar.

    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()),
                  train_loader, val_loader, epochs=10, metric=accuracy, early_stopping=3)
    history.val_loss        # one number per epoch

One epoch is: model.train(); for every batch, zero the gradients, run the
model, compute the loss, backpropagate, step the optimizer. Then, if there is a
validation loader: model.eval() and, under no_grad (no graph is recorded),
the mean loss and metric over the validation set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from tinygrad_edu.autograd import no_grad
from tinygrad_edu.tensor import Tensor

Metric = Callable[[Tensor, Tensor], float]
Callback = Callable[[int, "History"], bool | None]
MONITORS = ("val_loss", "val_metric", "train_loss", "train_metric")


@dataclass
class History:
    """Per-epoch means over all samples: losses, and metrics when `fit` got one.

    `best_epoch` (0-based) is the epoch whose weights early stopping restored.
    """

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def accuracy(outputs: Tensor, targets: Any) -> float:
    """The fraction of rows whose largest score (outputs of shape (N, C)) is the target class."""
    targets = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if outputs.ndim != 2 or targets.shape != (outputs.shape[0],):
        raise ValueError(f"accuracy: expected scores (N, C) and targets (N,), "
                         f"got shapes {outputs.shape} and {targets.shape}")
    return float(np.mean(np.argmax(outputs.data, axis=1) == targets))


class EarlyStopping:
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    Losses improve by going down, metrics by going up. With
    `restore_best_weights` the model gets back the weights of its best epoch
    (a copy of its state dict is kept each time it improves).
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0, monitor: str = "val_loss",
                 restore_best_weights: bool = True):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(
                f"EarlyStopping: patience must be a positive integer, got {patience!r}")
        if monitor not in MONITORS:
            raise ValueError(f"EarlyStopping: monitor must be one of {MONITORS}, got {monitor!r}")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.min_delta = min_delta
        self.monitor = monitor
        self.restore_best_weights = restore_best_weights
        self.reset()

    def reset(self) -> None:
        """Forget earlier runs (fit calls this, so one object can serve several fits)."""
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.epochs_without_improvement = 0

    def update(self, epoch: int, history: History, model: Any) -> bool:
        """Record this epoch's value; True when training should stop."""
        value = getattr(history, self.monitor)[-1]
        if self.beats_best(value, self.min_delta):
            self.remember_best(epoch, value, model)
            self.epochs_without_improvement = 0
            return False
        self.epochs_without_improvement += 1
        return self.epochs_without_improvement >= self.patience

    def beats_best(self, value: float, margin: float) -> bool:
        """Whether `value` improves on the best so far by more than `margin` (a loss by going
        down, a metric by going up); the first value always does."""
        return self.best is None or self.as_lower_is_better(value) < (
            self.as_lower_is_better(self.best) - margin)

    def as_lower_is_better(self, value: float) -> float:
        """A loss as it is, a metric negated: so both improve by going down."""
        return value if self.monitor.endswith("loss") else -value

    def remember_best(self, epoch: int, value: float, model: Any) -> None:
        """Make `value` of `epoch` the best so far, and keep a copy of the model's weights
        when they are to be restored."""
        self.best, self.best_epoch = value, epoch
        if self.restore_best_weights:
            self.best_state = {k: v.numpy().copy() for k, v in model.state_dict().items()}

    def restore(self, model: Any) -> None:
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict(self.best_state)


def fit(
    model: Any,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: Any,
    train_loader: Iterable,
    val_loader: Iterable | None = None,
    epochs: int = 1,
    metric: Metric | None = None,
    early_stopping: int | EarlyStopping | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
) -> History:
    """Train `model` for up to `epochs` epochs and return its History.

    The loaders yield `(inputs, targets)` batches. `metric(outputs, targets)`
    (e.g. `accuracy`) is averaged over samples like the loss. `early_stopping`
    is a patience (an int, watching the validation loss) or an EarlyStopping.
    Each callback is called as `callback(epoch, history)` after every epoch;
    returning True stops training. The model is left in eval mode.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    stopper = EarlyStopping(early_stopping) if isinstance(early_stopping, int) else early_stopping
    if stopper is not None:
        if stopper.monitor.startswith("val") and val_loader is None:
            raise ValueError(f"fit: early stopping on {stopper.monitor!r} needs a val_loader")
        if stopper.monitor.endswith("metric") and metric is None:
            raise ValueError(f"fit: early stopping on {stopper.monitor!r} needs a metric")
        stopper.reset()

    history = History()
    for epoch in range(epochs):
        bar = tqdm(total=len(train_loader) if hasattr(train_loader, "__len__") else None,
                   desc=f"epoch {epoch + 1}/{epochs}", unit="batch", disable=not progress)
        train_loss, train_metric = _train_one_epoch(model, loss_fn, optimizer, train_loader,
                                                    metric, epoch, bar)
        _record(history.train_loss, history.train_metric, train_loss, train_metric)
        if val_loader is not None:
            val_loss, val_metric = evaluate(model, loss_fn, val_loader, metric)
            _record(history.val_loss, history.val_metric, val_loss, val_metric)
        bar.set_postfix(_summary(history))
        bar.close()

        stop = stopper is not None and stopper.update(epoch, history, model)
        for callback in callbacks:
            stop = bool(callback(epoch, history)) or stop
        if stop:
            history.stopped_early = epoch + 1 < epochs
            break

    if stopper is not None and stopper.restore_best_weights:
        stopper.restore(model)
        history.best_epoch = stopper.best_epoch
    model.eval()
    return history


def evaluate(model: Any, loss_fn: Callable[[Tensor, Tensor], Tensor], loader: Iterable,
             metric: Metric | None = None) -> tuple[float, float | None]:
    """Mean loss (and metric) over `loader`, in eval mode and without recording a graph."""
    model.eval()
    total_loss, total_metric, count = 0.0, 0.0, 0
    with no_grad():
        for inputs, targets in _pairs(loader, "evaluate"):
            outputs = model(inputs)
            n = len(inputs)
            total_loss += loss_fn(outputs, targets).item() * n
            if metric is not None:
                total_metric += metric(outputs, targets) * n
            count += n
    if count == 0:
        raise ValueError("evaluate: the loader gave no batches")
    return total_loss / count, (total_metric / count if metric is not None else None)


def _train_one_epoch(model: Any, loss_fn: Callable, optimizer: Any, loader: Iterable,
                     metric: Metric | None, epoch: int, bar: tqdm) -> tuple[float, float | None]:
    model.train()
    total_loss, total_metric, count = 0.0, 0.0, 0
    for step, (inputs, targets) in enumerate(_pairs(loader, "fit")):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(f"fit: the training loss is {value} at epoch {epoch + 1}, "
                                     f"batch {step + 1}; lower the learning rate or check the data")
        loss.backward()
        optimizer.step()
        n = len(inputs)
        total_loss += value * n
        if metric is not None:
            total_metric += metric(outputs.detach(), targets) * n
        count += n
        if not bar.disable:
            bar.set_postfix(loss=f"{total_loss / count:.4f}", refresh=False)
            bar.update()
    if count == 0:
        raise ValueError("fit: train_loader gave no batches")
    return total_loss / count, (total_metric / count if metric is not None else None)


def _pairs(loader: Iterable, caller: str) -> Iterable[tuple[Tensor, Tensor]]:
    """The loader's batches, checked to be (inputs, targets) pairs."""
    for batch in loader:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            size = len(batch) if isinstance(batch, (tuple, list)) else type(batch).__name__
            raise ValueError(f"{caller}: the loader must yield (inputs, targets) pairs, got {size}")
        yield batch[0], batch[1]


def _record(losses: list[float], metrics: list[float], loss: float, metric: float | None) -> None:
    losses.append(loss)
    if metric is not None:
        metrics.append(metric)


def _summary(history: History) -> dict[str, str]:
    """The latest value of every series in history, for the progress bar."""
    series = {"train_loss": history.train_loss, "val_loss": history.val_loss,
              "train_metric": history.train_metric, "val_metric": history.val_metric}
    return {name: f"{values[-1]:.4f}" for name, values in series.items() if values}
