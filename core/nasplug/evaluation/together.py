"""Stage 4, run (many proxies): every zero-cost proxy of a task scored on each cell at once.

:func:`run_together` does for several zero-cost predictors what
:func:`nasplug.evaluation.run.run_task` does for one, with the same inputs and
the same outputs (one result dict per predictor, in the order given), but
builds each architecture once and scores it with every predictor in one
:func:`nasplug.zerocost.engine.score_many` call, so the proxies share the
forward pass, the task-loss backward and the input-Jacobian backward
(:mod:`nasplug.zerocost.passes`). The store keys are those of single-proxy
runs, so scores computed either way serve both, and a cell is scored only for
the predictors that lack it in the store.

Scores equal single-proxy scores up to float rounding: the same seeds build the
same network (:func:`nasplug.evaluation.jobs.arch_seed`) on the same batch, and
each proxy runs under its own seed. A cell's ``seconds`` is the shared call's
wall time divided by the number of proxies scored in it, so per-proxy seconds
add up to the real cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

from ..errors import NasplugError, one_line
from ..store import cell_error
from .jobs import CellResult, JobContext, arch_seed, on_device, worker_state
from .predictors import ResolvedPredictor, build_predictor
from .settings import DEFAULT_TEST_SIZE
from .tasks import PreparedTask


def shares_passes(resolved: ResolvedPredictor) -> bool:
    """True for a predictor :func:`run_together` can score: a zero-cost proxy, not a population one."""
    from ..zerocost import ZeroCostPredictor

    instance = resolved.instance
    return isinstance(instance, ZeroCostPredictor) and not getattr(instance, "population", False)


@dataclass(frozen=True)
class SharedScoringJob:
    """Architectures to score with every predictor of ``contexts`` (one context per predictor,
    all of one task and one batch setting)."""

    contexts: tuple[JobContext, ...]
    archs: tuple[str, ...]


_STATE: dict = {}


def _predictors(contexts: tuple[JobContext, ...]) -> tuple[Any, list]:
    """``(worker state of the first context, every predictor)``, built once per process."""
    cached = _STATE.get(contexts)
    if cached is not None:
        return cached
    state = worker_state(contexts[0])  # plugins, threads, search space, loader, first predictor
    predictors = [state.predictor]
    for ctx in contexts[1:]:
        predictor = build_predictor(ctx.predictor)
        if ctx.predictor.kind != "instance":
            predictor.pre_process()
        predictors.append(predictor)
    _STATE.clear()
    _STATE[contexts] = (state, predictors)
    return state, predictors


def _outcome(predictor: Any, value: Any) -> tuple[float | None, str | None]:
    """``(score, error)`` of one proxy's value from ``score_many``, as ``query`` would report it."""
    from ..zerocost import NASLIB_FAILURE_SCORE, ScoringError

    if isinstance(value, ScoringError) and getattr(predictor, "on_failure", "raise") != "raise":
        value = float("nan") if predictor.on_failure == "nan" else NASLIB_FAILURE_SCORE
    if isinstance(value, BaseException):
        return None, one_line(value)
    error = cell_error(value)
    return (None if error else float(value)), error


def run_shared_job(job: SharedScoringJob) -> list[list[CellResult]]:
    """Per architecture of ``job``, one :class:`CellResult` per context (runs in a worker)."""
    import torch

    from ..zerocost.engine import score_many

    try:
        state, predictors = _predictors(job.contexts)
    except NasplugError:
        raise
    except Exception as exc:
        ctx = job.contexts[0]
        raise NasplugError(f"worker could not set up the proxies on {ctx.search_space}/{ctx.dataset}: "
                           f"{one_line(exc)}") from None
    seed = job.contexts[0].settings.seed
    out = []
    for arch in job.archs:
        start = time.perf_counter()
        graph = None
        try:
            torch.manual_seed(arch_seed(seed, arch))
            graph = state.search_space.clone()
            graph.set_spec(arch)
            graph.parse()
            graph = on_device(graph, job.contexts[0].settings.device)
            if state.loader is None and state.input_shape and not getattr(graph, "input_shape", None):
                graph.input_shape = state.input_shape
            values = list(score_many(predictors, graph, state.loader).values())
            outcomes = [_outcome(p, v) for p, v in zip(predictors, values)]
        except Exception as exc:  # the cell could not be built: every proxy fails on it
            outcomes = [(None, one_line(exc))] * len(predictors)
        finally:
            del graph
        seconds = (time.perf_counter() - start) / len(predictors)
        out.append([CellResult(arch, score, error, seconds) for score, error in outcomes])
    return out


def run_together(resolved: Sequence[ResolvedPredictor], task: PreparedTask, *,
                 test_size: int = DEFAULT_TEST_SIZE, executor: Any = None, store: Any = None,
                 progress: bool = False, archs: Sequence[str] | None = None,
                 chunk_size: int | None = None) -> list[dict]:
    """Score ``test_size`` architectures of ``task`` with every predictor of ``resolved`` at once.

    Arguments as :func:`nasplug.evaluation.run.run_task`; every predictor must
    pass :func:`shares_passes`. Predictors that read the batch on a task without
    images raise the same DataError as ``run_task`` (the caller skips them first).
    """
    from ..store import StoreKey
    from .run import _job_context, _progress_bar, _result, job_parts, sample_with_truth, scoring_resources

    if int(test_size) < 1:
        raise NasplugError(f"test size must be at least 1, got {test_size}")
    resolved = list(resolved)
    for r in resolved:
        if not shares_passes(r):
            raise NasplugError(f"{r.name} is not a zero-cost proxy; score it with run_task")
        if r.requires_data:
            task.require_images(r.name)
    archs, truth = sample_with_truth(task, test_size, archs)
    keys = [StoreKey(r.name, r.version, task.task, task.settings.seed, task.batch_key()) for r in resolved]
    unique = list(dict.fromkeys(archs))
    with scoring_resources(store, executor) as (store, executor):
        cached = [store.lookup(key, archs) if store else {} for key in keys]
        results = [{a: (c.score, c.error, c.seconds) for a, c in hit.items()} for hit in cached]
        # one group per set of predictors that lack the same cells (usually: all, or none)
        groups: dict[tuple[int, ...], list[str]] = {}
        for arch in unique:
            who = tuple(i for i in range(len(resolved)) if arch not in cached[i])
            if who:
                groups.setdefault(who, []).append(arch)
        pending = sum(len(todo) for todo in groups.values())
        bar = _progress_bar(len(unique), len(unique) - pending, f"{len(resolved)} proxies {task.task}",
                            progress)
        started = time.perf_counter()
        try:
            for who, todo in groups.items():
                contexts = tuple(_job_context(resolved[i], task, executor) for i in who)
                jobs = [SharedScoringJob(contexts, part) for part in job_parts(todo, executor, chunk_size)]
                for per_arch in executor.map(run_shared_job, jobs):
                    for cells in per_arch:
                        for i, cell in zip(who, cells):
                            if store:
                                store.put(keys[i], cell.arch, cell.score, cell.error, cell.seconds)
                            results[i][cell.arch] = (cell.score, cell.error, cell.seconds)
                        if bar is not None:
                            bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        wall = time.perf_counter() - started
    return [_result(r, task, archs, truth, results[i], len(cached[i]), wall)
            for i, r in enumerate(resolved)]


__all__ = ["SharedScoringJob", "run_shared_job", "run_together", "shares_passes"]
