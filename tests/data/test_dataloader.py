"""Dataset, TensorDataset and DataLoader: shapes, dtypes, order, reproducibility."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, TensorDataset
from tinygrad_edu.tensor import Tensor


def make_dataset(n=10, features=3):
    X = np.arange(n * features, dtype=np.float32).reshape(n, features)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(X, y)


def test_tensor_dataset_sample_and_dtypes():
    X = np.random.default_rng(0).normal(size=(5, 4))  # float64 becomes float32, as Tensor does
    ds = TensorDataset(X, np.arange(5))
    x, y = ds[2]
    assert len(ds) == 5
    assert isinstance(x, Tensor) and x.shape == (4,) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.item() == 2
    np.testing.assert_array_equal(x.numpy(), X[2].astype(np.float32))
    kept = TensorDataset(Tensor(X, dtype=np.float64))  # a Tensor keeps its dtype
    assert kept[0][0].dtype == np.float64


def test_tensor_dataset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r"TensorDataset: .*same length.*\(5, 2\).*\(4,\)"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="TensorDataset: needs at least one array"):
        TensorDataset()


def test_batches_have_the_right_shapes_and_contents():
    loader = DataLoader(make_dataset(n=10), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3
    assert [xb.shape for xb, _ in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(isinstance(t, Tensor) and not t.requires_grad for b in batches for t in b)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), np.arange(10))
    np.testing.assert_array_equal(batches[1][0].numpy(), make_dataset().arrays[0][4:8])


def test_drop_last_leaves_out_the_short_batch():
    loader = DataLoader(make_dataset(n=10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [yb.shape for _, yb in loader] == [(4,), (4,)]
    exact = DataLoader(make_dataset(n=8), batch_size=4, drop_last=True)
    assert len(exact) == 2 and len(list(exact)) == 2


@pytest.mark.parametrize("n, batch_size", [(10, 3), (64, 8), (7, 100)])
def test_shuffle_visits_every_sample_exactly_once_per_epoch(n, batch_size):
    loader = DataLoader(make_dataset(n=n), batch_size=batch_size, shuffle=True, seed=0)
    epochs = [np.concatenate([yb.numpy() for _, yb in loader]) for _ in range(3)]
    for seen in epochs:
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    if n > 7:  # a new order every epoch
        assert not np.array_equal(epochs[0], epochs[1])
        assert not np.array_equal(epochs[0], np.arange(n))


def test_features_stay_with_their_labels_when_shuffled():
    ds = make_dataset(n=50)
    for xb, yb in DataLoader(ds, batch_size=7, shuffle=True, seed=3):
        np.testing.assert_array_equal(xb.numpy(), ds.arrays[0][yb.numpy()])


def test_seed_makes_the_sequence_of_epochs_reproducible():
    def two_epochs(loader):
        return [yb.numpy().tolist() for _ in range(2) for _, yb in loader]

    ds = make_dataset(n=20)
    first = two_epochs(DataLoader(ds, batch_size=6, shuffle=True, seed=42))
    again = two_epochs(DataLoader(ds, batch_size=6, shuffle=True, seed=42))
    other = two_epochs(DataLoader(ds, batch_size=6, shuffle=True, seed=43))
    assert first == again
    assert first != other


def test_without_a_seed_shuffling_follows_manual_seed():
    ds = make_dataset(n=20)
    loader = DataLoader(ds, batch_size=5, shuffle=True)
    tg.manual_seed(7)
    first = [yb.numpy().tolist() for _, yb in loader]
    tg.manual_seed(7)
    again = [yb.numpy().tolist() for _, yb in loader]
    assert first == again


def test_tensor_dataset_batches_with_one_indexing_step(monkeypatch):
    """Vectorized: a batch never goes through the per-sample __getitem__."""
    def per_sample(self, index):
        raise AssertionError("TensorDataset batching must not loop over samples")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_sample)
    assert [yb.shape for _, yb in DataLoader(make_dataset(n=9), batch_size=4)] == [(4,), (4,), (1,)]


class Squares(Dataset):
    """A map-style dataset that computes its samples: (i, i²)."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return np.array([float(i)]), np.int64(i * i)


def test_a_custom_dataset_is_collated_sample_by_sample():
    xb, yb = next(iter(DataLoader(Squares(), batch_size=4)))
    assert xb.shape == (4, 1) and yb.shape == (4,)
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 4, 9])
    assert yb.dtype == np.int64


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="DataLoader: batch_size must be a positive integer"):
        DataLoader(make_dataset(), batch_size=0)
    with pytest.raises(TypeError, match="DataLoader: dataset must be a Dataset.*got list"):
        DataLoader([1, 2, 3])
