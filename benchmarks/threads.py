"""How many threads the contenders' math libraries use, set once for the whole run.

NumPy's BLAS (OpenBLAS here) reads its thread count from the environment when
NumPy is first imported, so `limit_blas_threads` must run before that; PyTorch
can be told at any time. By default both keep the machine's default (one
thread per core). On a machine shared with other work, BLAS threads that
spin-wait for each other can make every matmul several times slower and very
noisy, so `--threads 1` is the steadier setting for before/after comparisons.
"""

from __future__ import annotations

import os
import sys

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads(threads: int | None) -> None:
    """Give NumPy's BLAS `threads` threads (None: leave the default). Child processes inherit it."""
    if threads is None:
        return
    if "numpy" in sys.modules:
        raise RuntimeError("limit_blas_threads: NumPy is already imported; its BLAS has "
                           "already read its thread count")
    for name in BLAS_VARIABLES:
        os.environ[name] = str(threads)


def set_torch_threads(threads: int | None) -> int | None:
    """Give PyTorch `threads` threads (None: the machine's default, one per core) and
    return how many it has; None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads or os.cpu_count() or 1)
    return torch.get_num_threads()


def describe(threads: int | None) -> str:
    """One line for the report: what the BLAS and PyTorch thread counts were."""
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    blas_text = (f"OPENBLAS_NUM_THREADS={blas}" if blas
                 else f"OpenBLAS default (one per core: {os.cpu_count()})")
    torch_count = set_torch_threads(threads)
    torch_text = ("PyTorch not installed" if torch_count is None
                  else f"torch.set_num_threads({torch_count})"
                  + ("" if threads else " (os.cpu_count(), PyTorch's default here)"))
    return f"Threads: NumPy BLAS {blas_text}; {torch_text}"
