"""Case study: LeNet-5, a convolutional network, on MNIST with tinygrad_edu.

    python examples/lenet_mnist.py --out outputs/lenet     # 5 epochs, ≥ 99 % test accuracy
    python examples/lenet_mnist.py --quick                 # 4,000 images, 1 epoch (the tests)

conv (1→6, 5×5, padding 2) → ReLU → max-pool 2 → conv (6→16, 5×5) → ReLU →
max-pool 2 → 120 → 84 → 10, trained with Adam on the cross-entropy (lr 2e-3,
decayed by 0.7 each epoch, batches of 128). Every layer is made of ops of
tinygrad_edu (im2col and matmul for conv2d, max_pool2d, linear), so the whole
network is differentiated by the same engine as a two-layer MLP. Needs MNIST in
$TINYGRAD_EDU_DATA/mnist.

Writes: the loss curves, the confusion matrix on the test set, the six learned
5×5 filters of the first layer, and the feature maps of one test digit after
each convolution (PNG).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_idx_dataset
from _plotting import confusion_matrix_figure, loss_curves_figure, plt, save_figure
from matplotlib.figure import Figure

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.data.datasets import load_mnist
from tinygrad_edu.train import History, accuracy, fit

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
CLASS_NAMES = [str(d) for d in range(10)]


@dataclass
class Images:
    """MNIST as (N, 1, 28, 28) float32, standardised, with labels, in three parts."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def standardize(pixels: np.ndarray) -> np.ndarray:
    """uint8 images -> (N, 1, 28, 28) float32 with MNIST's mean 0 and std 1."""
    images = pixels.reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255)
    return (images - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)


def load_images(quick: bool) -> Images:
    """55,000 training, 5,000 validation and 10,000 test images (fewer with quick)."""
    X_train, y_train, X_test, y_test = load_idx_dataset(load_mnist, "MNIST")
    n_train, n_val, n_test = (4000, 1000, 2000) if quick else (55000, 5000, 10000)
    X, X_test = standardize(X_train), standardize(X_test)
    y, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    return Images(X[:n_train], y[:n_train], X[55000:55000 + n_val], y[55000:55000 + n_val],
                  X_test[:n_test], y_test[:n_test])


def build_model() -> nn.Sequential:
    """LeNet-5 with ReLU and max-pooling, PyTorch's layouts (its state dict loads there)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def train(model: nn.Module, data: Images, epochs: int) -> History:
    """Adam (lr 2e-3, times 0.7 after each epoch, as PyTorch's MNIST example decays it),
    batches of 128, cross-entropy; validation loss and accuracy each epoch."""
    train_loader = DataLoader(TensorDataset(data.X_train, data.y_train), batch_size=128,
                              shuffle=True, seed=0)
    val_loader = DataLoader(TensorDataset(data.X_val, data.y_val), batch_size=1000)
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    schedule = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    return fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, val_loader,
               epochs=epochs, metric=accuracy, progress=False,
               callbacks=[lambda epoch, history: schedule.step()])


def predict(model: nn.Module, X: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The digit with the highest score for every image, a batch at a time."""
    with tg.no_grad():
        return np.concatenate([model(tg.Tensor(X[i:i + batch_size])).data.argmax(axis=1)
                               for i in range(0, len(X), batch_size)])


def maps_figure(maps: np.ndarray, title: str, columns: int, cmap: str = "gray") -> Figure:
    """A grid of 2-D arrays (filters or feature maps), each on its own colour scale."""
    rows = int(np.ceil(len(maps) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.5 * rows + 0.6),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for k, (ax, image) in enumerate(zip(axes.ravel(), maps)):
        ax.imshow(image, cmap=cmap)
        ax.set_title(str(k), fontsize=8)
    fig.suptitle(title, fontsize=11)
    return fig


def feature_maps(model: nn.Sequential, image: np.ndarray) -> dict[str, np.ndarray]:
    """The digit, and what the network sees after each conv → ReLU."""
    with tg.no_grad():
        first = model[1](model[0](tg.Tensor(image[None])))
        second = model[4](model[3](model[2](first)))
    return {"first": first.data[0], "second": second.data[0]}


def plot_results(model: nn.Sequential, history: History, data: Images, predicted: np.ndarray,
                 out_dir: Path) -> list[Path]:
    curves = loss_curves_figure({"training": history.train_loss,
                                 "validation": history.val_loss},
                                title="LeNet-5 on MNIST: loss per epoch", ylabel="cross-entropy")
    matrix = confusion_matrix_figure(data.y_test, predicted, CLASS_NAMES,
                                     title="LeNet-5: confusion matrix on the test set")
    filters = maps_figure(model[0].weight.data[:, 0], "First-layer filters (6 × 5×5), learned",
                          columns=6, cmap="RdBu_r")
    maps = feature_maps(model, data.X_test[0])
    first = maps_figure(maps["first"], f"Feature maps of a test digit ({data.y_test[0]}) after "
                        "conv 1 + ReLU (6 × 28×28)", columns=6)
    second = maps_figure(maps["second"], "… after conv 2 + ReLU (16 × 10×10)", columns=8)
    return [save_figure(curves, out_dir, "loss_curves"),
            save_figure(matrix, out_dir, "confusion_matrix"),
            save_figure(filters, out_dir, "filters"),
            save_figure(first, out_dir, "feature_maps_conv1"),
            save_figure(second, out_dir, "feature_maps_conv2")]


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Train LeNet-5, report the test accuracy, draw; returns the accuracy."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, help="override the number of epochs (default 5)")
    args = parse_args("lenet_mnist", __doc__.splitlines()[0], argv, parser)
    data = load_images(args.quick)
    epochs = args.epochs or (1 if args.quick else 5)
    print(f"Training LeNet-5 on MNIST: {len(data.X_train)} training, {len(data.X_val)} "
          f"validation, {len(data.X_test)} test images, {epochs} epochs")
    tg.manual_seed(0)
    model = build_model()
    history = train(model, data, epochs)
    predicted = predict(model, data.X_test)
    results = {"accuracy": float(np.mean(predicted == data.y_test)),
               "val_accuracy": float(history.val_metric[-1])}
    print_table("LeNet-5 on MNIST", ["", "tinygrad_edu"],
                [["validation accuracy", results["val_accuracy"]],
                 ["test accuracy", results["accuracy"]]])
    print_figures(plot_results(model, history, data, predicted, args.out))
    return results


if __name__ == "__main__":
    main()
