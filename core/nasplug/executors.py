"""Executors: where architectures are scored.

An executor maps :func:`run_scoring_job` over :class:`ScoringJob` objects and
yields each job's list of :class:`CellResult` as soon as it is done (in any
order). Jobs are plain picklable data (predictor name + kwargs or a submission
path, search-space name, task, architecture strings, batch settings, which
plugins to load); each worker process rebuilds the predictor, the search space
and the data batch once and reuses them for every job with the same context.

Scores do not depend on the executor: the search space is built right after
``torch.manual_seed(seed)``, and every architecture is built and scored right
after ``torch.manual_seed`` of a seed derived from ``(seed, architecture)``.

Built-in executors (registered by ``nasplug.default_plugins``):

``inprocess``
    scores in the calling process, one architecture after another.
``pool``
    a local ``multiprocessing`` pool (spawned workers). Each worker gets
    ``cores // workers`` torch threads (at least 1): with 2 cores, ``--workers 2``
    runs two single-threaded workers, which beats one two-threaded process
    because small-batch convolutions do not scale across threads.
``ray``
    Ray tasks, one CPU each, on a local Ray instance or the cluster at
    ``address`` (``pip install 'nasplug[ray]'``; Ray is imported only here).

This module is import-light: torch is imported inside the worker functions.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import sys
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable, Iterator

from .errors import NasplugError


# -- jobs -------------------------------------------------------------------------

@dataclass(frozen=True)
class PluginSpec:
    """Which plugins a worker loads: entry points and/or extra importable modules."""

    load_entrypoints: bool = True
    modules: tuple[str, ...] = ()
    #: sys.path entries the extra modules need (for workers that do not inherit sys.path)
    paths: tuple[str, ...] = ()

    @classmethod
    def from_plugin_manager(cls, pm) -> "PluginSpec":
        """Describe ``pm`` so a worker can rebuild an equivalent one."""
        modules, paths = [], []
        for plugin in pm.get_plugins():
            name = pm.get_name(plugin)
            if name in pm.origins or not isinstance(plugin, ModuleType):
                continue
            modules.append(plugin.__name__)
            top = sys.modules.get(plugin.__name__.split(".")[0])
            file = getattr(top, "__file__", None)
            if file:
                base = os.path.dirname(os.path.abspath(file))
                if os.path.basename(file) == "__init__.py":
                    base = os.path.dirname(base)
                paths.append(base)
        return cls(load_entrypoints=bool(pm.origins), modules=tuple(sorted(modules)),
                   paths=tuple(dict.fromkeys(paths)))


@dataclass(frozen=True)
class PredictorRef:
    """How a worker gets the predictor.

    ``kind``: ``"registered"`` (``name`` + ``kwargs``), ``"submission"``
    (``path``), ``"pickled"`` (``payload``) or ``"instance"`` (the live object;
    in-process only, never pickled).
    """

    kind: str
    name: str
    kwargs: tuple = ()
    path: str | None = None
    payload: bytes | None = None
    #: id() of the live instance, so two live predictors never share worker state
    ident: int = 0
    instance: Any = field(default=None, compare=False, hash=False, repr=False)

    def __getstate__(self):
        if self.kind == "instance":
            raise NasplugError(f"predictor {self.name!r} is a live object and cannot be sent to "
                               "worker processes; register it as a plugin or use --executor inprocess")
        return self.__dict__.copy()

    def __setstate__(self, state):
        self.__dict__.update(state)


@dataclass(frozen=True)
class ScoringContext:
    """Everything besides the architecture that decides a score."""

    predictor: PredictorRef
    search_space: str
    dataset: str
    batch_size: int
    seed: int
    split: str = "train"
    data_dir: str | None = None
    synthetic: bool = False
    download: bool = False
    augment: bool = False
    plugins: PluginSpec = PluginSpec()
    torch_threads: int | None = None


@dataclass(frozen=True)
class ScoringJob:
    context: ScoringContext
    archs: tuple[str, ...]


@dataclass
class CellResult:
    """One architecture's outcome: a finite ``score`` or an ``error`` (failed cell)."""

    arch: str
    score: float | None
    error: str | None
    seconds: float


