"""Stage 3, jobs: what a worker does with one batch of architectures.

A :class:`ScoringJob` is plain picklable data: a :class:`JobContext`
(predictor reference, search space, task, :class:`BatchSettings`, dataset
options, which plugins to load, torch threads) and architecture strings.
:func:`run_scoring_job` runs inside an executor's worker: it rebuilds the
predictor, the search space and the batch once per context (:func:`worker_state`)
and returns one :class:`CellResult` per architecture.

Scores do not depend on where this runs: the search space is built right after
``torch.manual_seed(seed)``, and every architecture is built and scored right
after ``torch.manual_seed`` of :func:`arch_seed` ``(seed, architecture)``.
Imports torch only inside the functions that score.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..errors import NasplugError, one_line
from ..store import cell_error
from .predictors import PredictorRef, build_predictor
from .settings import BatchSettings


@dataclass(frozen=True)
class PluginSpec:
    """Which plugins a worker loads: entry points and/or extra importable modules."""

    load_entrypoints: bool = True
    modules: tuple[str, ...] = ()
    #: sys.path entries the extra modules need (for workers that do not inherit sys.path)
    paths: tuple[str, ...] = ()

    @classmethod
    def from_plugin_manager(cls, pm: Any) -> PluginSpec:
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
class JobContext:
    """Everything besides the architecture that decides a score (one task, one predictor).

    ``dataset_options``: keyword arguments for the task's Dataset, as sorted
    pairs; ``images``: False when the task has no images (the predictor then
    gets ``dataloader=None`` and networks without an ``input_shape`` get
    ``input_shape``). ``live_dataset``: the Dataset the caller already built,
    used in the same process and never pickled.
    """

    predictor: PredictorRef
    search_space: str
    dataset: str
    settings: BatchSettings
    dataset_options: tuple = ()
    images: bool = True
    input_shape: tuple = ()
    plugins: PluginSpec = PluginSpec()
    torch_threads: int | None = None
    live_dataset: Any = field(default=None, compare=False, hash=False, repr=False)

    # attributes of the former flat ScoringContext, read by executors and plugins
    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size

    @property
    def split(self) -> str:
        return self.settings.split

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["live_dataset"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


@dataclass(frozen=True)
class ScoringJob:
    context: JobContext
    archs: tuple[str, ...]


@dataclass
class CellResult:
    """One architecture's outcome: a finite ``score`` or an ``error`` (failed cell)."""

    arch: str
    score: float | None
    error: str | None
    seconds: float
    #: a population predictor's per-cell components (``score`` is then None; see nasplug.population)
    components: dict | None = None


def arch_seed(seed: int, arch: str) -> int:
    """The torch seed an architecture is built and scored under."""
    digest = hashlib.sha256(f"{int(seed)}:{arch}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


# -- worker side -------------------------------------------------------------------

_WORKER_STATE: dict = {}
_PLUGIN_STATE: dict = {}


def clear_worker_state() -> None:
    """Forget the predictor, search space and batch built for the last context."""
    _WORKER_STATE.clear()


def _ensure_plugins(spec: PluginSpec) -> None:
    """Make the process-wide plugin manager match ``spec`` (once per process)."""
    import importlib

    from .. import plugins

    current = plugins.current_plugin_manager()
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
    for name in spec.modules:
        module = importlib.import_module(name)
        if not pm.is_registered(module):
            pm.register(module, name=name)
    plugins.set_plugin_manager(pm)
    _PLUGIN_STATE.update(spec=spec, pm=pm)


class WorkerState:
    """What a worker built for one context: predictor, search space, loader."""

    __slots__ = ("predictor", "search_space", "loader", "input_shape")
    predictor: Any
    search_space: Any
    loader: Any
    input_shape: tuple


def worker_state(ctx: JobContext) -> WorkerState:
    """The state for ``ctx``, built once per process and context (the last one is kept)."""
    state = _WORKER_STATE.get(ctx)
    if state is not None:
        return state
    import torch

    if ctx.torch_threads:
        torch.set_num_threads(int(ctx.torch_threads))
    _ensure_plugins(ctx.plugins)
    from ..api import get_search_space

    state = WorkerState()
    state.predictor = build_predictor(ctx.predictor)
    if ctx.predictor.kind != "instance":  # the caller already called it on a live one
        state.predictor.pre_process()
    torch.manual_seed(ctx.settings.seed)
    state.search_space = get_search_space(ctx.search_space, dataset=ctx.dataset)
    state.input_shape = tuple(ctx.input_shape)
    state.loader = None
    if ctx.images:
        dataset = ctx.live_dataset
        if dataset is None:
            from ..data import get_dataset

            s = ctx.settings
            dataset = get_dataset(ctx.dataset, data_dir=s.data_dir, synthetic=s.synthetic,
                                  download=s.download, **dict(ctx.dataset_options))
        state.loader = dataset.get_loader(ctx.settings.batch_size, ctx.settings.seed,
                                          ctx.settings.split)
    _WORKER_STATE.clear()  # one context at a time keeps worker memory flat
    _WORKER_STATE[ctx] = state
    return state


def _as_float(raw: Any) -> float:
    try:
        return float(raw)
    except (TypeError, ValueError):
        import numpy as np

        return float(np.mean(np.asarray(raw, dtype=float)))  # ensembles: NASLib takes the mean


def on_device(graph: Any, device: str) -> Any:
    """``graph`` moved to ``device`` (built on the CPU under the cell's seed, so its weights do
    not depend on the device; the zero-cost engine puts each batch where the model is)."""
    if device and device != "cpu" and hasattr(graph, "to"):
        return graph.to(device)
    return graph


def score_one(state: WorkerState, ctx: JobContext, arch: str) -> CellResult:
    """Build ``arch`` in the search space and score it; failures become ``error``."""
    import torch

    start = time.perf_counter()
    graph = None
    score: float | None = None
    components: dict | None = None
    try:
        torch.manual_seed(arch_seed(ctx.settings.seed, arch))
        graph = state.search_space.clone()
        graph.set_spec(arch)
        graph.parse()
        graph = on_device(graph, ctx.settings.device)
        if state.loader is None and state.input_shape and not getattr(graph, "input_shape", None):
            graph.input_shape = state.input_shape  # data-free scoring reads only the shape
        if getattr(state.predictor, "component_names", None) and getattr(state.predictor, "population", False):
            from ..population import cell_components

            components = cell_components(state.predictor, graph, state.loader)
            error = None
        else:
            score = _as_float(state.predictor.query(graph, dataloader=state.loader))
            error = cell_error(score)
    except Exception as exc:  # a failing cell must not stop the run
        error = one_line(exc)
    finally:
        del graph
    return CellResult(arch, None if error else score, error, time.perf_counter() - start,
                      None if error else components)


def run_scoring_job(job: ScoringJob) -> list[CellResult]:
    """Score every architecture of ``job`` (runs inside an executor's worker).

    A failure to set the worker up (predictor, search space or data) is not a
    failed cell but an error of the whole run: it is raised as a NasplugError.
    """
    try:
        state = worker_state(job.context)
    except NasplugError:
        raise
    except Exception as exc:
        ctx = job.context
        raise NasplugError(f"worker could not set up predictor {ctx.predictor.name!r} on "
                           f"{ctx.search_space}/{ctx.dataset}: {one_line(exc)}") from None
    return [score_one(state, job.context, arch) for arch in job.archs]


__all__ = ["CellResult", "JobContext", "PluginSpec", "ScoringJob", "WorkerState", "arch_seed",
           "clear_worker_state", "on_device", "run_scoring_job", "score_one", "worker_state"]
