"""save / load: exact round trips, no pickle ever, torch interoperability."""

import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.serialization import load, save
from tinygrad_edu.tensor import Tensor


def mlp(hidden=8):
    return nn.Sequential(nn.Linear(4, hidden), nn.ReLU(), nn.Linear(hidden, 3))


def test_round_trip_is_exact_for_every_dtype_and_shape(tmp_path):
    rng = np.random.default_rng(0)
    special = np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 3.4e38], dtype=np.float32)
    state = {
        "float32": Tensor(rng.normal(size=(3, 4)).astype(np.float32)),
        "float64": Tensor(rng.normal(size=(2, 3, 5)), dtype=np.float64),
        "float16": Tensor(rng.normal(size=7).astype(np.float16), dtype=np.float16),
        "int64": Tensor(rng.integers(-2**62, 2**62, size=4), dtype=np.int64),
        "int32": Tensor(np.arange(6, dtype=np.int32).reshape(2, 3)),
        "uint8": Tensor(np.arange(256, dtype=np.uint8)),
        "bool": Tensor(np.array([True, False, True])),
        "scalar": Tensor(np.float64(2.5), dtype=np.float64),
        "empty": Tensor(np.zeros((0, 3), dtype=np.float32)),
        "special": Tensor(special),
        "transposed": Tensor(np.arange(12.0, dtype=np.float32).reshape(3, 4).T),  # not C-contiguous
        "plain numpy": np.arange(5, dtype=np.int16),
    }
    path = tmp_path / "state.safetensors"
    save(state, path)
    loaded = load(path)
    assert set(loaded) == set(state)
    for name, original in state.items():
        expected = np.asarray(original.data if isinstance(original, Tensor) else original)
        got = loaded[name]
        assert isinstance(got, Tensor), name
        assert got.dtype == expected.dtype and got.shape == expected.shape, name
        assert got.numpy().tobytes() == np.ascontiguousarray(expected).tobytes(), name


def test_loaded_tensors_are_independent_writable_copies(tmp_path):
    path = tmp_path / "w.safetensors"
    save({"w": Tensor(np.ones(3, dtype=np.float32))}, path)
    first = load(path)["w"]
    first.data[0] = 5.0  # must neither fail (read-only mmap) nor change the file
    assert load(path)["w"].numpy().tolist() == [1.0, 1.0, 1.0]


