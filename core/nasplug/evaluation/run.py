"""Stage 4, run: score one predictor on one prepared task and compare with ground truth.

:func:`run_task` is the loop: sample ``test_size`` labelled architectures
(``benchmark.sample(test_size, seed)``) and read their ground truth; read what
the score store already holds; send the rest to the executor as
:class:`~nasplug.evaluation.jobs.ScoringJob` objects and store every cell as it
arrives (so an interrupted run resumes); then compare scores and ground truth
(:func:`nasplug.evaluation.correlation.compute_scores`).
:func:`evaluate_task` is the same for callers holding names and loose settings.

A cell whose predictor raised or returned NaN/inf is *failed*: it is recorded,
left out of every metric, and counted in ``n_failed`` (``failed_policy`` says so).
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any, Iterable, Iterator, Sequence

from ..errors import NasplugError
from .correlation import FAILED_POLICY, compute_scores
from .predictors import ResolvedPredictor, resolve
from .settings import DEFAULT_TEST_SIZE, BatchSettings, split_batch_options
from .tasks import PreparedTask, prepare_task

#: the largest job sent to a worker (architectures)
MAX_CHUNK = 16


def _chunks(items: Sequence[str], size: int) -> Iterable[tuple[str, ...]]:
    for start in range(0, len(items), size):
        yield tuple(items[start:start + size])


def _guided_chunks(items: Sequence[str], workers: int) -> Iterable[tuple[str, ...]]:
    """Jobs for ``workers`` parallel workers: large first, shrinking to single
    architectures at the end (guided scheduling), so few jobs carry the run and
    no worker sits idle while another finishes a large last job."""
    start, workers = 0, max(1, int(workers))
    while start < len(items):
        size = max(1, min(MAX_CHUNK, (len(items) - start) // (4 * workers)))
        yield tuple(items[start:start + size])
        start += size


def _progress_bar(total: int, initial: int, desc: str, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, file=sys.stderr, unit="arch",
                leave=False, dynamic_ncols=True)


def _job_context(resolved: ResolvedPredictor, task: PreparedTask, executor: Any) -> Any:
    from ..plugins import get_plugin_manager
    from .jobs import JobContext, PluginSpec

    return JobContext(
        predictor=resolved.ref(for_workers=executor.needs_pickling),
        search_space=task.search_space, dataset=task.dataset, settings=task.settings,
        dataset_options=tuple(sorted(task.dataset_options.items())), images=task.has_images,
        input_shape=task.input_shape, plugins=PluginSpec.from_plugin_manager(get_plugin_manager()),
        torch_threads=executor.worker_threads,
        live_dataset=None if executor.needs_pickling else task.live_dataset)


def job_parts(todo: Sequence[str], executor: Any, chunk_size: int | None) -> Iterable[tuple[str, ...]]:
    """How ``todo`` is cut into jobs: ``chunk_size`` when given, guided chunks for worker
    processes, one architecture per job in-process (so results are stored as they come)."""
    if chunk_size is not None:
        return _chunks(todo, chunk_size)
    if executor.needs_pickling:
        return _guided_chunks(todo, executor.workers)
    return _chunks(todo, 1)


def sample_with_truth(task: PreparedTask, test_size: int, archs: Sequence[str] | None
                      ) -> tuple[list[str], list[float]]:
    """The architectures to score (``archs``, else the benchmark's seeded sample) and their ground truth."""
    if archs is None:
        archs = task.api.sample(int(test_size), seed=task.settings.seed)
    archs = [str(a) for a in archs]
    return archs, [float(task.api.query(a, metric=task.metric, dataset=task.dataset)) for a in archs]


@contextlib.contextmanager
def scoring_resources(store: Any, executor: Any) -> Iterator[tuple[Any, Any]]:
    """``(store, executor)``: the caller's, or a default score store / in-process executor
    opened here and closed on exit (``store=False`` stays False: no caching)."""
    from ..executors import InProcessExecutor
    from ..store import ScoreStore

    own_store, own_executor = store is None, executor is None
    store = ScoreStore() if own_store else store
    executor = InProcessExecutor() if own_executor else executor
    try:
        yield store, executor
    finally:
        if own_executor:
            executor.close()
        if own_store:
            store.close()


def _score_missing(resolved: ResolvedPredictor, task: PreparedTask, todo: list[str], executor: Any,
                   chunk_size: int | None, on_cell: Any) -> None:
    """Send ``todo`` to ``executor`` and call ``on_cell(cell)`` for every result as it arrives."""
    from .jobs import ScoringJob, run_scoring_job

    ctx = _job_context(resolved, task, executor)
    parts = job_parts(todo, executor, chunk_size)
    for cells in executor.map(run_scoring_job, [ScoringJob(ctx, part) for part in parts]):
        for cell in cells:
            on_cell(cell)


def _result(resolved: ResolvedPredictor, task: PreparedTask, archs: list[str], truth: list[float],
            results: dict, cached: int, wall: float) -> dict:
    cells, ok_truth, ok_pred, failures, seconds = [], [], [], [], []
    for arch, y in zip(archs, truth):
        score, error, secs = results[arch]
        seconds.append(secs)
        cells.append({"arch": arch, "score": score, "ground_truth": y,
                      "status": "failed" if error else "ok", "error": error})
        if error:
            failures.append({"arch": arch, "error": error})
        else:
            ok_truth.append(y)
            ok_pred.append(score)
    out = compute_scores(ok_truth, ok_pred)
    out["query_time"] = float(sum(seconds) / len(seconds)) if seconds else float("nan")
    metric = task.metric
    s = task.settings
    out.update({
        "predictor": resolved.name, "predictor_version": resolved.version,
        "search_space": task.search_space, "dataset": task.dataset, "task": task.task,
        "metric": getattr(metric, "name", str(metric)).lower() if metric is not None else None,
        "test_size": len(archs), "seed": s.seed, "batch_size": s.batch_size, "split": s.split,
        "data": task.data, "synthetic": bool(task.data.get("synthetic")),
        "n_scored": len(ok_truth), "n_failed": len(failures), "failed_policy": FAILED_POLICY,
        "failures": failures, "cached": cached, "wall_time": wall, "cells": cells,
    })
    return out


def run_task(resolved: ResolvedPredictor, task: PreparedTask, *, test_size: int = DEFAULT_TEST_SIZE,
             executor: Any = None, store: Any = None, progress: bool = False,
             archs: Sequence[str] | None = None, chunk_size: int | None = None,
             pre_process: bool = True) -> dict:
    """Score ``test_size`` architectures of ``task`` with ``resolved`` (see :func:`evaluate_task`)."""
    from ..store import StoreKey

    if int(test_size) < 1:
        raise NasplugError(f"test size must be at least 1, got {test_size}")
    if getattr(resolved.instance, "population", False):  # scores over the evaluated set: nasplug.population
        from ..population import run_population_task

        return run_population_task(resolved, task, test_size=test_size, executor=executor, store=store,
                                   progress=progress, archs=archs)
    if resolved.requires_data:
        task.require_images(resolved.name)
    archs, truth = sample_with_truth(task, test_size, archs)
    key = StoreKey(resolved.name, resolved.version, task.task, task.settings.seed, task.batch_key())
    with scoring_resources(store, executor) as (store, executor):
        cached = store.lookup(key, archs) if store else {}
        todo = [a for a in dict.fromkeys(archs) if a not in cached]
        if pre_process and todo and not executor.needs_pickling:
            resolved.instance.pre_process()  # NASLib: once before the queries
        results = {a: (c.score, c.error, c.seconds) for a, c in cached.items()}
        bar = _progress_bar(len(set(archs)), len(cached), f"{resolved.name} {task.task}", progress)

        def on_cell(cell: Any) -> None:
            if store:
                store.put(key, cell.arch, cell.score, cell.error, cell.seconds)
            results[cell.arch] = (cell.score, cell.error, cell.seconds)
            if bar is not None:
                bar.update(1)

        started = time.perf_counter()
        try:
            if todo:
                _score_missing(resolved, task, todo, executor, chunk_size, on_cell)
        finally:
            if bar is not None:
                bar.close()
        wall = time.perf_counter() - started
    return _result(resolved, task, archs, truth, results, len(cached), wall)


def evaluate_task(predictor: Any, search_space: str, dataset: str, *,
                  test_size: int = DEFAULT_TEST_SIZE, settings: BatchSettings | None = None,
                  executor: Any = None, store: Any = None, progress: bool = False,
                  dataset_api: Any = None, archs: Sequence[str] | None = None,
                  chunk_size: int | None = None, pre_process: bool = True, **batch: Any) -> dict:
    """Score ``test_size`` architectures of one task and compare with ground truth.

    ``predictor``: a name, a submission path, an instance or a
    :class:`~nasplug.evaluation.predictors.ResolvedPredictor`. Batch settings
    come as ``settings`` or as its fields (``seed``, ``batch_size``, ``split``,
    ``data_dir``, ``synthetic``, ``download``, ``augment``). ``store``: a
    :class:`nasplug.store.ScoreStore`, ``None`` for the default one in the cache
    directory, or ``False`` to bypass caching. ``executor``: an executor
    instance (default: in-process). Returns NASLib's metric fields plus
    ``predictor``, ``task``, ``data`` (where the batch came from; ``synthetic``
    is True for synthetic inputs), ``n_scored``, ``n_failed``, ``failed_policy``,
    ``failures``, ``cached`` and ``cells`` (every architecture with its
    canonical string, score, ground truth and error). A predictor that reads
    the batch on a task without images is a :class:`nasplug.errors.DataError`;
    a data-free one scores on the input shape.
    """
    if int(test_size) < 1:
        raise NasplugError(f"test size must be at least 1, got {test_size}")
    loose, rest = split_batch_options(dict(batch))
    if rest:
        raise TypeError(f"evaluate_task() got unexpected keyword argument(s): {', '.join(sorted(rest))}")
    if settings is not None and loose is not None:
        settings = settings.replace(**{k: v for k, v in batch.items() if v is not None})
    settings = settings or loose or BatchSettings()
    resolved = resolve(predictor)
    task = prepare_task(search_space, dataset, settings, dataset_api=dataset_api)
    return run_task(resolved, task, test_size=test_size, executor=executor, store=store,
                    progress=progress, archs=archs, chunk_size=chunk_size, pre_process=pre_process)


__all__ = ["MAX_CHUNK", "evaluate_task", "run_task"]
