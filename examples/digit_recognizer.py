"""Case study 1: a digit recognizer, 784 → 30 → 10, trained with tinygrad_edu.

    python examples/digit_recognizer.py                  # MNIST if present, else sklearn's digits
    python examples/digit_recognizer.py --data mnist     # MNIST only ($TINYGRAD_EDU_DATA/mnist)
    python examples/digit_recognizer.py --out outputs    # what `make demo` runs

A network with one hidden layer of 30 sigmoid units reads the pixels of a
handwritten digit and scores the ten classes; cross-entropy on those scores is
the loss, Adam the optimizer, `tinygrad_edu.train.fit` the training loop. The
source this follows reached 90.84% test accuracy on MNIST with this shape.

When MNIST is not on disk the script trains the same network on the 8×8
digits that ship with scikit-learn (64 → 30 → 10), so it runs on a fresh
machine with nothing downloaded. It compares against scikit-learn's
MLPClassifier with the same layers, optimizer, batch size and epochs, and
writes: the loss curves, the confusion matrix, a grid of test digits with their
predictions (PNG), and the backprop graph of one mini-batch (SVG).
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_idx_dataset
from _plotting import (
    confusion_matrix_figure,
    image_grid_figure,
    loss_curves_figure,
    save_figure,
)
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, train_test_split
from tinygrad_edu.data.datasets import default_root, load_mnist
from tinygrad_edu.train import History, accuracy, fit
from tinygrad_edu.viz import GraphvizNotInstalledError, draw_graph, save_graph

SOURCE_ACCURACY = 0.9084
CLASS_NAMES = [str(d) for d in range(10)]


@dataclass
class Digits:
    """Images flattened to rows of pixels in [0, 1], with labels 0..9, in three parts."""

    name: str
    image_shape: tuple[int, int]
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@dataclass
class Settings:
    """How long and how fast to train."""

    epochs: int
    batch_size: int
    lr: float


def load_mnist_digits(quick: bool) -> Digits:
    """MNIST: 50,000 training, 10,000 validation and 10,000 test images (fewer with quick)."""
    X_train, y_train, X_test, y_test = load_idx_dataset(load_mnist, "MNIST")
    X_train = X_train.reshape(len(X_train), -1).astype(np.float32) / 255
    X_test = X_test.reshape(len(X_test), -1).astype(np.float32) / 255
    n_train, n_val, n_test = (8000, 1000, 2000) if quick else (50000, 10000, 10000)
    return Digits("MNIST", (28, 28),
                  X_train[:n_train], y_train[:n_train],
                  X_train[50000:50000 + n_val], y_train[50000:50000 + n_val],
                  X_test[:n_test], y_test[:n_test])


def load_small_digits() -> Digits:
    """scikit-learn's 1,797 8×8 digits, split 60/20/20 (stratified, fixed seed)."""
    digits = load_digits()
    X = (digits.data / 16).astype(np.float32)
    y = digits.target.astype(np.int64)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, random_state=0,
                                                      stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25,
                                                      random_state=0, stratify=y_rest)
    return Digits("scikit-learn 8×8 digits", (8, 8), X_train, y_train, X_val, y_val,
                  X_test, y_test)


def choose_data(source: str, quick: bool) -> tuple[Digits, Settings]:
    """The digits to train on and the settings that suit them.

    source "mnist" needs the MNIST files; "digits" is scikit-learn's set;
    "auto" takes MNIST when its folder exists ($TINYGRAD_EDU_DATA/mnist, or
    ~/.cache/tinygrad_edu/mnist when the variable is unset), else the small set.
    """
    if source == "auto":
        source = "mnist" if default_root("mnist").is_dir() else "digits"
    if source == "mnist":
        return load_mnist_digits(quick), Settings(epochs=3, batch_size=128, lr=3e-3)
    return load_small_digits(), Settings(epochs=20 if quick else 60, batch_size=32, lr=1e-2)


def build_model(n_pixels: int, hidden: int = 30) -> nn.Sequential:
    """pixels → Linear → sigmoid → Linear → one score (logit) per digit."""
    return nn.Sequential(nn.Linear(n_pixels, hidden), nn.Sigmoid(), nn.Linear(hidden, 10))


