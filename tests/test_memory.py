"""`import tinygrad_edu` makes glibc's malloc keep freed memory for the next step
(tinygrad_edu/memory.py): the pages of one step's large arrays are reused by the
next step instead of being handed back to the system and faulted in again."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from tinygrad_edu.memory import OPT_OUT

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc",
                                reason="malloc's thresholds are set on glibc only")

STEP_PAGES = 8 * 3 * (1 << 20) // 4096

# A "training step" that makes eight 3 MB arrays (below the 4 MB from which NumPy asks
# for huge pages) and frees them together; prints the page faults of each of 4 steps.
STEPS = """
import resource, sys
import numpy as np
import tinygrad_edu

def step():
    arrays = [np.ones(3 * (1 << 20) // 8) for _ in range(8)]
    del arrays

faults = []
for _ in range(4):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(*faults)
"""


def faults_per_step(keep: bool) -> list[int]:
    env = {**os.environ, OPT_OUT: "1" if keep else "0"}
    run = subprocess.run([sys.executable, "-c", STEPS], env=env, capture_output=True,
                         text=True, check=True)
    return [int(count) for count in run.stdout.split()]


def test_later_steps_reuse_the_first_steps_pages():
    first, *later = faults_per_step(keep=True)
    assert first >= STEP_PAGES * 0.9  # the first step does fault its pages in
    assert max(later) < STEP_PAGES * 0.05


def test_opting_out_leaves_malloc_handing_memory_back():
    # the contrast that shows what the setting changes: every step faults afresh
    assert min(faults_per_step(keep=False)) >= STEP_PAGES * 0.9
