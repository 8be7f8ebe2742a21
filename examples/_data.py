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
their loaders download to when TINYGRAD_EDU_DATA is unset).

Every script loads its data through `load_table` or `load_idx_dataset`, and
both go through `reporting_data_errors`, the one place that turns a data
problem into one line on stderr and an exit code instead of a traceback:

    missing file, failed download                  DataNotFound, exit code 2
    file there but unusable (checksum mismatch,    BadDataFile, exit code 3
    not gzip, truncated, ragged CSV, no such column)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinygrad_edu.data import StandardScaler, train_test_split
from tinygrad_edu.data.datasets import DatasetFileError, load_csv

DATA_ENV = "TINYGRAD_EDU_DATA"
EXIT_NO_DATA = 2
EXIT_BAD_DATA = 3


class DataProblem(SystemExit):
    """The data a script needs is missing or unusable. Uncaught, it ends the script with
    `exit_code` (the one-line message has already been printed by `stop`)."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(self.exit_code)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DataNotFound(DataProblem):
    """A dataset is not on disk, or could not be downloaded: exit code 2."""

    exit_code = EXIT_NO_DATA


class BadDataFile(DataProblem):
    """A data file is there but cannot be used (checksum, format, columns): exit code 3."""

    exit_code = EXIT_BAD_DATA


def stop(kind: type[DataProblem], message: str) -> DataProblem:
    """Print `message` as one line, after the script's name, to stderr; return the exception
    of `kind` to raise."""
    line = " ".join(message.split())  # a multi-line message (a failed download) on one line
    print(f"{Path(sys.argv[0]).name}: {line}", file=sys.stderr)
    return kind(line)


def missing(what: str, where: str, hint: str = "") -> DataNotFound:
    """Say that `what` is not available, where it was looked for, and how to provide it."""
    return stop(DataNotFound, f"{what} is not available: {where}. Set {DATA_ENV} to the folder "
                              f"holding the datasets, one sub-folder each (see examples/_data.py)."
                              f" {hint}")


@contextmanager
def reporting_data_errors(what: str, hint: str = "") -> Iterator[None]:
    """Turn the data loaders' exceptions inside the `with` block into DataNotFound or
    BadDataFile: one line on stderr and an exit code, not a traceback."""
    try:
        yield
    except FileNotFoundError as error:
        raise missing(what, str(error), hint) from None
    except (DatasetFileError, KeyError) as error:  # KeyError: load_csv's missing column
        message = error.args[0] if isinstance(error, KeyError) else str(error)
        raise stop(BadDataFile, f"{what} cannot be used: {message}") from None
    except OSError as error:  # a failed download, a file that cannot be read
        raise stop(DataNotFound, f"{what} is not available: {error}. {hint}") from None


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
    path = dataset_file(folder, filename)
    with reporting_data_errors(filename):
        return load_csv(path, columns=columns)


ImageLoader = Callable[..., tuple[np.ndarray, np.ndarray]]


def load_idx_dataset(loader: ImageLoader, title: str, download: bool = False, hint: str = ""
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and test images and labels from an MNIST-style loader.

    `loader` is load_mnist or load_fashion_mnist, which look in
    $TINYGRAD_EDU_DATA/<name>, or ~/.cache/tinygrad_edu/<name> when the
    variable is unset, and fetch missing files only when `download` is True.
    Raises DataNotFound, adding `hint` to the message, when the files are missing,
    and BadDataFile when one fails its checks.
    """
    with reporting_data_errors(title, hint):
        X_train, y_train = loader(split="train", download=download)
        X_test, y_test = loader(split="test", download=download)
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
