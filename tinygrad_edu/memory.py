"""Keep freed memory for the next training step, instead of handing it back to the system.

A training step allocates the same large arrays every time: activations, im2col's
columns, gradients. They all die when the step's graph does, and the next step
asks for them again. glibc's malloc gives large blocks back to the operating
system as soon as they are freed (it `mmap`s each block above a threshold and
trims the free top of its heap above another), so the next step gets fresh
pages, and the kernel must fault in and zero every one of them before it is
used. For LeNet-5 on MNIST that was about a third of every batch.

`keep_freed_memory` raises both thresholds with `mallopt`, so freed blocks stay
in the process and the next step reuses them: the role a caching allocator plays
in PyTorch. The price is that up to `trim_threshold` bytes of free memory stay
with the process after a peak. `import tinygrad_edu` calls it once; set
TINYGRAD_EDU_KEEP_FREED_MEMORY=0 in the environment to leave malloc as it was.
On a C library other than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import platform

M_TRIM_THRESHOLD = -1
"""mallopt's parameter: free memory at the top of the heap above this is given back."""
M_MMAP_THRESHOLD = -3
"""mallopt's parameter: blocks of this size or more get pages of their own (mmap),
which go back to the system when the block is freed."""
MiB = 1 << 20
LARGEST_MMAP_THRESHOLD = 32 * MiB
"""glibc refuses a larger one on 64-bit systems."""
OPT_OUT = "TINYGRAD_EDU_KEEP_FREED_MEMORY"


def keep_freed_memory(trim_threshold: int = 64 * MiB,
                      mmap_threshold: int = LARGEST_MMAP_THRESHOLD) -> bool:
    """Ask glibc's malloc to serve blocks below `mmap_threshold` bytes from its heap
    and to keep up to `trim_threshold` bytes of free heap; True if it agreed."""
    if platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)
                and mallopt(M_TRIM_THRESHOLD, trim_threshold))


def keep_freed_memory_unless_opted_out() -> bool:
    """`keep_freed_memory()`, unless TINYGRAD_EDU_KEEP_FREED_MEMORY=0 is set."""
    if os.environ.get(OPT_OUT, "1") == "0":
        return False
    return keep_freed_memory()
