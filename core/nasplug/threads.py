"""How many threads scoring uses, so a busy machine does not collapse.

Small-batch convolutions of NAS cells gain little from a second thread, and an
OpenMP thread that spins against a core another job is using slows everyone: on
2 shared cores with one other job, torch's default of 2 spinning threads made
synflow 7-13x slower than 1 thread (issue 15). What nasplug does:

- :func:`passive_waiting`: ``OMP_WAIT_POLICY=PASSIVE`` (and ``KMP_BLOCKTIME=0``
  for Intel's runtime), set before torch is imported, so an idle OpenMP thread
  sleeps instead of spinning. A value the user set is kept. This is what stops
  the collapse (``benchmarks/bench_threads.py``, README "Reliability").
- :func:`default_threads`: the cores this process may run on
  (``os.sched_getaffinity``: a cluster job's allocation, ``taskset``) minus the
  ones other work keeps busy (the 1-minute load average), rounded, at least 1.
  Measured on 2 cores at load average 18-32 (``benchmarks/bench_threads.py``):
  which thread count wins depends on the proxy there (snip: 1 thread, 1.9-3x
  faster than 2; synflow: 2 threads, 2x faster than 1), and one thread is the
  choice that is never far off for every proxy.

``nasplug eval --threads N`` (and ``threads=`` on executors) overrides the
default; a pool of W workers gives each ``max(1, threads // W)`` threads.
Thread counts never change scores beyond float rounding (``tests/test_fault_threads.py``).
"""

from __future__ import annotations

import os

#: environment variables that, when set, say the user chose the thread count
USER_THREAD_VARS = ("NASPLUG_THREADS", "OMP_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def busy_cores(own_threads: int = 0) -> float:
    """Cores other work keeps busy: the 1-minute load average minus ``own_threads``."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - no load average
        return 0.0
    return max(0.0, load - own_threads)


def default_threads(cores: int | None = None, busy: float | None = None) -> int:
    """Threads for scoring in one process: free cores (``cores - busy``, rounded), at least 1.

    ``cores``: default the affinity; ``busy``: default :func:`busy_cores`.
    ``NASPLUG_THREADS`` (or ``OMP_NUM_THREADS``) set to a positive integer wins.
    """
    for var in USER_THREAD_VARS:
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    cores = available_cores() if cores is None else int(cores)
    busy = busy_cores() if busy is None else float(busy)
    return max(1, min(cores, round(cores - busy)))


def threads_per_worker(threads: int, workers: int) -> int:
    """Each of ``workers`` processes gets an equal share of ``threads``, at least 1."""
    return max(1, int(threads) // max(1, int(workers)))


def passive_waiting() -> None:
    """Make idle OpenMP threads sleep rather than spin (only effective before torch is imported)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("KMP_BLOCKTIME", "0")


def apply(threads: int) -> None:
    """Use ``threads`` torch threads in this process (imports torch)."""
    import torch

    if torch.get_num_threads() != int(threads):
        torch.set_num_threads(int(threads))


__all__ = ["available_cores", "apply", "busy_cores", "default_threads", "passive_waiting",
           "threads_per_worker"]
