"""Save and load state dicts (name -> Tensor) in the safetensors format.

A safetensors file is an 8-byte little-endian header length, a JSON header
(name -> dtype, shape, byte offsets) and the raw bytes of every array. Loading
one only reads numbers; nothing in the file is ever executed. That is why we
never use pickle, whose files can run arbitrary code when they are loaded (as a
`torch.save` file does with `torch.load(weights_only=False)`).

    tg.save(model.state_dict(), "mlp.safetensors")
    model.load_state_dict(tg.load("mlp.safetensors"))

`save` writes a temporary file next to the target and renames it into place
only once it is complete, so a save that fails part-way (a full disk, Ctrl-C)
leaves the previous checkpoint as it was. The files open in PyTorch with
`safetensors.torch.load_file`; bfloat16 tensors in files written elsewhere are
read as float32, which holds every bfloat16 value exactly.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from safetensors import SafetensorError, deserialize
from safetensors.numpy import save_file

from tinygrad_edu.tensor import Tensor

PathLike = str | os.PathLike

# The dtype codes of the safetensors format that load() reads, and the NumPy
# dtype of their (little-endian) bytes. BF16 is handled apart: NumPy has no bfloat16.
_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}
# What save() accepts: exactly the dtypes load() gives back (by name, so either byte order).
_SAVABLE = sorted(np.dtype(code).name for code in _DTYPES.values())
# The header entry safetensors reserves for the file's own metadata (a str -> str map).
_METADATA_KEY = "__metadata__"

# First bytes of the formats people most often pass by mistake.
_PICKLE_START = b"\x80"          # the PROTO opcode that starts pickle protocols 2 and later
_ZIP_START = b"PK\x03\x04"       # torch.save's default zip container (which holds a pickle)


# ---------------------------------------------------------------------- save


def save(state_dict: Mapping[str, Tensor | np.ndarray], path: PathLike) -> None:
    """Write every tensor of `state_dict` to `path` with its exact dtype, shape and values.

    Everything is checked before anything is written (TypeError / ValueError
    naming the entry at fault). The file is written to a temporary file in the
    same folder and renamed over `path` when complete: an existing file at
    `path` is either replaced whole or, if the save fails, left untouched.
    """
    arrays = _arrays_to_save(state_dict)
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"save: the folder of {path} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"save: {path} is a directory")
    _write_atomically(arrays, path)


def _arrays_to_save(state_dict: Mapping[str, Tensor | np.ndarray]) -> dict[str, np.ndarray]:
    """The C-ordered arrays to write, after checking every name, type and dtype."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: state_dict must be a mapping name -> Tensor, "
                        f"got {type(state_dict).__name__}")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save: keys must be strings, got {name!r}")
        if name == _METADATA_KEY:
            raise ValueError(f"save: the key {_METADATA_KEY!r} is reserved by the safetensors "
                             "format for the file's metadata; rename that entry")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, "
                            "not a Tensor or numpy array")
        # order="C": safetensors stores row-major bytes (and, unlike ascontiguousarray,
        # this keeps a 0-d array 0-d)
        array = np.asarray(value.data if isinstance(value, Tensor) else value, order="C")
        if array.dtype.name not in _SAVABLE:
            raise TypeError(f"save: {name!r} has dtype {array.dtype.name}, which save cannot "
                            f"store; the dtypes it stores are {', '.join(_SAVABLE)}")
        arrays[name] = array
    return arrays


def _write_atomically(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write the file under a temporary name in `path`'s folder, then rename it to `path`.

    os.replace is atomic when both names are in the same folder (same file
    system): readers see either the old file or the new one, never half of one.
    Whatever stops the writing, the temporary file is removed.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    os.close(handle)
    try:
        save_file(arrays, temporary)
        _flush_to_disk(temporary)
        os.replace(temporary, path)
    except BaseException:  # also KeyboardInterrupt: never leave the temporary file behind
        Path(temporary).unlink(missing_ok=True)
        raise


def _flush_to_disk(path: PathLike) -> None:
    """Make sure the file's bytes are on disk before it is renamed into place."""
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


# ---------------------------------------------------------------------- load


def load(path: PathLike) -> dict[str, Tensor]:
    """Read a safetensors file written by `save` (or by any safetensors writer).

    Every tensor keeps its dtype, except bfloat16, which NumPy lacks: it is
    read as float32, which holds each bfloat16 value exactly. Raises
    ValueError naming the file when it is a directory, not a safetensors file,
    or holds a dtype NumPy cannot represent (float8, complex). A pickle is only
    ever parsed as safetensors (and refused), never unpickled.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"load: {path} is a directory, not a safetensors file")
    try:
        tensors = deserialize(path.read_bytes())
    except SafetensorError as error:
        raise ValueError(f"load: {path} is not a valid safetensors file: it looks like "
                         f"{_what_it_is(path)} ({error})") from None
    return {name: _to_tensor(path, name, entry) for name, entry in tensors}


def _to_tensor(path: Path, name: str, entry: dict) -> Tensor:
    """One tensor of the file, from its dtype code, shape and raw little-endian bytes."""
    code, shape, data = entry["dtype"], entry["shape"], entry["data"]
    if code == "BF16":
        array = _bfloat16_to_float32(data)
    elif code in _DTYPES:
        array = np.frombuffer(data, dtype=_DTYPES[code])
    else:
        raise ValueError(f"load: {path}: tensor {name!r} has dtype {code}, which tinygrad_edu "
                         f"cannot hold (it reads {', '.join(_DTYPES)} and BF16)")
    # astype copies into a writable array of the machine's byte order
    array = array.astype(array.dtype.newbyteorder("=")).reshape(shape)
    return Tensor(array, dtype=array.dtype)


def _bfloat16_to_float32(data: bytes) -> np.ndarray:
    """bfloat16 is the upper half of a float32: shifting its 16 bits up gives that float32."""
    upper = np.frombuffer(data, dtype="<u2").astype(np.uint32)
    return (upper << 16).view(np.float32)


def _what_it_is(path: PathLike) -> str:
    """A guess at what a file that failed to parse is, for the error message.

    Only consulted after parsing failed: a valid safetensors file may start with
    any byte, since its first 8 bytes are the header length.
    """
    with open(path, "rb") as f:
        start = f.read(4)
    if start.startswith(_PICKLE_START):
        return "a pickle (never unpickled here: loading a pickle can run arbitrary code)"
    if start == _ZIP_START:
        return "a zip archive, as torch.save writes (it holds a pickle)"
    return "a damaged file or another format"
