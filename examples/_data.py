"""Where the example scripts find their data, and what they say when it is not there.

The real datasets live outside the project, in the directory named by the
environment variable TINYGRAD_EDU_DATA (one folder per dataset, as in the shared
datasets README):

    $TINYGRAD_EDU_DATA/mnist/train-images-idx3-ubyte.gz ...
    $TINYGRAD_EDU_DATA/churn/Churn_Modelling.csv
    $TINYGRAD_EDU_DATA/social-network-ads/Social_Network_Ads.csv
    $TINYGRAD_EDU_DATA/mall-customers/Mall_Customers.csv
    $TINYGRAD_EDU_DATA/power-plant/Folds5x2_pp.csv
    $TINYGRAD_EDU_DATA/salary/Salary_Data.csv, Position_Salaries.csv

MNIST-style image sets may also sit in ~/.cache/tinygrad_edu/<folder> (where
their loaders download to when TINYGRAD_EDU_DATA is unset). When a file is
missing, `DataNotFound` stops the script with exit code 2 and a message that
says where the file should go.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinygrad_edu.data import StandardScaler, train_test_split
from tinygrad_edu.data.datasets import load_csv

DATA_ENV = "TINYGRAD_EDU_DATA"
EXIT_NO_DATA = 2


class DataNotFound(SystemExit):
    """A dataset is not on disk. Uncaught, it ends the script with exit code 2."""

    def __init__(self, message: str):
        super().__init__(EXIT_NO_DATA)
        self.message = message

    def __str__(self) -> str:
        return self.message


def missing(what: str, where: str, hint: str = "") -> DataNotFound:
    """Print why the script cannot run to stderr and return the exception to raise."""
    message = (f"{what} is not available: {where}\n"
               f"Point {DATA_ENV} at the folder holding the datasets "
               f"(one sub-folder per dataset, see examples/_data.py), e.g.\n"
               f"  {DATA_ENV}=/path/to/datasets python {Path(sys.argv[0]).name}\n{hint}")
    print(message, file=sys.stderr)
    return DataNotFound(message)


def data_root() -> Path | None:
    """The datasets folder from $TINYGRAD_EDU_DATA, or None when it is unset or missing."""
    root = os.environ.get(DATA_ENV)
    return Path(root) if root and Path(root).is_dir() else None


def dataset_file(folder: str, filename: str) -> Path:
    """$TINYGRAD_EDU_DATA/folder/filename, or raise DataNotFound."""
    root = data_root()
    if root is None:
        raise missing(filename, f"{DATA_ENV} is not set to an existing folder")
    path = root / folder / filename
    if not path.is_file():
        raise missing(filename, f"{path} does not exist")
    return path


def load_table(folder: str, filename: str, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """The named columns of a CSV dataset, as {column: 1-D array}."""
    return load_csv(dataset_file(folder, filename), columns=columns)


ImageLoader = Callable[..., tuple[np.ndarray, np.ndarray]]


def load_idx_dataset(loader: ImageLoader, title: str, download: bool = False, hint: str = ""
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test images and labels from an MNIST-style loader.

    `loader` is load_mnist or load_fashion_mnist, which look in
    $TINYGRAD_EDU_DATA/<name>, or ~/.cache/tinygrad_edu/<name> when the
    variable is unset, and fetch missing files only when `download` is True.
    Raises DataNotFound, adding `hint` to the message, when the files are missing.
    """
    try:
        X_train, y_train = loader(split="train", download=download)
        X_test, y_test = loader(split="test", download=download)
    except FileNotFoundError as error:
        raise missing(title, str(error), hint) from None
    return X_train, y_train, X_test, y_test


@dataclass
class AdsSplit:
    """Social_Network_Ads as the course splits it: Age and EstimatedSalary -> Purchased,
    25% test (random_state=0); X in raw units, Z standardized with the training rows."""

    X_train: np.ndarray
    X_test: np.ndarray
    Z_train: np.ndarray
    Z_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    scaler: StandardScaler


ADS_FEATURES = ("Age", "EstimatedSalary")


def social_network_ads_split() -> AdsSplit:
    table = load_table("social-network-ads", "Social_Network_Ads.csv",
                       [*ADS_FEATURES, "Purchased"])
    X = np.column_stack([table[name] for name in ADS_FEATURES]).astype(np.float64)
    X_train, X_test, y_train, y_test = train_test_split(X, table["Purchased"], test_size=0.25,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return AdsSplit(X_train, X_test, scaler.transform(X_train), scaler.transform(X_test),
                    y_train, y_test, scaler)
