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


class Records(Dataset):
    """A dataset whose samples are lists, dicts and plain Python numbers, like many
    hand-written PyTorch datasets."""

    def __init__(self, make):
        self.make = make

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return self.make(i)


def test_list_samples_are_transposed_into_a_list_of_batches():
    loader = DataLoader(Records(lambda i: [np.full(3, i, dtype=np.float32), i]), batch_size=2)
    batches = list(loader)
    assert [type(b) for b in batches] == [list, list, list]
    xb, yb = batches[1]
    assert xb.shape == (2, 3) and xb.dtype == np.float32
    np.testing.assert_array_equal(xb.numpy(), [[2, 2, 2], [3, 3, 3]])
    assert yb.dtype == np.int64 and yb.numpy().tolist() == [2, 3]


def test_dicts_numbers_strings_and_nesting_collate_like_torch_default_collate():
    def sample(i):
        return {"image": Tensor(np.full((2, 2), i, dtype=np.float32)),
                "label": i, "weight": i / 2, "flag": i % 2 == 0, "name": f"s{i}",
                "pair": (np.int64(i), np.array([i, -i], dtype=np.int32))}

    batch = next(iter(DataLoader(Records(sample), batch_size=3)))
    assert set(batch) == {"image", "label", "weight", "flag", "name", "pair"}
    assert batch["image"].shape == (3, 2, 2) and batch["image"].dtype == np.float32
    assert batch["label"].dtype == np.int64 and batch["label"].numpy().tolist() == [0, 1, 2]
    assert batch["weight"].dtype == np.float64 and batch["weight"].numpy().tolist() == [0, .5, 1]
    assert batch["flag"].dtype == np.bool_ and batch["flag"].numpy().tolist() == [1, 0, 1]
    assert batch["name"] == ["s0", "s1", "s2"]
    assert isinstance(batch["pair"], tuple) and len(batch["pair"]) == 2
    assert batch["pair"][0].numpy().tolist() == [0, 1, 2]
    assert batch["pair"][1].dtype == np.int32 and batch["pair"][1].shape == (3, 2)


def test_the_same_samples_collate_as_in_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate

    from tinygrad_edu.data import default_collate as ours

    samples = [{"x": np.arange(3, dtype=np.float32) * i, "y": [i, float(i)], "b": i > 1}
               for i in range(4)]
    expected, got = default_collate(samples), ours(samples)
    assert set(got) == set(expected)
    for key in ("x", "b"):
        assert str(got[key].dtype) == str(expected[key].dtype).removeprefix("torch.")
        np.testing.assert_array_equal(got[key].numpy(), expected[key].numpy())
    assert len(got["y"]) == len(expected["y"]) == 2
    for ours_field, torch_field in zip(got["y"], expected["y"]):
        assert str(ours_field.dtype) == str(torch_field.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours_field.numpy(), torch_field.numpy())
    assert torch.is_tensor(expected["x"])


@pytest.mark.parametrize(("make", "message"), [
    (lambda i: [np.zeros(3 + (i == 2)), i],
     r"samples\[0\] do not match: sample 0 has shape \(3,\), sample 2 has shape \(4,\)"),
    (lambda i: [np.zeros(2)] * (2 + (i == 1)),
     r"samples do not match: sample 0 has 2 fields, sample 1 has 3"),
    (lambda i: {"a": 1, "b": 2} if i != 3 else {"a": 1},
     r"samples do not match: sample 0 has keys \['a', 'b'\], sample 3 has \['a'\]"),
    (lambda i: {"a": [1, 2] if i != 4 else 3},
     r"samples\['a'\] do not match: sample 0 is of type list, sample 4 of type int"),
])
def test_samples_that_do_not_match_are_reported_with_their_sizes(make, message):
    with pytest.raises(ValueError, match=r"default_collate: " + message):
        next(iter(DataLoader(Records(make), batch_size=5)))


def test_samples_that_cannot_be_batched_are_named():
    with pytest.raises(TypeError, match=r"default_collate: samples\[1\] is a NoneType"):
        next(iter(DataLoader(Records(lambda i: (i, None)), batch_size=2)))
    with pytest.raises(TypeError, match=r"default_collate: samples holds arrays of dtype <U1"):
        next(iter(DataLoader(Records(lambda i: np.array(["a", "b"])), batch_size=2)))
