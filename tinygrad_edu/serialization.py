"""Save and load state dicts (name -> Tensor) in the safetensors format.

A safetensors file is an 8-byte little-endian header length, a JSON header
(name -> dtype, shape, byte offsets) and the raw bytes of every array. Loading
one only reads numbers; nothing in the file is ever executed. That is why we
never use pickle, whose files can run arbitrary code when they are loaded (as a
`torch.save` file does with `torch.load(weights_only=False)`).

    tg.save(model.state_dict(), "mlp.safetensors")
    model.load_state_dict(tg.load("mlp.safetensors"))

The files open in PyTorch with `safetensors.torch.load_file`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from tinygrad_edu.tensor import Tensor

PathLike = str | os.PathLike

# First bytes of the formats people most often pass by mistake.
_PICKLE_START = b"\x80"          # the PROTO opcode that starts pickle protocols 2 and later
_ZIP_START = b"PK\x03\x04"       # torch.save's default zip container (which holds a pickle)


def save(state_dict: Mapping[str, Tensor | np.ndarray], path: PathLike) -> None:
    """Write every tensor of `state_dict` to `path` with its exact dtype, shape and values."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: state_dict must be a mapping name -> Tensor, "
                        f"got {type(state_dict).__name__}")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save: keys must be strings, got {name!r}")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, "
                            "not a Tensor or numpy array")
        # order="C": safetensors stores row-major bytes (and, unlike ascontiguousarray,
        # this keeps a 0-d array 0-d)
        arrays[name] = np.asarray(value.data if isinstance(value, Tensor) else value, order="C")
    save_file(arrays, path)


def load(path: PathLike) -> dict[str, Tensor]:
    """Read a safetensors file written by `save` (or by any safetensors writer).

    Raises ValueError naming the file when it is not a safetensors file; a
    pickle is only ever parsed as safetensors (and refused), never unpickled.
    """
    try:
        arrays = load_file(path)
    except SafetensorError as error:
        raise ValueError(f"load: {path} is not a valid safetensors file: it looks like "
                         f"{_what_it_is(path)} ({error})") from None
    return {name: Tensor(np.array(array), dtype=array.dtype) for name, array in arrays.items()}


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
