"""Data pipeline: datasets, mini-batches, train/test splits, preprocessing, real data loaders.

    from tinygrad_edu.data import TensorDataset, DataLoader, train_test_split, StandardScaler
    from tinygrad_edu.data.datasets import load_mnist
"""

from tinygrad_edu.data.collate import default_collate
from tinygrad_edu.data.dataloader import DataLoader
from tinygrad_edu.data.dataset import Dataset, TensorDataset
from tinygrad_edu.data.preprocessing import (
    MinMaxScaler,
    OneHotEncoder,
    PolynomialFeatures,
    StandardScaler,
)
from tinygrad_edu.data.split import train_test_split

__all__ = [
    "DataLoader", "Dataset", "MinMaxScaler", "OneHotEncoder", "PolynomialFeatures",
    "StandardScaler", "TensorDataset", "default_collate", "train_test_split",
]