def test_a_trained_model_round_trips_into_a_fresh_model(tmp_path):
    tg.manual_seed(0)
    model = mlp()
    x = tg.randn(10, 4)
    path = tmp_path / "mlp.safetensors"
    save(model.state_dict(), path)
    tg.manual_seed(1)
    fresh = mlp()
    assert not np.array_equal(fresh(x).numpy(), model(x).numpy())
    fresh.load_state_dict(load(path))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())
    assert set(load(path)) == {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_wrong_keys_or_shapes_are_rejected_end_to_end(tmp_path):
    path = tmp_path / "wide.safetensors"
    save(mlp(hidden=8).state_dict(), path)
    narrow = mlp(hidden=5)
    before = {k: v.numpy().copy() for k, v in narrow.state_dict().items()}
    with pytest.raises(RuntimeError, match=r"(?s)shape mismatches: .*0\.weight: got shape "
                                           r"\(8, 4\), expected \(5, 4\)"):
        narrow.load_state_dict(load(path))
    state = load(path)
    state["extra.weight"] = state.pop("2.bias")
    save(state, path)
    with pytest.raises(RuntimeError,
                       match=r"(?s)missing keys: 2\.bias.*unexpected keys: extra\.weight"):
        mlp(hidden=8).load_state_dict(load(path))
    for key, value in narrow.state_dict().items():  # the failed loads changed nothing
        np.testing.assert_array_equal(value.numpy(), before[key])


class Exploit:
    """Unpickling this object would create the file `marker`."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_a_pickle_is_refused_and_never_executed(tmp_path, protocol):
    control = tmp_path / "control-marker"
    pickle.loads(pickle.dumps(Exploit(control), protocol=protocol)).close()
    assert control.exists()  # the payload is real: unpickling it does create its marker

    marker = tmp_path / "marker"
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps({"weight": Exploit(marker)}, protocol=protocol))
    with pytest.raises(ValueError, match=r"load: .*model\.safetensors is .*not a (valid )?"
                                         r"safetensors file"):
        load(path)
    assert not marker.exists()


def test_a_torch_style_zip_archive_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"w": 1}))
    with pytest.raises(ValueError, match=r"model\.pt is not a valid safetensors file: it looks "
                                         r"like a zip archive"):
        load(path)


@pytest.mark.parametrize("content", [b"", b"garbage", b"\x10\x00\x00\x00\x00\x00\x00\x00{not json"])
def test_anything_else_is_refused_with_the_file_name(tmp_path, content):
    path = tmp_path / "junk.bin"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"load: .*junk\.bin is not a valid safetensors file"):
        load(path)


def test_a_valid_file_whose_first_byte_looks_like_a_pickle_loads(tmp_path):
    # The first 8 bytes are the header length; 0x80 there is also a pickle's first byte.
    # The header grows with the key's length, so some key length gives exactly 128.
    path = tmp_path / "model.safetensors"
    for length in range(1, 200):
        state = {"w" * length: Tensor(np.arange(3, dtype=np.float32))}
        save(state, path)
        if path.read_bytes()[:1] == b"\x80":
            break
    assert path.read_bytes()[:1] == b"\x80"
    assert np.array_equal(load(path)["w" * length].data, [0, 1, 2])


def test_a_truncated_file_is_refused(tmp_path):
    path = tmp_path / "cut.safetensors"
    save({"w": Tensor(np.ones((100, 100), dtype=np.float32))}, path)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match=r"cut\.safetensors is not a valid safetensors file"):
        load(path)


def test_save_rejects_what_it_cannot_store(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match="save: state_dict must be a mapping"):
        save([Tensor([1.0])], path)
    with pytest.raises(TypeError, match=r"save: 'w' is a list, not a Tensor"):
        save({"w": [1.0, 2.0]}, path)
    with pytest.raises(TypeError, match="save: keys must be strings, got 0"):
        save({0: Tensor([1.0])}, path)
    assert not path.exists()


def test_a_saved_model_loads_into_the_equivalent_torch_sequential(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, 3))
    path = tmp_path / "mlp.safetensors"
    save(model.state_dict(), path)
    reference = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(),
                                    torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                    torch.nn.Linear(16, 3))
    reference.load_state_dict(load_file(path))  # strict: same keys, same shapes
    x = np.random.default_rng(0).normal(size=(32, 6)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(Tensor(x)).numpy(), expected, atol=1e-6, rtol=1e-6)


# ------------------------------------------------------------ atomic saving


def write_like_safetensors_0_7_then_fail(error):
    """A stand-in for safetensors' file writer before 0.8: it opens the target itself
    (truncating it), writes part of the file, then meets `error` (a full disk, Ctrl-C)."""
    import safetensors

    def serialize_file(tensors, filename, metadata=None):
        data = safetensors.serialize(tensors, metadata=metadata)
        with open(filename, "wb") as f:
            f.write(data[:len(data) // 2])
        raise error
    return serialize_file


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_save_that_fails_part_way_keeps_the_previous_file(tmp_path, monkeypatch, error):
    import safetensors.numpy

    path = tmp_path / "model.safetensors"
    previous = {"w": Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))}
    save(previous, path)
    before = path.read_bytes()
    monkeypatch.setattr(safetensors.numpy, "serialize_file",
                        write_like_safetensors_0_7_then_fail(error))
    with pytest.raises(type(error)):
        save({"w": Tensor(np.ones((50, 50), dtype=np.float32))}, path)
    assert path.read_bytes() == before  # the previous checkpoint is intact
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]  # no temp file left
    np.testing.assert_array_equal(load(path)["w"].numpy(), previous["w"].numpy())


def test_save_replaces_a_previous_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "model.safetensors"
    save({"w": Tensor(np.zeros(3, dtype=np.float32))}, path)
    save({"w": Tensor(np.ones(4, dtype=np.float32)), "b": np.int64(7) * np.ones(1, np.int64)},
         path)
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]
    loaded = load(path)
    assert loaded["w"].numpy().tolist() == [1, 1, 1, 1] and loaded["b"].numpy().tolist() == [7]


def test_save_into_a_missing_folder_or_onto_a_folder_is_refused(tmp_path):
    state = {"w": Tensor(np.zeros(3, dtype=np.float32))}
    with pytest.raises(FileNotFoundError, match=r"save: .*no-such-folder.* does not exist"):
        save(state, tmp_path / "no-such-folder" / "model.safetensors")
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match=r"save: .*folder is a directory"):
        save(state, tmp_path / "folder")
    assert [p.name for p in tmp_path.iterdir()] == ["folder"]
    assert list((tmp_path / "folder").iterdir()) == []


# ------------------------------------------- what save refuses, what load reads


def test_save_refuses_the_reserved_metadata_key(tmp_path):
    path = tmp_path / "model.safetensors"
    save({"w": Tensor(np.ones(2, dtype=np.float32))}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"save: the key '__metadata__' is reserved"):
        save({"__metadata__": Tensor(np.ones(2, dtype=np.float32))}, path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64, object, "U3"])
def test_save_refuses_dtypes_it_could_not_load(tmp_path, dtype):
    path = tmp_path / "model.safetensors"
    with pytest.raises(TypeError, match=rf"save: 'z' has dtype {np.dtype(dtype).name}, which "):
        save({"z": np.zeros(2, dtype=dtype)}, path)
    assert not path.exists()


def safetensors_file(path, tensors):
    """Write a safetensors file by hand: {name: (dtype code, shape, raw little-endian bytes)}."""
    import json
    import struct

    header, offset = {}, 0
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text
                     + b"".join(data for _, _, data in tensors.values()))
    return path


def bfloat16_bytes(values: np.ndarray) -> bytes:
    """bfloat16 is the upper half of a float32: exact for values with 8 significant bits."""
    return (values.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()


def test_load_reads_bfloat16_as_float32_exactly(tmp_path):
    values = np.array([[1.5, -2.25, 0.0], [2.0**100, -np.inf, 3.0 * 2.0**-130]], dtype=np.float32)
    path = safetensors_file(tmp_path / "bf16.safetensors", {
        "w": ("BF16", values.shape, bfloat16_bytes(values)),
        "n": ("I64", (2,), np.array([3, -4], dtype="<i8").tobytes()),
    })
    loaded = load(path)
    assert loaded["w"].dtype == np.float32 and loaded["w"].shape == (2, 3)
    assert loaded["w"].numpy().tobytes() == values.tobytes()
    assert loaded["n"].dtype == np.int64 and loaded["n"].numpy().tolist() == [3, -4]


def test_a_torch_bfloat16_checkpoint_loads_as_its_float32_values(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    weights = torch.randn(4, 5, generator=torch.Generator().manual_seed(0)).to(torch.bfloat16)
    path = tmp_path / "bf16.safetensors"
    save_file({"weight": weights}, path)
    loaded = load(path)["weight"]
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded.numpy(), weights.float().numpy())


def test_a_dtype_numpy_cannot_hold_is_refused_by_name(tmp_path):
    path = safetensors_file(tmp_path / "f8.safetensors", {"x": ("F8_E4M3", (2,), b"\x00\x38")})
    with pytest.raises(ValueError, match=r"load: .*f8\.safetensors: tensor 'x' has dtype "
                                         r"F8_E4M3, which tinygrad_edu cannot hold"):
        load(path)


def test_loading_a_directory_is_refused_by_name(tmp_path):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"load: .*checkpoints is a directory, not a "
                                         r"safetensors file"):
        load(folder)
