"""Large blocks of memory given back to the system as soon as they are freed (glibc's malloc).

glibc serves a block of 128 KB or more with a mapping of its own, unmapped when freed,
but raises that threshold (up to 32 MB) each time such a block is freed, so that later
blocks come from its heap, which it keeps. A learning-report year makes and frees
thousands of arrays of one to ten MB: after the first, a worker process held up to
100 MB it had freed, on top of what it was using (bench/reports.py at movement scale).
Fixing the threshold keeps each large array in a mapping of its own, given back when it
goes. Python's own small objects are not concerned (its allocator maps its own arenas).

Fixed at glibc's starting 128 KB. Each new mapping is zeroed page by page by the
kernel, which costs system time: year 2021 at movement scale in one process
(bench/report_year.py) peaked at 226 MB as glibc has it, with 1.5 s of system time;
208 MB and 11 s at 128 KB; 213 MB and 4 s at 1 MB. The full rebuild by a worker of two
processes (bench/reports.py): the largest process 284 MB in 528 s at 128 KB, 301 MB in
520 s at 1 MB; the issue's bound is 300 MB.
"""

import ctypes

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
LARGE_BLOCK = 128 * 1024


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Serve blocks of `threshold` bytes or more with mappings of their own, for the rest of this process.

    True when the C library took the setting; False where it has no such setting (macOS,
    or a C library that is not glibc), which changes nothing else.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (AttributeError, OSError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, threshold) == 1
