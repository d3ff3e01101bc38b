"""Executors: where architectures are scored (this module only maps work over workers).

An executor maps a function (:func:`nasplug.evaluation.jobs.run_scoring_job`)
over jobs and yields each job's result as soon as it is done (in any order).
What a job is and what a worker does with it is :mod:`nasplug.evaluation.jobs`.
Scores do not depend on the executor (see there).

Built-in executors (registered by ``nasplug.default_plugins``):

``inprocess``
    scores in the calling process, one architecture after another, with
    ``threads`` torch threads (default: :func:`nasplug.threads.default_threads`,
    the free cores; idle OpenMP threads wait passively).
``pool``
    a local ``multiprocessing`` pool (spawned workers). Each worker gets
    ``threads // workers`` torch threads (at least 1; ``threads`` defaults to the
    cores this process may use): with 2 cores, ``--workers 2`` runs two
    single-threaded workers, which beats one two-threaded process because
    small-batch convolutions do not scale across threads.
``ray``
    Ray tasks, one CPU each, on a local Ray instance or the cluster at
    ``address`` (``pip install 'nasplug[ray]'``; Ray is imported only here).

This module is import-light: torch is imported inside the worker functions.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator

from .errors import NasplugError, one_line

# The jobs executors run live in nasplug.evaluation.jobs; these names are re-exported
# from here because plugins and scripts import them from nasplug.executors.
from .evaluation.jobs import (
    CellResult,
    JobContext,
    PluginSpec,
    ScoringJob,
    arch_seed,
    clear_worker_state,
    run_scoring_job,
    score_one,
)
from .evaluation.predictors import PredictorRef, build_predictor
from .threads import available_cores, default_threads, passive_waiting
from .threads import threads_per_worker as threads_per_worker_of

#: the former name of :class:`nasplug.evaluation.jobs.JobContext`
ScoringContext = JobContext


def _warm_up_worker() -> None:
    """Load the process-wide plugin manager (entry points), as most jobs will need it."""
    from .plugins import get_plugin_manager

    get_plugin_manager()


def _init_pool_worker(threads: int) -> None:
    # Set before torch is imported in this fresh (spawned) process.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set in this process
        pass


# -- executors ---------------------------------------------------------------------

class Executor:
    """Base class of executor plugins.

    ``Executor(workers=None, threads=None, **options)``; ``map(fn, jobs)`` yields ``fn(job)``
    for every job, in completion order; ``close()`` frees workers. ``worker_threads``
    is the torch thread count each worker uses (None: leave torch's default).
    Executors that run jobs in other processes set ``needs_pickling = True``.
    """

    name: str = ""
    description: str = ""
    needs_pickling: bool = True

    def __init__(self, workers: int | None = None, threads: int | None = None, **options: Any) -> None:
        if workers is not None and int(workers) < 1:
            raise NasplugError(f"--workers must be at least 1, got {workers}")
        if threads is not None and int(threads) < 1:
            raise NasplugError(f"--threads must be at least 1, got {threads}")
        passive_waiting()  # idle OpenMP threads sleep (if torch is not imported yet)
        self.workers = int(workers) if workers else 1
        #: torch threads in all, as asked for (None: the executor's default)
        self.threads = int(threads) if threads else None
        self.options = options
        self.worker_threads: int | None = None

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        raise NotImplementedError

    def start(self) -> None:
        """Start workers ahead of the first ``map`` (optional; ``map`` starts them anyway)."""

    def close(self) -> None:
        """Release workers."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Scores in the calling process (the default)."""

    name = "inprocess"
    description = "score in this process, one architecture after another"
    needs_pickling = False

    def __init__(self, workers: int | None = None, threads: int | None = None, **options: Any) -> None:
        super().__init__(workers=workers, threads=threads, **options)
        self.worker_threads = self.threads or default_threads()
        clear_worker_state()  # built for another plugin manager or predictor, maybe

    def close(self) -> None:
        clear_worker_state()

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        for job in jobs:
            yield fn(job)


class PoolExecutor(Executor):
    """A local pool of spawned worker processes."""

    name = "pool"
    description = "local process pool (--workers N, cores//N torch threads each)"

    def __init__(self, workers: int | None = None, threads_per_worker: int | None = None,
                 threads: int | None = None, **options: Any) -> None:
        super().__init__(workers=available_cores() if workers is None else workers, threads=threads,
                         **options)
        self.worker_threads = int(threads_per_worker or threads_per_worker_of(
            self.threads or available_cores(), self.workers))
        self._pool: Any = None
        self._mapped = False

    def _get_pool(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: forking a process that already runs torch threads can hang.
            # concurrent.futures rather than multiprocessing.Pool: a worker that dies
            # (killed, out of memory, crashed) breaks the pool loudly instead of hanging it.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_pool_worker,
                                             initargs=(int(self.worker_threads or 1),))
        return self._pool

    def start(self) -> None:
        """Spawn every worker now and let it import torch and load the plugins, so
        that happens while the caller is still loading tables and data."""
        if self._pool is None:
            pool = self._get_pool()
            for _ in range(self.workers):
                pool.submit(_warm_up_worker)

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        pool = self._get_pool()
        self._mapped = True
        futures = [pool.submit(fn, job) for job in jobs]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool as exc:
            self._terminate()
            raise NasplugError(f"a worker process of the pool died ({exc}); everything scored "
                               "before that is kept in the score store, rerun to resume") from None
        except BaseException:
            self._terminate()
            raise

    def _terminate(self) -> None:
        if self._pool is not None:
            processes = list((getattr(self._pool, "_processes", None) or {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
            for process in processes:
                # SIGTERM can be lost by a worker still starting up (it arrives while the
                # new process runs its parent's signal handlers, e.g. Ray's): then kill it
                process.join(5)
                if process.is_alive():
                    process.kill()
                    process.join(5)
            self._pool = None

    def close(self) -> None:
        if self._pool is not None and not self._mapped:
            self._terminate()  # started but never used (e.g. the run stopped on bad input)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _import_ray():
    try:
        import ray
    except ImportError:
        raise NasplugError("the ray executor needs Ray, which is not installed; "
                           "install it with: pip install 'nasplug[ray]'") from None
    return ray


class RayExecutor(Executor):
    """Ray tasks (one CPU each) on a local instance or the cluster at ``address``."""

    name = "ray"
    description = "Ray tasks on a local instance or --address (pip install 'nasplug[ray]')"

    def __init__(self, workers: int | None = None, address: str | None = None,
                 threads_per_worker: int | None = 1, threads: int | None = None, **options: Any) -> None:
        if workers is None and not address:
            workers = available_cores()
        super().__init__(workers=workers, threads=threads, **options)
        self.ray = _import_ray()
        self.address = address
        self.worker_threads = (threads_per_worker_of(self.threads, self.workers) if self.threads
                               else threads_per_worker)
        self._started = False
        self._remote: Any = None

    def _ensure(self, paths: tuple[str, ...] = ()) -> None:
        ray = self.ray
        if not ray.is_initialized():
            kwargs: dict = {"ignore_reinit_error": True, "log_to_driver": False,
                            "include_dashboard": False}
            if self.address:
                kwargs["address"] = self.address
            else:
                kwargs["num_cpus"] = self.workers
            if paths:  # plugin modules outside site-packages (tests, local plugins)
                kwargs["runtime_env"] = {"env_vars": {"PYTHONPATH": os.pathsep.join(paths)}}
            try:
                ray.init(**kwargs)
            except Exception as exc:
                raise NasplugError(f"cannot start or reach Ray"
                                   f"{' at ' + self.address if self.address else ''}: "
                                   f"{one_line(exc)}") from None
            self._started = True
        if self._remote is None:
            self._remote = ray.remote(num_cpus=1)(_ray_run)

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        jobs = list(jobs)
        paths: tuple[str, ...] = ()
        for job in jobs:
            ctx = getattr(job, "context", None)
            if ctx is not None:
                paths = tuple(ctx.plugins.paths)
                break
        self._ensure(paths)
        ray = self.ray
        pending = [self._remote.remote(fn, job, self.worker_threads) for job in jobs]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                yield ray.get(done[0])
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise

    def close(self) -> None:
        if self._started and self.ray.is_initialized():
            self.ray.shutdown()
        self._started = False
        self._remote = None


def _ray_run(fn: Callable, job: Any, threads: int | None):
    if threads:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return fn(job)


BUILTIN_EXECUTORS: list = [InProcessExecutor, PoolExecutor, RayExecutor]


def get_executor(name: str = "inprocess", workers: int | None = None, **options: Any) -> Executor:
    """An executor instance by registered name."""
    from .plugins import get_registry

    cls = get_registry().get("executors", name)
    options = {k: v for k, v in options.items() if v is not None}
    return cls(workers=workers, **options)


__all__ = ["BUILTIN_EXECUTORS", "CellResult", "Executor", "InProcessExecutor", "JobContext",
           "PluginSpec", "PoolExecutor", "PredictorRef", "RayExecutor", "ScoringContext", "ScoringJob",
           "arch_seed", "available_cores", "build_predictor", "get_executor", "run_scoring_job",
           "score_one"]
