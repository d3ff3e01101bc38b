"""Keep freed tensor memory in the process (glibc malloc tuning).

PyTorch on the CPU allocates every tensor with the C library's ``malloc``. With
glibc's defaults, a multi-megabyte buffer (a NAS-Bench-201 activation at batch
64 is 4 MiB) is handed back to the operating system when it is freed, and the
next one has to be faulted in again page by page. On the virtual machines this
project is measured on that costs more than the work that fills the buffer: a
16-channel 32x32 convolution backward at batch 64 takes 6-7 ms instead of
1.8-1.9 ms, and grasp runs at 3.01x the compute floor instead of 2.77x
(``benchmarks/bench_second_order.py``).

:func:`keep_freed_memory` sets two ``mallopt`` parameters so that such buffers
are reused from the heap: ``M_MMAP_THRESHOLD`` (allocations below it come from
the heap: 32 MiB, glibc's maximum) and ``M_TRIM_THRESHOLD`` (free memory the
heap keeps before shrinking: 2 GiB, the largest value ``mallopt`` takes). The
cost is that the process keeps its peak memory instead of shrinking between
architectures. nasplug calls it once, at
its first zero-cost query (every ``nasplug eval`` worker included).

It does nothing where the allocator is not glibc's, when the user chose the
allocator's behaviour (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``,
``GLIBC_TUNABLES`` or an ``LD_PRELOAD``-ed jemalloc/tcmalloc), or when
``NASPLUG_KEEP_FREED_MEMORY=0``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import sys

ENV = "NASPLUG_KEEP_FREED_MEMORY"
#: mallopt parameter numbers (glibc malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 2**31 - 1  # the largest value mallopt takes: 2 GiB

_applied: bool | None = None


def _user_chose_allocator() -> str | None:
    """Why the allocator is the user's business here (None when it is not)."""
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"):
        if os.environ.get(name):
            return f"${name} is set"
    preload = os.environ.get("LD_PRELOAD", "")
    if any(lib in preload for lib in ("jemalloc", "tcmalloc", "mimalloc")):
        return "another allocator is preloaded"
    if os.environ.get(ENV, "").strip().lower() in ("0", "false", "no", "off"):
        return f"${ENV} is off"
    return None


def keep_freed_memory(mmap_threshold: int = MMAP_THRESHOLD, trim_threshold: int = TRIM_THRESHOLD,
                      *, force: bool = False) -> bool:
    """Tune glibc's malloc as the module docstring says; True if it was applied.

    Applied at most once per process (later calls return the first answer)
    unless ``force`` is true.
    """
    global _applied
    if _applied is not None and not force:
        return _applied
    _applied = False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    if _user_chose_allocator() is not None:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; set the trim threshold first so that a
    # refused mmap threshold leaves nothing half-done that matters
    _applied = bool(mallopt(M_TRIM_THRESHOLD, int(trim_threshold))
                    and mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)))
    return _applied
