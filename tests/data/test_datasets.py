"""load_mnist / load_fashion_mnist / load_csv: real files, broken files, checksums, download.

Real data comes from $TINYGRAD_EDU_DATA (the `datasets` fixture skips without it).
Downloads go to a `file://` directory or an http.server on 127.0.0.1, never the internet.
"""

import functools
import gzip
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from tinygrad_edu.data import datasets as loaders  # `datasets` is the real-data fixture
from tinygrad_edu.data.datasets import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    DatasetFileError,
    load_csv,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TEST_IMAGES, TEST_LABELS = loaders.SPLITS["test"]


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """An IDX file: magic, big-endian dims, raw bytes."""
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_gz(path, payload: bytes):
    path.write_bytes(gzip.compress(payload))
    return path


def fake_split(directory, n=5, seed=0):
    """Write a small, valid test split (images, labels) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    images = np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % 10
    write_gz(directory / TEST_IMAGES, idx_bytes(images, IMAGES_MAGIC))
    write_gz(directory / TEST_LABELS, idx_bytes(labels, LABELS_MAGIC))
    return images, labels


@pytest.fixture
def trust_fake_files(monkeypatch):
    """Point the checksum table at the fake files in `directory` (the real table stays intact)."""
    def trust(directory, table=loaders.MNIST_SHA256):
        for name in (TEST_IMAGES, TEST_LABELS):
            digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
            monkeypatch.setitem(table, name, digest)
    return trust


# ------------------------------------------------------------------ real data


def test_load_mnist_reads_the_real_files(datasets):
    for split, counts in (("train", TRAIN_COUNTS), ("test", TEST_COUNTS)):
        images, labels = load_mnist(datasets / "mnist", split=split, download=False)
        n = sum(counts)
        assert images.shape == (n, 28, 28) and images.dtype == np.uint8
        assert labels.shape == (n,) and labels.dtype == np.int64
        assert np.bincount(labels).tolist() == counts
        assert images.min() == 0 and images.max() == 255


def test_default_root_comes_from_the_environment(datasets, monkeypatch, tmp_path):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(datasets))
    assert loaders.default_root("mnist") == datasets / "mnist"
    _, labels = load_mnist(split="test", download=False)
    assert np.bincount(labels).tolist() == TEST_COUNTS
    monkeypatch.delenv("TINYGRAD_EDU_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert loaders.default_root("mnist") == tmp_path / ".cache" / "tinygrad_edu" / "mnist"


# ------------------------------------------------------------- broken files


def test_wrong_magic_is_reported_with_the_file_name(tmp_path):
    path = write_gz(tmp_path / "labels-as-images.gz", idx_bytes(np.zeros(3), LABELS_MAGIC))
    with pytest.raises(DatasetFileError, match=r"labels-as-images\.gz has magic number 2049, "
                                               r"expected 2051 \(IDX images\)"):
        read_idx(path, IMAGES_MAGIC)


def test_truncated_data_is_reported(tmp_path):
    payload = idx_bytes(np.zeros((4, 28, 28)), IMAGES_MAGIC)
    short = write_gz(tmp_path / "short.gz", payload[:-100])
    with pytest.raises(DatasetFileError, match=r"short\.gz is truncated: dims \(4, 28, 28\) need "
                                               r"3152 bytes, the file has 3052"):
        read_idx(short, IMAGES_MAGIC)
    noise = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    compressed = gzip.compress(idx_bytes(noise, IMAGES_MAGIC))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(compressed[:len(compressed) // 2])  # the gzip stream itself stops early
    with pytest.raises(DatasetFileError, match=r"cut\.gz is truncated"):
        read_idx(cut, IMAGES_MAGIC)
    empty = write_gz(tmp_path / "empty.gz", b"")
    with pytest.raises(DatasetFileError, match=r"empty\.gz is truncated"):
        read_idx(empty, IMAGES_MAGIC)


def test_trailing_bytes_are_reported(tmp_path):
    path = write_gz(tmp_path / "long.gz", idx_bytes(np.zeros(3), LABELS_MAGIC) + b"\0")
    with pytest.raises(DatasetFileError, match=r"long\.gz has trailing bytes"):
        read_idx(path, LABELS_MAGIC)


def test_corrupted_files_are_reported(tmp_path):
    not_gzip = tmp_path / "not-gzip.gz"
    not_gzip.write_bytes(b"this is not gzip data at all")
    with pytest.raises(DatasetFileError, match=r"not-gzip\.gz is not a valid gzip file"):
        read_idx(not_gzip, IMAGES_MAGIC)
    payload = np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes()
    data = bytearray(gzip.compress(idx_bytes(np.frombuffer(payload, np.uint8), LABELS_MAGIC)))
    data[len(data) // 2] ^= 0xFF  # damage the compressed stream
    damaged = tmp_path / "damaged.gz"
    damaged.write_bytes(bytes(data))
    with pytest.raises(DatasetFileError, match=r"damaged\.gz"):
        read_idx(damaged, LABELS_MAGIC)


def test_checksum_mismatch_is_reported(tmp_path):
    fake_split(tmp_path)  # valid IDX files, but not the official bytes
    with pytest.raises(DatasetFileError, match=r"load_mnist: checksum mismatch for .*"
                                               r"t10k-images-idx3-ubyte\.gz: sha256 is "
                                               r"[0-9a-f]{64}, expected 8d422c7b"):
        load_mnist(tmp_path, split="test", download=False)


def test_load_mnist_reports_a_bad_file_by_name(tmp_path, trust_fake_files):
    fake_split(tmp_path)
    # swap the two files: both checksums "match", but the magic numbers do not
    images_path, labels_path = tmp_path / TEST_IMAGES, tmp_path / TEST_LABELS
    images_bytes = images_path.read_bytes()
    images_path.write_bytes(labels_path.read_bytes())
    labels_path.write_bytes(images_bytes)
    trust_fake_files(tmp_path)
    with pytest.raises(DatasetFileError, match=r"load_mnist: .*t10k-images-idx3-ubyte\.gz has "
                                               r"magic number 2049"):
        load_mnist(tmp_path, split="test", download=False)


def test_missing_files_without_download(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_mnist: .*t10k-images-idx3-ubyte\.gz not "
                                                r"found; pass download=True"):
        load_mnist(tmp_path, split="test", download=False)
    with pytest.raises(ValueError, match="load_mnist: split must be one of"):
        load_mnist(tmp_path, split="validation")


def test_fake_files_with_trusted_checksums_parse_exactly(tmp_path, trust_fake_files):
    images, labels = fake_split(tmp_path)
    trust_fake_files(tmp_path)
    got_images, got_labels = load_mnist(tmp_path, split="test", download=False)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert got_labels.dtype == np.int64


# ------------------------------------------------------------------ download


def test_download_from_a_file_url_tries_the_mirrors_in_order(tmp_path, monkeypatch,
                                                              trust_fake_files):
    server = tmp_path / "mirror"
    images, labels = fake_split(server)
    trust_fake_files(server)
    missing = (tmp_path / "nowhere").as_uri() + "/"
    monkeypatch.setattr(loaders, "MNIST_MIRRORS", [missing, server.as_uri() + "/"])
    cache = tmp_path / "cache" / "mnist"
    got_images, got_labels = load_mnist(cache, split="test", download=True)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert sorted(p.name for p in cache.iterdir()) == sorted([TEST_IMAGES, TEST_LABELS])
    # the second call reads the cache: no mirror is needed any more
    monkeypatch.setattr(loaders, "MNIST_MIRRORS", [])
    np.testing.assert_array_equal(load_mnist(cache, split="test")[1], labels)


def test_a_download_with_the_wrong_checksum_is_refused(tmp_path, monkeypatch):
    server = tmp_path / "mirror"
    fake_split(server)  # not the official bytes, and the table is the real one
    monkeypatch.setattr(loaders, "MNIST_MIRRORS", [server.as_uri() + "/"])
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match=r"load_mnist: could not download t10k-images-idx3-ubyte\.gz"
                                      r"(.|\n)*checksum mismatch"):
        load_mnist(cache, split="test")
    assert list(cache.iterdir()) == []  # nothing half-downloaded is left behind


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_over_http_from_localhost(tmp_path, monkeypatch, trust_fake_files):
    server_dir = tmp_path / "www"
    images, labels = fake_split(server_dir, seed=3)
    trust_fake_files(server_dir, loaders.FASHION_MNIST_SHA256)
    handler = functools.partial(QuietHandler, directory=str(server_dir))
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            monkeypatch.setattr(loaders, "FASHION_MNIST_MIRRORS", [url + "missing/", url])
            got_images, got_labels = load_fashion_mnist(tmp_path / "cache", split="test")
        finally:
            server.shutdown()
            thread.join()
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


# ----------------------------------------------------------------------- CSV


SOCIAL_NETWORK_ADS_SHA256 = "64783cdaf0ca192b2fa54ae5a5a27aa201ba9156d8a0f67afc7cadd8b7784c89"


def test_load_csv_reads_a_real_case_study_file(datasets):
    table = load_csv(datasets / "social-network-ads" / "Social_Network_Ads.csv",
                     sha256=SOCIAL_NETWORK_ADS_SHA256)
    assert list(table) == ["User ID", "Gender", "Age", "EstimatedSalary", "Purchased"]
    assert all(len(column) == 400 for column in table.values())
    assert table["Age"].dtype == np.int64 and table["Age"].min() == 18 and table["Age"].max() == 60
    assert (table["Gender"] == "Female").sum() == 204
    assert table["Purchased"].mean() == pytest.approx(0.3575)


def test_load_csv_types_and_column_selection(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,name,score\n0001,"Smith, J",1.5\n0002,Lee,2\n')
    table = load_csv(path)
    assert table["id"].tolist() == [1, 2] and table["id"].dtype == np.int64
    assert table["name"].tolist() == ["Smith, J", "Lee"]
    assert table["score"].dtype == np.float64
    assert list(load_csv(path, columns=["score", "id"])) == ["score", "id"]
    with pytest.raises(KeyError, match=r"load_csv: .*t\.csv has no column \['age'\]"):
        load_csv(path, columns=["age"])


def test_load_csv_errors_name_the_file(tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3\n")
    with pytest.raises(DatasetFileError,
                       match=r"ragged\.csv line 3 has 1 fields, the header has 2"):
        load_csv(ragged)
    with pytest.raises(DatasetFileError, match=r"load_csv: checksum mismatch for .*ragged\.csv"):
        load_csv(ragged, sha256="0" * 64)


def test_dims_whose_product_passes_2_to_the_63_are_reported_not_wrapped(tmp_path):
    # 2**31 · 2**31 · 4 = 2**64, which int64 arithmetic wraps to 0: the empty body
    # would then look exactly the right size.
    dims = (2**31, 2**31, 4)
    header = IMAGES_MAGIC.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    path = write_gz(tmp_path / "huge.gz", header)
    need = 16 + dims[0] * dims[1] * dims[2]
    with pytest.raises(DatasetFileError, match=rf"read_idx: .*huge\.gz is truncated: dims "
                                               rf"\(2147483648, 2147483648, 4\) need {need} bytes, "
                                               rf"the file has 16"):
        read_idx(path, IMAGES_MAGIC)


def test_load_csv_keeps_integers_too_large_for_int64_as_text(tmp_path):
    ids = ["12345678901234567890", "98765432109876543210", "00000000000000000001"]
    path = tmp_path / "ids.csv"
    path.write_text("id,score\n" + "".join(f"{i},{k}.5\n" for k, i in enumerate(ids)))
    table = load_csv(path)
    assert table["id"].dtype.kind == "U" and table["id"].tolist() == ids  # every digit kept
    assert table["score"].dtype == np.float64
    # the rule does not depend on where the large value sits in the column
    big = "99999999999999999999"
    for cells, kind in (([big, "1"], "U"), (["1", big], "U"), ([big, "1.5"], "f"),
                        (["1.5", big], "f"), (["-9223372036854775808"], "i"),
                        (["9223372036854775808", "x"], "U")):
        path.write_text("c\n" + "\n".join(cells) + "\n")
        assert load_csv(path)["c"].dtype.kind == kind, cells


def test_the_fashion_mnist_table_holds_the_official_checksums():
    # The sha256 of the files Zalando publishes (whose md5s are 8d4fb7e6c68d591d4c3dfef9ec88bf0d,
    # 25c81989df183df01b3e8a0aad5dffbe, bef4ecab320f06d8554ea6380940ec79 and
    # bb300cfdad3c16e7a12a480ee83cd310), as TensorFlow Datasets and Keras list them.
    assert loaders.FASHION_MNIST_SHA256 == {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    }
