"""Keep the memory a scan frees for the next photo, instead of handing it back to the system.

A scan allocates and frees buffers of a photo's size (the decoded frame, its half-size copy,
float maps) for every photo. By default glibc serves each such block with a fresh ``mmap``
and unmaps it on free, so the next photo's buffers start as untouched pages: the kernel
zeroes and maps them one 4 KiB page at a time, about 5,000 page faults a 12 MP photo. With
blocks up to :data:`MMAP_THRESHOLD` taken from the heap, and up to :data:`TRIM_THRESHOLD` of
free heap kept, the next photo reuses the same pages (bench/RESULTS.md, Scan, Speed: about
200 faults a photo, and a photo read 6-18 ms sooner).

The setting is for the whole process and stays: the process keeps up to its peak (a few
hundred MB during a scan) until it exits. It is made on the first scan (``pipeline``) and in
the helper process (``helper``). Where the C library has no ``mallopt`` (macOS, Windows) or
ignores it (musl), nothing changes.
"""

from __future__ import annotations

import ctypes
import threading

#: glibc's ``mallopt`` parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (glibc's own ceiling for it on 64-bit: 32 MiB;
#: a 12 MP frame is 12 MB).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory at the top of the heap is handed back only above this.
TRIM_THRESHOLD = 256 * 2**20

_lock = threading.Lock()
_kept: bool | None = None


def keep_freed_memory() -> bool:
    """Set the process's C allocator to keep freed photo-sized blocks (once; later calls
    only say how it went). Whether it is set."""
    global _kept
    with _lock:
        if _kept is None:
            _kept = _set()
        return _kept


def _set() -> bool:
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError, TypeError):  # none to load, or it has no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
