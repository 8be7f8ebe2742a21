"""Real-data fixtures for the classical models (each skips when the data is absent).

The CSVs are read with the csv module and MNIST's IDX files with gzip + NumPy,
so these tests need nothing beyond NumPy and scikit-learn.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def read_idx(path: Path, count: int) -> np.ndarray:
    """The first `count` items of a gzip IDX file (images (count, 28·28) or labels (count,))."""
    with gzip.open(path, "rb") as f:
        magic = int.from_bytes(f.read(4), "big")
        n_dims = magic & 0xFF
        shape = [int.from_bytes(f.read(4), "big") for _ in range(n_dims)]
        item = int(np.prod(shape[1:], dtype=np.int64))
        data = np.frombuffer(f.read(count * item), dtype=np.uint8)
    return data.reshape(count, item) if item > 1 else data


def load_mnist(root: Path, split: str, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(images as float64 pixel values 0..255, flattened; labels) for the first `count` items."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(root / "mnist" / f"{prefix}-images-idx3-ubyte.gz", count)
    labels = read_idx(root / "mnist" / f"{prefix}-labels-idx1-ubyte.gz", count)
    return images.astype(np.float64), labels.astype(np.int64)


@pytest.fixture
def social_ads(datasets: Path):
    """Social Network Ads: (Age, EstimatedSalary) → Purchased, split 75/25 with
    random_state=0 and standardised on the training part, as in the course."""
    rows = read_csv(datasets / "social-network-ads" / "Social_Network_Ads.csv")
    X = np.array([[float(r["Age"]), float(r["EstimatedSalary"])] for r in rows])
    y = np.array([int(r["Purchased"]) for r in rows])
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


@pytest.fixture
def mall(datasets: Path) -> np.ndarray:
    """Mall Customers: (Annual Income (k$), Spending Score (1-100)), 200 × 2."""
    rows = read_csv(datasets / "mall-customers" / "Mall_Customers.csv")
    return np.array([[float(r["Annual Income (k$)"]), float(r["Spending Score (1-100)"])]
                     for r in rows])


@pytest.fixture
def churn(datasets: Path):
    """Bank churn: 8 numeric columns + Germany/Spain/Male indicators → Exited, split 75/25."""
    rows = read_csv(datasets / "churn" / "Churn_Modelling.csv")
    numeric = ["CreditScore", "Age", "Tenure", "Balance", "NumOfProducts", "HasCrCard",
               "IsActiveMember", "EstimatedSalary"]
    X = np.array([[float(r[c]) for c in numeric]
                  + [r["Geography"] == "Germany", r["Geography"] == "Spain", r["Gender"] == "Male"]
                  for r in rows], dtype=np.float64)
    y = np.array([int(r["Exited"]) for r in rows])
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture
def power_plant(datasets: Path):
    """Combined Cycle Power Plant, first 2,000 rows: (AT, V, AP, RH) → PE, split 75/25."""
    rows = read_csv(datasets / "power-plant" / "Folds5x2_pp.csv")[:2000]
    X = np.array([[float(r[c]) for c in ("AT", "V", "AP", "RH")] for r in rows])
    y = np.array([float(r["PE"]) for r in rows])
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture
def mnist_subset(datasets: Path):
    """2,000 MNIST images: the first 1,500 training and the first 500 test images."""
    X_train, y_train = load_mnist(datasets, "train", 1500)
    X_test, y_test = load_mnist(datasets, "test", 500)
    return X_train, X_test, y_train, y_test


@pytest.fixture
def mnist_digits(datasets: Path):
    """load(n_train) → (X_train, X_test, y_train, y_test): the first n_train training digits
    and the first 2,000 test digits, pixels scaled to [0, 1]."""
    def load(n_train: int):
        X_train, y_train = load_mnist(datasets, "train", n_train)
        X_test, y_test = load_mnist(datasets, "test", 2000)
        return X_train / 255.0, X_test / 255.0, y_train, y_test
    return load
