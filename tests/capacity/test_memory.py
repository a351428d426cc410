"""Freed arrays go back to the system at once in a worker process (capacity.memory)."""

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from capacity import celery, memory

ROOT = Path(__file__).resolve().parents[2]

# In a process of its own: the setting lasts for the rest of the process that takes it.
FREED = """
import sys
import numpy as np
from capacity import memory

def resident():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) * 1024

if sys.argv[1] == "returned":
    assert memory.return_large_blocks()
first = np.ones(16 << 20, dtype=np.uint8)
del first  # freed: glibc would now serve blocks under 16 MB from its heap
array = np.ones(8 << 20, dtype=np.uint8)
after = np.ones(1 << 20, dtype=np.uint8)  # above it, where the heap would be
before = resident()
del array
print(before - resident())
"""


def freed_bytes_given_back(mode):
    result = subprocess.run(
        [sys.executable, "-c", FREED, mode], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return int(result.stdout)


needs_glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")


@needs_glibc
def test_the_setting_is_taken_by_glibc():
    assert memory.return_large_blocks() is True


@needs_glibc
def test_a_freed_array_is_given_back_at_once():
    assert freed_bytes_given_back("returned") >= 6 << 20


@needs_glibc
def test_without_it_glibc_keeps_a_freed_array_after_a_larger_one():
    # What the setting is for: this is how a report year's process held what it had freed.
    assert freed_bytes_given_back("default") < 2 << 20


def test_every_worker_process_takes_it(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "return_large_blocks", lambda: calls.append("taken"))
    celery.worker_process_init.send(sender=None)  # what Celery sends as each worker process starts
    assert calls == ["taken"]
