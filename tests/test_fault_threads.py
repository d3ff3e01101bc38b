"""Thread counts that fit the machine (issue 15), and scores that do not depend on them."""

from __future__ import annotations

import math

import pytest

from nasplug import threads


def test_default_threads_are_the_free_cores(monkeypatch):
    import os

    for var in threads.USER_THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    assert threads.default_threads(busy=0.0) == len(os.sched_getaffinity(0))  # affinity
    assert threads.default_threads(cores=2, busy=0.4) == 2
    assert threads.default_threads(cores=2, busy=1.0) == 1
    assert threads.default_threads(cores=2, busy=3.7) == 1  # never below one
    assert threads.default_threads(cores=16, busy=5.2) == 11
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.default_threads(cores=2, busy=0.0) == 3  # the user's choice wins
    monkeypatch.setenv("NASPLUG_THREADS", "1")
    assert threads.default_threads(cores=16, busy=0.0) == 1
    monkeypatch.setenv("NASPLUG_THREADS", "zero")
    assert threads.default_threads(cores=16, busy=0.0) == 3  # not a positive integer: the next one


def test_openmp_waits_passively_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("KMP_BLOCKTIME", "5")
    threads.passive_waiting()
    import os

    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE" and os.environ["KMP_BLOCKTIME"] == "5"


def test_pool_workers_split_the_threads():
    from nasplug.executors import InProcessExecutor, PoolExecutor

    assert PoolExecutor(workers=2, threads=4).worker_threads == 2
    assert PoolExecutor(workers=3, threads=2).worker_threads == 1
    assert PoolExecutor(workers=1, threads=2).worker_threads == 2
    assert InProcessExecutor(threads=3).worker_threads == 3
    with pytest.raises(Exception, match="--threads must be at least 1"):
        InProcessExecutor(threads=0)


def test_scores_do_not_depend_on_the_thread_count():
    """synflow and snip on three NAS-Bench-201 cells: 1 and 2 threads agree to float rounding."""
    import torch

    from nasplug.evaluators import evaluate_task
    from nasplug.executors import InProcessExecutor

    previous = torch.get_num_threads()
    try:
        for proxy in ("synflow", "snip"):
            runs = [evaluate_task(proxy, "nasbench201", "cifar10", test_size=3, batch_size=16,
                                  store=False, executor=InProcessExecutor(threads=n)) for n in (1, 2)]
            one, two = (r["full_testpred"] for r in runs)
            assert len(one) == 3 and all(math.isclose(a, b, rel_tol=1e-5) for a, b in zip(one, two)), (one, two)
    finally:
        torch.set_num_threads(previous)
