"""Case study 8: clothes instead of digits, k-NN and an MLP on Fashion-MNIST.

    python examples/fashion_mnist.py [--out DIR] [--quick]  # $TINYGRAD_EDU_DATA/fashion-mnist
    python examples/fashion_mnist.py --download             # fetch the files first (~30 MB)

Fashion-MNIST (Zalando) has the shape of MNIST, 28×28 grey images in 10
classes, but shows T-shirts, trousers, shoes and bags, which are harder to tell
apart than digits. Two very different classifiers on the same images:

* k nearest neighbours (k = 5): no training, a vote of the 5 closest training
  images in pixel space (on a subsample, since every prediction compares with
  every training image);
* a multi-layer perceptron 784 → 100 → 10 with ReLU, trained with Adam.

Both are compared with scikit-learn's model of the same settings. Without the
data files the script says in one line where to put them and exits with code 2;
a file that fails its checks (a checksum that is not the official file's, a
damaged gzip) is named in one line, with exit code 3.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence

import numpy as np
from _cli import parse_args, print_figures, print_table
from _data import load_idx_dataset
from _plotting import confusion_matrix_figure, image_grid_figure, loss_curves_figure, save_figure
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier as SkKNeighborsClassifier
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from models import KNeighborsClassifier, MLPClassifier
from tinygrad_edu.data.datasets import load_fashion_mnist

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def load_fashion(download: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test images as rows of pixels in [0, 1], with their labels."""
    X_train, y_train, X_test, y_test = load_idx_dataset(
        load_fashion_mnist, "Fashion-MNIST", download=download,
        hint="Or run with --download to fetch the files (about 30 MB).")
    return (X_train.reshape(len(X_train), -1) / 255, y_train,
            X_test.reshape(len(X_test), -1) / 255, y_test)


def compare_knn(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray,
                y_test: np.ndarray) -> list[object]:
    """Test accuracy of both k-NN classifiers."""
    ours = KNeighborsClassifier(n_neighbors=5).fit(X_train, y_train)
    reference = SkKNeighborsClassifier(n_neighbors=5).fit(X_train, y_train)
    return [f"k-NN (k = 5, {len(X_train)} training images)",
            ours.score(X_test, y_test), reference.score(X_test, y_test)]


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Train both pairs of classifiers and compare; returns the test accuracies."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--download", action="store_true",
                        help="download the files when they are missing")
    args = parse_args("fashion_mnist", __doc__.splitlines()[0], argv, parser)
    X_train, y_train, X_test, y_test = load_fashion(args.download)
    n_train, n_knn, n_test, epochs = ((5000, 2000, 1000, 3) if args.quick
                                      else (60000, 10000, 10000, 15))
    X_train, y_train, X_test, y_test = X_train[:n_train], y_train[:n_train], \
        X_test[:n_test], y_test[:n_test]

    knn_row = compare_knn(X_train[:n_knn], y_train[:n_knn], X_test, y_test)
    settings = dict(hidden_layer_sizes=(100,), activation="relu", batch_size=128,
                    random_state=0)
    mlp = MLPClassifier(**settings, learning_rate_init=1e-3, max_iter=epochs).fit(X_train, y_train)
    reference = SkMLPClassifier(**settings, learning_rate_init=1e-3, max_iter=epochs)
    with warnings.catch_warnings():  # a fixed number of epochs, on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X_train, y_train)
    predicted = mlp.predict(X_test)
    mlp_row = [f"MLP 784 → 100 → 10 ({epochs} epochs)", float(np.mean(predicted == y_test)),
               reference.score(X_test, y_test)]
    print_table(f"Fashion-MNIST: test accuracy on {n_test} images",
                ["model", "tinygrad_edu", "scikit-learn"], [knn_row, mlp_row])

    figures = [
        save_figure(loss_curves_figure({"tinygrad_edu": mlp.loss_curve_,
                                        "scikit-learn": reference.loss_curve_},
                                       title="Fashion-MNIST MLP: training loss per epoch",
                                       ylabel="cross-entropy"),
                    args.out, "loss_curves"),
        save_figure(confusion_matrix_figure(y_test, predicted, CLASS_NAMES,
                                            title="Fashion-MNIST MLP: confusion matrix"),
                    args.out, "confusion_matrix"),
        save_figure(image_grid_figure(X_test[:24].reshape(-1, 28, 28), y_test[:24],
                                      predicted[:24], CLASS_NAMES, columns=6,
                                      title="First 24 test images"),
                    args.out, "test_images"),
    ]
    print_figures(figures)
    return {"knn_accuracy": knn_row[1], "sklearn_knn_accuracy": knn_row[2],
            "mlp_accuracy": mlp_row[1], "sklearn_mlp_accuracy": mlp_row[2]}


if __name__ == "__main__":
    main()
