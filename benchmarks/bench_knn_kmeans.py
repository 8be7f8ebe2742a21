"""Benchmark: k-NN on full MNIST and KMeans on 60,000 MNIST vectors, against scikit-learn.

    PYTHONPATH=. TINYGRAD_EDU_DATA=/path/to/datasets \
        .venv/bin/python benchmarks/bench_knn_kmeans.py

Prints wall-clock seconds and accuracy/inertia for ours and scikit-learn's
(brute-force k-NN; KMeans with the same n_clusters, n_init and max_iter).
"""

from __future__ import annotations

import argparse
import gzip
import os
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.neighbors import KNeighborsClassifier as SkKNN

from models import KMeans, KNeighborsClassifier


def read_idx(path: Path) -> np.ndarray:
    """A whole gzip IDX file: images flattened to (N, 784) float64, or labels (N,) int64."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n_dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * n_dims)
    return data.reshape(shape[0], -1).astype(np.float64) if n_dims > 1 else data.astype(np.int64)


def load(root: Path, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    return (read_idx(root / "mnist" / f"{prefix}-images-idx3-ubyte.gz"),
            read_idx(root / "mnist" / f"{prefix}-labels-idx1-ubyte.gz"))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def bench_knn(X_train, y_train, X_test, y_test, k: int) -> None:
    for name, model in (("ours", KNeighborsClassifier(n_neighbors=k)),
                        ("sklearn brute", SkKNN(n_neighbors=k, algorithm="brute"))):
        model.fit(X_train, y_train)
        pred, seconds = timed(lambda m=model: m.predict(X_test))
        print(f"k-NN k={k} {name:14s} {seconds:7.1f} s  accuracy {np.mean(pred == y_test):.4f}")


def bench_kmeans(X, n_clusters: int, n_init: int, max_iter: int) -> None:
    for name, cls in (("ours", KMeans), ("sklearn", SkKMeans)):
        model = cls(n_clusters=n_clusters, n_init=n_init, max_iter=max_iter, random_state=0)
        _, seconds = timed(lambda m=model: m.fit(X))
        print(f"KMeans k={n_clusters} {name:14s} {seconds:7.1f} s  inertia {model.inertia_:.4e}"
              f"  n_iter {model.n_iter_}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-test", type=int, default=10_000, help="k-NN queries")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--n-init", type=int, default=1)
    parser.add_argument("--max-iter", type=int, default=100)
    args = parser.parse_args(argv)
    root = Path(os.environ.get("TINYGRAD_EDU_DATA", ""))
    if not (root / "mnist").is_dir():
        raise SystemExit("bench_knn_kmeans: set TINYGRAD_EDU_DATA to the shared datasets dir")
    X_train, y_train = load(root, "train")
    X_test, y_test = load(root, "t10k")
    bench_knn(X_train, y_train, X_test[: args.n_test], y_test[: args.n_test], args.k)
    bench_kmeans(X_train, args.clusters, args.n_init, args.max_iter)


if __name__ == "__main__":
    main()
