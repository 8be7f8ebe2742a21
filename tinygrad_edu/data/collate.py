"""default_collate: turn a list of samples into one batch, as PyTorch's default_collate does.

A sample can be an array, a Tensor, a number, a string, or a list, tuple or
dict of those (nested as deep as you like). The batch has the same structure
as one sample, with each leaf replaced by all the samples' leaves together:

    arrays, Tensors, numbers  ->  one Tensor, stacked along a new first axis
                                  (a Python int gives int64, a float float64, a bool bool)
    strings                   ->  a list of the strings
    dicts                     ->  a dict, each key collated on its own
    lists, tuples             ->  the same kind of sequence, field by field ("transposed")

    default_collate([(x0, 0), (x1, 1)])  ==  (Tensor([x0, x1]), Tensor([0, 1]))
    default_collate([{"x": x0, "y": 0}, {"x": x1, "y": 1}])
        ==  {"x": Tensor([x0, x1]), "y": Tensor([0, 1])}

Unlike PyTorch, a tuple sample gives a tuple batch (PyTorch returns a list).
Samples that do not match (other shapes, lengths, keys or types) raise
ValueError naming where in the sample they differ and how.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tinygrad_edu.tensor import Tensor


def default_collate(samples: Sequence[Any]) -> Any:
    """One batch from a non-empty list of samples of the same structure (see the module doc)."""
    if len(samples) == 0:
        raise ValueError("default_collate: needs at least one sample")
    return _collate(list(samples), "samples")


def _collate(items: list[Any], where: str) -> Any:
    """Collate the values found at the same place (`where`) in every sample."""
    first = items[0]
    _check_same_type(items, where)
    if isinstance(first, (str, bytes)):
        return list(items)
    if _is_array_like(first):
        return _stack(items, where)
    if isinstance(first, Mapping):
        return _collate_mapping(items, where)
    if isinstance(first, Sequence):
        return _collate_sequence(items, where)
    raise TypeError(f"default_collate: {where} is a {type(first).__name__}; a sample may hold "
                    "arrays, Tensors, numbers, strings, and lists, tuples or dicts of them")


def _is_array_like(value: Any) -> bool:
    return isinstance(value, (Tensor, np.ndarray, np.generic, numbers.Number))


def _kind(value: Any) -> type:
    """The kind of value for matching samples: any array, Tensor or number stack together."""
    return np.ndarray if _is_array_like(value) else type(value)


def _check_same_type(items: list[Any], where: str) -> None:
    for i, item in enumerate(items):
        if _kind(item) is not _kind(items[0]):
            raise ValueError(f"default_collate: {where} do not match: sample 0 is of type "
                             f"{type(items[0]).__name__}, sample {i} of type {type(item).__name__}")


def _stack(items: list[Any], where: str) -> Tensor:
    """Arrays, Tensors or numbers of one shape -> a Tensor with a new first axis."""
    arrays = [item.data if isinstance(item, Tensor) else np.asarray(item) for item in items]
    for i, array in enumerate(arrays):
        if array.shape != arrays[0].shape:
            raise ValueError(f"default_collate: {where} do not match: sample 0 has shape "
                             f"{arrays[0].shape}, sample {i} has shape {array.shape}")
    batch = np.stack(arrays)
    if batch.dtype.kind not in "biuf":
        raise TypeError(f"default_collate: {where} holds arrays of dtype {batch.dtype}; "
                        "only numbers and booleans can be batched into a Tensor")
    return Tensor(batch, dtype=batch.dtype)  # the exact dtype: float64 stays float64


def _collate_mapping(items: list[Mapping], where: str) -> dict[Any, Any]:
    """Dicts with the same keys -> a dict of batches, key by key."""
    keys = list(items[0])
    for i, item in enumerate(items):
        if set(item) != set(keys):
            raise ValueError(f"default_collate: {where} do not match: sample 0 has keys "
                             f"{sorted(keys, key=str)}, sample {i} has {sorted(item, key=str)}")
    return {key: _collate([item[key] for item in items], f"{where}[{key!r}]") for key in keys}


def _collate_sequence(items: list[Sequence], where: str) -> Sequence:
    """Lists or tuples of one length -> the same kind of sequence, one batch per field."""
    for i, item in enumerate(items):
        if len(item) != len(items[0]):
            raise ValueError(f"default_collate: {where} do not match: sample 0 has "
                             f"{len(items[0])} fields, sample {i} has {len(item)}")
    fields = [_collate(list(column), f"{where}[{j}]") for j, column in enumerate(zip(*items))]
    first = items[0]
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*fields)
    return tuple(fields) if isinstance(first, tuple) else fields
