"""Real datasets: MNIST and Fashion-MNIST from their original files, and CSV tables.

MNIST-style data comes as four gzip-compressed IDX files. An IDX file is a
big-endian header followed by raw bytes:

    magic number   4 bytes: 0, 0, type code (0x08 = unsigned byte), number of dims
    dims           one 4-byte unsigned integer per dimension
    data           prod(dims) bytes, row-major

so images have magic 0x00000803 = 2051 and dims (N, 28, 28), labels magic
0x00000801 = 2049 and dims (N,). We parse that ourselves below.

Every file is checked against a table of known sha256 checksums before it is
parsed. Missing files are downloaded from the mirrors (tried in order; the
lists are module attributes, so tests can point them at a local server), into
`root`, which defaults to $TINYGRAD_EDU_DATA/<dataset> or else
~/.cache/tinygrad_edu/<dataset>.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import math
import os
import sys
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MNIST_MIRRORS = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]
FASHION_MNIST_MIRRORS = [
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]

# sha256 of the official files. MNIST's match the shared datasets README (whose md5s are
# LeCun's published ones). Zalando publishes only md5s for Fashion-MNIST (8d4fb7e6..., 25c81989...,
# bef4ecab..., bb300cfd... in the order below); these sha256s are those of the same files, as
# TensorFlow Datasets and Keras list them.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
FASHION_MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}

SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
IMAGE_SIZE = (28, 28)


class DatasetFileError(ValueError):
    """A data file is not what it should be: wrong checksum, not gzip, bad IDX header, truncated."""


# ------------------------------------------------------------------ MNIST-style


def load_mnist(root: str | Path | None = None, split: str = "train",
               download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST handwritten digits: images uint8 (N, 28, 28), labels int64 (N,) in 0..9.

    split is "train" (60,000 images) or "test" (10,000).
    """
    return _load_idx_pair("load_mnist", "mnist", root, split, download,
                          MNIST_MIRRORS, MNIST_SHA256)