def train(model: nn.Module, data: Digits, settings: Settings) -> History:
    """Mini-batch Adam on the cross-entropy loss; validation loss and accuracy every epoch."""
    train_loader = DataLoader(TensorDataset(data.X_train, data.y_train),
                              batch_size=settings.batch_size, shuffle=True, seed=0)
    val_loader = DataLoader(TensorDataset(data.X_val, data.y_val), batch_size=1000)
    optimizer = optim.Adam(model.parameters(), lr=settings.lr)
    return fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader,
               epochs=settings.epochs, metric=accuracy, progress=False)


def predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The digit with the highest score, for every row of X."""
    with tg.no_grad():
        return model(tg.Tensor(X)).data.argmax(axis=1)


def sklearn_accuracy(data: Digits, settings: Settings) -> float:
    """Test accuracy of scikit-learn's MLPClassifier with the same layers and training."""
    reference = MLPClassifier(hidden_layer_sizes=(30,), activation="logistic", solver="adam",
                              learning_rate_init=settings.lr, batch_size=settings.batch_size,
                              max_iter=settings.epochs, random_state=0)
    with warnings.catch_warnings():  # a fixed, small number of epochs is the point here
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(data.X_train, data.y_train)
    return float(reference.score(data.X_test, data.y_test))


def draw_backprop_graph(model: nn.Module, data: Digits, out_dir: Path) -> Path:
    """The loss of 8 test digits and its backward pass, one box per layer, as SVG.

    Without Graphviz's `dot` program only the .dot source is written, and we say so.
    """
    model.zero_grad()
    images = tg.Tensor(data.X_test[:8], name="images")
    loss = nn.CrossEntropyLoss()(model(images), data.y_test[:8])
    loss.backward(retain_graph=True)
    graph = draw_graph(loss, module=model, collapse=True)
    try:
        return save_graph(graph, out_dir / "backprop_graph.svg")
    except GraphvizNotInstalledError as error:
        print(f"Graphviz `dot` is missing, so the graph was not rendered.\n{error}")
        return out_dir / "backprop_graph.dot"


def plot_results(history: History, data: Digits, predicted: np.ndarray,
                 out_dir: Path) -> list[Path]:
    """Loss curves, confusion matrix and a grid of the first 32 test digits."""
    curves = loss_curves_figure(
        {"training": history.train_loss, "validation": history.val_loss},
        title=f"Loss per epoch ({data.name})", ylabel="cross-entropy")
    matrix = confusion_matrix_figure(data.y_test, predicted, CLASS_NAMES,
                                     title=f"Confusion matrix on the test set ({data.name})")
    grid = image_grid_figure(data.X_test[:32].reshape(-1, *data.image_shape),
                             data.y_test[:32], predicted[:32], CLASS_NAMES,
                             title="First 32 test digits")
    return [save_figure(curves, out_dir, "loss_curves"),
            save_figure(matrix, out_dir, "confusion_matrix"),
            save_figure(grid, out_dir, "test_digits")]


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Train, compare with scikit-learn, draw; returns the test accuracies."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", choices=("auto", "mnist", "digits"), default="auto",
                        help="auto: MNIST when its folder exists, else scikit-learn's 8×8 digits")
    parser.add_argument("--epochs", type=int, help="override the number of epochs")
    args = parse_args("digit_recognizer", __doc__.splitlines()[0], argv, parser)
    data, settings = choose_data(args.data, args.quick)
    settings.epochs = args.epochs or settings.epochs
    n_pixels = data.X_train.shape[1]
    print(f"Training {n_pixels} → 30 → 10 on {data.name}: {len(data.X_train)} training, "
          f"{len(data.X_val)} validation, {len(data.X_test)} test images, "
          f"{settings.epochs} epochs")

    tg.manual_seed(0)
    model = build_model(n_pixels)
    history = train(model, data, settings)
    predicted = predict(model, data.X_test)
    results = {"accuracy": float(np.mean(predicted == data.y_test)),
               "sklearn_accuracy": sklearn_accuracy(data, settings)}

    rows = [["test accuracy", results["accuracy"], results["sklearn_accuracy"]]]
    if data.name == "MNIST":
        rows.append(["source (784→30→10)", SOURCE_ACCURACY, ""])
    print_table(f"Digit recognizer on {data.name}", ["", "tinygrad_edu", "scikit-learn"], rows)
    figures = plot_results(history, data, predicted, args.out)
    figures.append(draw_backprop_graph(model, data, args.out))
    print_figures(figures)
    return results


if __name__ == "__main__":
    main()