def arch_seed(seed: int, arch: str) -> int:
    """The torch seed an architecture is built and scored under."""
    digest = hashlib.sha256(f"{int(seed)}:{arch}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


# -- worker side -------------------------------------------------------------------

_WORKER_STATE: dict = {}
_PLUGIN_STATE: dict = {}


def _ensure_plugins(spec: PluginSpec) -> None:
    """Make the process-wide plugin manager match ``spec`` (once per process)."""
    from . import plugins

    current = plugins._pm  # noqa: SLF001 - the process-wide manager, if any
    if _PLUGIN_STATE.get("spec") == spec and current is _PLUGIN_STATE.get("pm"):
        return
    if current is not None and PluginSpec.from_plugin_manager(current) == spec:
        _PLUGIN_STATE.update(spec=spec, pm=current)
        return
    for path in spec.paths:
        if path not in sys.path:
            sys.path.append(path)
    pm = plugins.NasplugPluginManager()
    if spec.load_entrypoints:
        pm.load_entrypoints()
    import importlib

    for name in spec.modules:
        module = importlib.import_module(name)
        if not pm.is_registered(module):
            pm.register(module, name=name)
    plugins.set_plugin_manager(pm)
    _PLUGIN_STATE.update(spec=spec, pm=pm)


def build_predictor(ref: PredictorRef):
    """The predictor a :class:`PredictorRef` names (``pre_process`` not called)."""
    if ref.kind == "instance":
        return ref.instance
    if ref.kind == "registered":
        from .api import get_predictor

        return get_predictor(ref.name, **dict(ref.kwargs))
    if ref.kind == "submission":
        from .submission import load_submission

        return load_submission(ref.path)
    if ref.kind == "pickled":
        return pickle.loads(ref.payload)
    raise NasplugError(f"unknown predictor reference kind {ref.kind!r}")


class _State:
    __slots__ = ("predictor", "search_space", "loader")


def _state_for(ctx: ScoringContext) -> _State:
    state = _WORKER_STATE.get(ctx)
    if state is not None:
        return state
    import torch

    if ctx.torch_threads:
        torch.set_num_threads(int(ctx.torch_threads))
    _ensure_plugins(ctx.plugins)
    from .api import get_search_space
    from .data import augment_option, get_dataset

    state = _State()
    state.predictor = build_predictor(ctx.predictor)
    if ctx.predictor.kind != "instance":  # the evaluator already called it on a live one
        state.predictor.pre_process()
    torch.manual_seed(int(ctx.seed))
    state.search_space = get_search_space(ctx.search_space, dataset=ctx.dataset)
    dataset = get_dataset(ctx.dataset, data_dir=ctx.data_dir, synthetic=ctx.synthetic,
                          download=ctx.download, **augment_option(ctx.dataset, ctx.augment))
    state.loader = dataset.get_loader(ctx.batch_size, ctx.seed, ctx.split)
    _WORKER_STATE.clear()  # one context at a time keeps worker memory flat
    _WORKER_STATE[ctx] = state
    return state


def _describe_error(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def score_one(state: _State, ctx: ScoringContext, arch: str) -> CellResult:
    """Build ``arch`` in the search space and score it; failures become ``error``."""
    import torch

    start = time.perf_counter()
    graph = None
    try:
        torch.manual_seed(arch_seed(ctx.seed, arch))
        graph = state.search_space.clone()
        graph.set_spec(arch)
        graph.parse()
        raw = state.predictor.query(graph, dataloader=state.loader)
        try:
            score = float(raw)
        except (TypeError, ValueError):
            import numpy as np

            score = float(np.mean(np.asarray(raw, dtype=float)))  # ensembles: NASLib takes the mean
        error = None if math.isfinite(score) else f"predictor returned {score}"
    except Exception as exc:  # a failing cell must not stop the run
        score, error = None, _describe_error(exc)
    finally:
        del graph
    if error is not None:
        score = None
    return CellResult(arch, score, error, time.perf_counter() - start)


def run_scoring_job(job: ScoringJob) -> list[CellResult]:
    """Score every architecture of ``job`` (runs inside an executor's worker).

    A failure to set the worker up (predictor, search space or data) is not a
    failed cell but an error of the whole run: it is raised as a NasplugError.
    """
    try:
        state = _state_for(job.context)
    except NasplugError:
        raise
    except Exception as exc:
        ctx = job.context
        raise NasplugError(f"worker could not set up predictor {ctx.predictor.name!r} on "
                           f"{ctx.search_space}/{ctx.dataset}: {_describe_error(exc)}") from None
    return [score_one(state, job.context, arch) for arch in job.archs]


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

def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Executor:
    """Base class of executor plugins.

    ``Executor(workers=None, **options)``; ``map(fn, jobs)`` yields ``fn(job)``
    for every job, in completion order; ``close()`` frees workers. ``worker_threads``
    is the torch thread count each worker uses (None: leave torch's default).
    Executors that run jobs in other processes set ``needs_pickling = True``.
    """

    name: str = ""
    description: str = ""
    needs_pickling: bool = True

    def __init__(self, workers: int | None = None, **options: Any) -> None:
        if workers is not None and int(workers) < 1:
            raise NasplugError(f"--workers must be at least 1, got {workers}")
        self.workers = int(workers) if workers else 1
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

    def __init__(self, workers: int | None = None, **options: Any) -> None:
        super().__init__(workers=workers, **options)
        _WORKER_STATE.clear()  # built for another plugin manager or predictor, maybe

    def close(self) -> None:
        _WORKER_STATE.clear()

    def map(self, fn: Callable, jobs: Iterable) -> Iterator:
        for job in jobs:
            yield fn(job)


class PoolExecutor(Executor):
    """A local pool of spawned worker processes."""

    name = "pool"
    description = "local process pool (--workers N, cores//N torch threads each)"

    def __init__(self, workers: int | None = None, threads_per_worker: int | None = None,
                 **options: Any) -> None:
        super().__init__(workers=available_cores() if workers is None else workers, **options)
        self.worker_threads = int(threads_per_worker or max(1, available_cores() // self.workers))
        self._pool = None
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
                                             initargs=(self.worker_threads,))
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
                 threads_per_worker: int | None = 1, **options: Any) -> None:
        if workers is None and not address:
            workers = available_cores()
        super().__init__(workers=workers, **options)
        self.ray = _import_ray()
        self.address = address
        self.worker_threads = threads_per_worker
        self._started = False
        self._remote = None

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
                                   f"{_describe_error(exc)}") from None
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


__all__ = ["BUILTIN_EXECUTORS", "CellResult", "Executor", "InProcessExecutor", "PluginSpec",
           "PoolExecutor", "PredictorRef", "RayExecutor", "ScoringContext", "ScoringJob",
           "arch_seed", "available_cores", "build_predictor", "get_executor", "run_scoring_job",
           "score_one"]