def load_fashion_mnist(root: str | Path | None = None, split: str = "train",
                       download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (Zalando articles, 10 classes): same shapes and splits as load_mnist."""
    return _load_idx_pair("load_fashion_mnist", "fashion-mnist", root, split, download,
                          FASHION_MNIST_MIRRORS, FASHION_MNIST_SHA256)


def default_root(name: str) -> Path:
    """$TINYGRAD_EDU_DATA/<name> when that variable is set, else ~/.cache/tinygrad_edu/<name>."""
    shared = os.environ.get("TINYGRAD_EDU_DATA")
    base = Path(shared) if shared else Path.home() / ".cache" / "tinygrad_edu"
    return base / name


def _load_idx_pair(
    caller: str, name: str, root: str | Path | None, split: str, download: bool,
    mirrors: Sequence[str], checksums: dict[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    if split not in SPLITS:
        raise ValueError(f"{caller}: split must be one of {sorted(SPLITS)}, got {split!r}")
    root = default_root(name) if root is None else Path(root)
    images_file, labels_file = SPLITS[split]
    paths = [fetch(caller, filename, root, mirrors, checksums[filename], download)
             for filename in (images_file, labels_file)]
    images = read_idx(paths[0], IMAGES_MAGIC, caller)
    labels = read_idx(paths[1], LABELS_MAGIC, caller)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SIZE:
        raise DatasetFileError(f"{caller}: {paths[0]} holds images of shape {images.shape[1:]}, "
                               f"expected {IMAGE_SIZE}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DatasetFileError(f"{caller}: {paths[1]} has labels of shape {labels.shape} for "
                               f"{len(images)} images in {paths[0]}")
    return images, labels.astype(np.int64)


def read_idx(path: str | Path, expected_magic: int, caller: str = "read_idx") -> np.ndarray:
    """Parse one gzip-compressed IDX file of unsigned bytes into an array of its dims."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except EOFError:
        raise DatasetFileError(f"{caller}: {path} is truncated (the gzip stream ends early)") \
            from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise DatasetFileError(f"{caller}: {path} is not a valid gzip file ({error})") from None
    if len(data) < 4:
        raise DatasetFileError(f"{caller}: {path} is truncated: {len(data)} bytes, "
                               "not even a magic number")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        kind = "images" if expected_magic == IMAGES_MAGIC else "labels"
        raise DatasetFileError(f"{caller}: {path} has magic number {magic}, expected "
                               f"{expected_magic} (IDX {kind})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetFileError(f"{caller}: {path} is truncated inside its header")
    dims = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    # math.prod of Python ints never overflows; np.prod would wrap around past 2**63
    expected = header + math.prod(dims)
    if len(data) != expected:
        problem = "is truncated" if len(data) < expected else "has trailing bytes"
        raise DatasetFileError(f"{caller}: {path} {problem}: dims {dims} need {expected} bytes, "
                               f"the file has {len(data)}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


# ------------------------------------------------------ checksums and download


def sha256sum(path: str | Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksum(caller: str, path: Path, expected: str) -> None:
    actual = sha256sum(path)
    if actual != expected:
        raise DatasetFileError(
            f"{caller}: checksum mismatch for {path}: sha256 is {actual}, expected {expected}. "
            "The file is corrupted or not the official one; delete it to download it again."
        )


def fetch(caller: str, filename: str, root: Path, mirrors: Sequence[str], sha256: str,
          download: bool) -> Path:
    """root/filename, downloaded first if it is missing; its checksum verified either way."""
    path = root / filename
    if not path.exists():
        if not download:
            raise FileNotFoundError(f"{caller}: {path} not found; pass download=True, or set "
                                    "TINYGRAD_EDU_DATA to a directory that holds the files")
        _download(caller, filename, path, mirrors, sha256)
    verify_checksum(caller, path, sha256)
    return path


def _download(caller: str, filename: str, path: Path, mirrors: Sequence[str],
              sha256: str) -> None:
    """Try each mirror until one gives the file with the right checksum.

    The bytes go to a temporary file that is renamed into place only once the
    checksum matches, so an interrupted or corrupted download never looks valid.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    failures = []
    for mirror in mirrors:
        url = mirror + filename
        print(f"{caller}: downloading {url}", file=sys.stderr)
        try:
            digest = hashlib.sha256()
            with urllib.request.urlopen(url, timeout=60) as response, open(partial, "wb") as out:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
        except OSError as error:
            failures.append(f"{url}: {error}")
            continue
        if digest.hexdigest() != sha256:
            failures.append(f"{url}: checksum mismatch, sha256 {digest.hexdigest()}, "
                            f"expected {sha256}")
            continue
        os.replace(partial, path)
        return
    partial.unlink(missing_ok=True)
    raise OSError(f"{caller}: could not download {filename} from any mirror:\n  "
                  + "\n  ".join(failures))


# ------------------------------------------------------------------------- CSV


def load_csv(path: str | Path, columns: Sequence[str] | None = None, delimiter: str = ",",
             sha256: str | None = None) -> dict[str, np.ndarray]:
    """Read a CSV file with a header row into {column name: 1-D array}, in file order.

    Each column gets the first type that fits every one of its cells:

    * int64 when all cells are integers between -2**63 and 2**63 - 1;
    * float64 when all cells are numbers;
    * str otherwise. A column of integers too large for int64 (20-digit IDs,
      say) is kept as str too, with every digit: float64 would round them, and
      two different IDs could compare equal.

    `columns` keeps only those (in that order); `sha256` verifies the file first.

        table = load_csv("Social_Network_Ads.csv", columns=["Age", "EstimatedSalary", "Purchased"])
        X = np.column_stack([table["Age"], table["EstimatedSalary"]]); y = table["Purchased"]
    """
    path = Path(path)
    if sha256 is not None:
        verify_checksum("load_csv", path, sha256)
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [row for row in csv.reader(f, delimiter=delimiter) if row]
    if not rows:
        raise DatasetFileError(f"load_csv: {path} is empty")
    header, body = rows[0], rows[1:]
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise DatasetFileError(f"load_csv: {path} line {line} has {len(row)} fields, "
                                   f"the header has {len(header)}")
    wanted = header if columns is None else list(columns)
    missing = [name for name in wanted if name not in header]
    if missing:
        raise KeyError(f"load_csv: {path} has no column {missing}; its columns are {header}")
    return {name: _typed_column([row[header.index(name)] for row in body]) for name in wanted}


def _typed_column(cells: list[str]) -> np.ndarray:
    """The cells as int64, float64 or str: the first that fits them all (see load_csv)."""
    try:
        return np.array(cells, dtype=np.int64)
    except OverflowError:  # integers beyond int64 somewhere: text if they are all integers
        if all(_is_integer(cell) for cell in cells):
            return np.array(cells, dtype=str)
    except ValueError:     # a cell that is not an integer: try floats
        pass
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:
        return np.array(cells, dtype=str)


def _is_integer(cell: str) -> bool:
    try:
        int(cell)
    except ValueError:
        return False
    return True
