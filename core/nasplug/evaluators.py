"""Evaluate zero-cost predictors against benchmark ground truth (NASLib's evaluators).

``ZeroCostPredictorEvaluator`` and ``full_evaluate_predictor`` keep NASLib's
names, arguments and result fields; :func:`evaluate_task` is the engine behind
them and behind ``nasplug eval``:

1. sample ``test_size`` labelled architectures from the task's benchmark
   (``benchmark.sample(test_size, seed)``) and look up their ground truth
   (``benchmark.default_metric``);
2. score each one (executor + score store, see :mod:`nasplug.executors` and
   :mod:`nasplug.store`) on one seeded batch of the task's data;
3. compare scores with ground truth (:func:`compute_scores`).

A cell whose predictor raised or returned NaN/inf is *failed*: it is recorded,
left out of every metric, and counted in ``n_failed`` (``failed_policy`` says so).
"""

from __future__ import annotations

import hashlib
import inspect
import math
import pickle
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

from .errors import DataError, NasplugError

DEFAULT_TEST_SIZE = 100
DEFAULT_SEED = 0
#: NASLib's zero-cost config batch size
DEFAULT_BATCH_SIZE = 64
DEFAULT_SPLIT = "train"
FAILED_POLICY = "excluded from every metric (scores and ground truth of failed cells are dropped)"

#: NASLib's metric names, in its order
METRICS = ("mae", "rmse", "pearson", "spearman", "kendalltau", "kt_2dec", "kt_1dec",
           "precision_10", "precision_20")


# -- metrics -----------------------------------------------------------------------

def precision_at_k(ytest: Sequence[float], test_pred: Sequence[float], k: int) -> float:
    """NASLib's ``precision_k``: overlap of the true and predicted top-k, divided by k.

    As in NASLib's ``compute_scores``, an architecture is in the "top k" of a list
    when its value is strictly greater than the list's (k+1)-th largest value;
    with ``n <= k`` architectures that is every one above the minimum (so 10
    architectures give at most 9/10 for k=10 and 9/20 for k=20), and ties at the
    threshold are left out. The overlap is always divided by ``k``.
    """
    import numpy as np

    y = np.asarray(ytest, dtype=float)
    p = np.asarray(test_pred, dtype=float)
    n = len(y)
    if n == 0:
        return float("nan")
    idx = max(-n, -k - 1)
    top_y = y > np.sort(y)[idx]
    top_p = p > np.sort(p)[idx]
    return float(np.sum(top_y & top_p) / k)


def compute_scores(ytest: Sequence[float], test_pred: Sequence[float]) -> dict:
    """NASLib's ``compute_scores``: how well ``test_pred`` ranks ``ytest``.

    ``mae`` / ``rmse``: mean absolute / root-mean-square difference of raw score
    and ground truth (only meaningful when the predictor predicts the metric
    itself); ``pearson``: |Pearson r|; ``spearman``: Spearman rho;
    ``kendalltau``: Kendall tau-b (``scipy.stats.kendalltau``); ``kt_2dec`` /
    ``kt_1dec``: Kendall tau with predictions rounded to 2 / 1 decimals;
    ``precision_10`` / ``precision_20``: see :func:`precision_at_k`;
    ``full_ytest`` / ``full_testpred``: the inputs as lists. With fewer than two
    values, or constant input, the correlations are NaN.
    """
    import numpy as np
    from scipy import stats

    y = np.asarray(ytest, dtype=float)
    p = np.asarray(test_pred, dtype=float)
    if y.shape != p.shape:
        raise NasplugError(f"ground truth ({len(y)}) and predictions ({len(p)}) differ in length")
    out: dict = {name: float("nan") for name in METRICS}
    out["full_ytest"] = y.tolist()
    out["full_testpred"] = p.tolist()
    if len(y) == 0:
        return out
    with np.errstate(all="ignore"):
        out["mae"] = float(np.mean(np.abs(p - y)))
        out["rmse"] = float(np.sqrt(np.mean((p - y) ** 2)))
    if len(y) >= 2:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out["pearson"] = float(abs(np.corrcoef(y, p)[1, 0]))
            out["spearman"] = float(stats.spearmanr(y, p)[0])
            out["kendalltau"] = float(stats.kendalltau(y, p)[0])
            out["kt_2dec"] = float(stats.kendalltau(y, np.round(p, decimals=2))[0])
            out["kt_1dec"] = float(stats.kendalltau(y, np.round(p, decimals=1))[0])
    for k in (10, 20):
        out[f"precision_{k}"] = precision_at_k(y, p, k)
    return out


# -- predictors --------------------------------------------------------------------

def resolve_predictor(value: Any, **kwargs: Any):
    """A predictor instance from a registered name, a submission path or an instance.

    A value ending in ``.py``/``.zip`` or naming an existing file or folder is a
    competition submission, loaded with :func:`nasplug.submission.load_submission`.
    """
    if not isinstance(value, (str, Path)):
        return value
    value = str(value)
    try:
        from . import submission
    except ImportError:
        submission = None
    if submission is not None and submission.is_submission_path(value):
        return submission.load_submission(value)
    from .api import get_predictor

    predictor = get_predictor(value, **kwargs)
    try:
        predictor._nasplug_created = (value, tuple(sorted(kwargs.items())))
    except AttributeError:
        pass
    return predictor


def _source_digest(obj: Any) -> str:
    try:
        path = inspect.getsourcefile(obj)
        if path and Path(path).is_file():
            return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]
    except (TypeError, OSError):
        pass
    return "nosrc"


def _registry_entry_for(cls: type):
    from .plugins import get_registry

    registry = get_registry()
    for entry in registry.entries["predictors"].values():
        target = entry.cls
        loaded = target.__dict__.get("_loaded") if hasattr(target, "target") else target
        if loaded is cls:
            return entry
    return None


def predictor_name(predictor: Any) -> str:
    return str(getattr(predictor, "method_type", None) or getattr(predictor, "name", None)
               or type(predictor).__name__)


def predictor_identity(predictor: Any) -> tuple[str, str]:
    """``(name, version)`` for the score store: a new version never reuses old scores.

    The version joins the providing distribution's version (or ``local``), the
    predictor's own ``version`` attribute if it has one (a submission's code hash)
    and a digest of the file that defines the predictor class, so editing a
    plugin in place (an editable install) invalidates its cached scores too.
    """
    name = predictor_name(predictor)
    entry = _registry_entry_for(type(predictor))
    parts = [entry.version if entry is not None and entry.version else "local"]
    own = getattr(predictor, "version", None)  # e.g. a submission's code hash
    if isinstance(own, str) and own:
        parts.append(own)
    parts.append(_source_digest(type(predictor)))
    return name, "+".join(parts)


def predictor_ref(predictor: Any, for_workers: bool):
    """How workers get ``predictor`` (see :class:`nasplug.executors.PredictorRef`)."""
    from .executors import PredictorRef

    name = predictor_name(predictor)
    if not for_workers:
        return PredictorRef("instance", name, ident=id(predictor), instance=predictor)
    created = getattr(predictor, "_nasplug_created", None)
    if created is not None:
        return PredictorRef("registered", created[0], kwargs=created[1])
    entry = _registry_entry_for(type(predictor))
    if entry is not None and type(predictor).__init__ is _base_init():
        options = getattr(predictor, "options", {}) or {}
        if isinstance(options, dict):
            return PredictorRef("registered", entry.name, kwargs=tuple(sorted(options.items())))
    try:
        payload = pickle.dumps(predictor)
        pickle.loads(payload)
    except Exception as exc:
        raise NasplugError(f"predictor {name!r} cannot be sent to worker processes "
                           f"({type(exc).__name__}); register it as a plugin, pass a "
                           "submission file, or use --executor inprocess") from None
    return PredictorRef("pickled", name, payload=payload)


def _base_init():
    from .predictor import Predictor

    return Predictor.__init__


# -- tasks -------------------------------------------------------------------------

def installed_tasks(search_spaces: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """``(search_space, task)`` for every task of every installed benchmark."""
    from .plugins import get_registry

    registry = get_registry()
    wanted = set(search_spaces) if search_spaces is not None else None
    out = []
    for name in registry.names("benchmarks"):
        cls = registry.get("benchmarks", name)
        space = getattr(cls, "search_space", None) or name
        if wanted is not None and space not in wanted and name not in wanted:
            continue
        for task in getattr(cls, "tasks", ()) or ():
            out.append((space, task))
    return out


def _dataset_info(dataset: str, batch_size: int, split: str, data_dir, synthetic: bool,
                  download: bool, augment: bool = False) -> dict:
    """Where the task's batch comes from; a DataError when its images are missing.

    Every predictor gets a real batch (or a synthetic one when asked for), also
    data-free ones, which read the input shape from it.
    """
    from .data import augment_option, get_dataset
    from .plugins import get_registry

    if dataset not in get_registry().entries["datasets"]:
        raise DataError(f"no installed dataset plugin provides images for task {dataset!r}")
    option = augment_option(dataset, augment)
    ds = get_dataset(dataset, data_dir=data_dir, synthetic=synthetic, download=download, **option)
    info = dict(ds.batch_info(batch_size, split))
    info["synthetic"] = bool(info.get("synthetic", synthetic))
    info.setdefault("source", ds.describe())
    if augment and not info.get("augmentation"):
        info["augmentation"] = None
        info["augmentation_note"] = (
            f"{dataset} has no NASLib augmentation: plain batches" if not option else
            "synthetic inputs are not augmented" if info["synthetic"] else
            f"NASLib augments only training batches: plain {split} batches")
    return info


def check_task(search_space: str, dataset: str, *, data_dir=None, batch_size: int = DEFAULT_BATCH_SIZE,
               split: str = DEFAULT_SPLIT, synthetic: bool = False, download: bool = False,
               augment: bool = False) -> None:
    """Raise the error that would stop an evaluation of this task (missing table or images)."""
    from .api import get_dataset_api

    get_dataset_api(search_space, dataset, data_dir=data_dir)
    _dataset_info(dataset, batch_size, split, data_dir, synthetic, download, augment)


def _chunks(items: Sequence[str], size: int) -> Iterable[tuple[str, ...]]:
    for start in range(0, len(items), size):
        yield tuple(items[start:start + size])


#: the largest job sent to a worker (architectures)
MAX_CHUNK = 16


def _guided_chunks(items: Sequence[str], workers: int) -> Iterable[tuple[str, ...]]:
    """Jobs for ``workers`` parallel workers: large first, shrinking to single
    architectures at the end (guided scheduling), so few jobs carry the run and
    no worker sits idle while another finishes a large last job."""
    start, workers = 0, max(1, int(workers))
    while start < len(items):
        size = max(1, min(MAX_CHUNK, (len(items) - start) // (4 * workers)))
        yield tuple(items[start:start + size])
        start += size


def evaluate_task(predictor: Any, search_space: str, dataset: str, *,
                  test_size: int = DEFAULT_TEST_SIZE, seed: int = DEFAULT_SEED,
                  batch_size: int = DEFAULT_BATCH_SIZE, split: str = DEFAULT_SPLIT,
                  data_dir=None, synthetic: bool = False, download: bool = False,
                  augment: bool = False, executor=None, store: Any = None, progress: bool = False,
                  dataset_api=None, archs: Sequence[str] | None = None,
                  chunk_size: int | None = None, pre_process: bool = True) -> dict:
    """Score ``test_size`` architectures of one task and compare with ground truth.

    ``store``: a :class:`nasplug.store.ScoreStore`, ``None`` for the default one
    in the cache directory, or ``False`` to bypass caching. ``executor``: an
    executor instance (default: in-process). Returns NASLib's metric fields plus
    ``predictor``, ``task``, ``data`` (where the batch came from; ``synthetic``
    is True for synthetic inputs), ``n_scored``, ``n_failed``, ``failed_policy``,
    ``failures``, ``cached`` and ``cells`` (every architecture with its
    canonical string, score, ground truth and error).
    """
    from .api import get_dataset_api
    from .executors import InProcessExecutor, PluginSpec, ScoringContext, ScoringJob, run_scoring_job
    from .plugins import get_plugin_manager
    from .store import ScoreStore, StoreKey

    if int(test_size) < 1:
        raise NasplugError(f"test size must be at least 1, got {test_size}")
    if int(batch_size) < 1:
        raise NasplugError(f"batch size must be at least 1, got {batch_size}")
    api = dataset_api if dataset_api is not None else get_dataset_api(search_space, dataset,
                                                                      data_dir=data_dir)
    metric = getattr(api, "default_metric", None)
    data = _dataset_info(dataset, batch_size, split, data_dir, synthetic, download, augment)
    if archs is None:
        archs = api.sample(int(test_size), seed=int(seed))
    archs = [str(a) for a in archs]
    truth = [float(api.query(a, metric=metric, dataset=dataset)) for a in archs]

    name, version = predictor_identity(predictor)
    task = f"{search_space}/{dataset}"
    batch_key = f"bs={int(batch_size)};split={split};data={data.get('source')}"
    if data.get("augmentation"):  # augmented batches are other batches
        batch_key += f";aug={data['augmentation']}"
    key = StoreKey(name, version, task, int(seed), batch_key)
    own_store = store is None
    if own_store:
        store = ScoreStore()
    own_executor = executor is None
    if own_executor:
        executor = InProcessExecutor()
    try:
        cached = store.lookup(key, archs) if store else {}
        todo = [a for a in dict.fromkeys(archs) if a not in cached]
        if pre_process and todo and not executor.needs_pickling:
            predictor.pre_process()  # NASLib: once before the queries
        ctx = ScoringContext(
            predictor=predictor_ref(predictor, for_workers=executor.needs_pickling),
            search_space=search_space, dataset=dataset, batch_size=int(batch_size),
            seed=int(seed), split=split, data_dir=str(data_dir) if data_dir else None,
            synthetic=bool(synthetic), download=bool(download),
            augment=bool(data.get("augmentation")),
            plugins=PluginSpec.from_plugin_manager(get_plugin_manager()),
            torch_threads=executor.worker_threads)
        if chunk_size is not None:
            parts = _chunks(todo, chunk_size)
        elif executor.needs_pickling:
            parts = _guided_chunks(todo, executor.workers)
        else:
            parts = _chunks(todo, 1)
        jobs = [ScoringJob(ctx, part) for part in parts]
        results = {a: (c.score, c.error, c.seconds) for a, c in cached.items()}
        started = time.perf_counter()
        bar = _progress_bar(len(set(archs)), len(cached), f"{name} {task}", progress)
        try:
            for cells in executor.map(run_scoring_job, jobs):
                for cell in cells:
                    if store:
                        store.put(key, cell.arch, cell.score, cell.error, cell.seconds)
                    results[cell.arch] = (cell.score, cell.error, cell.seconds)
                    if bar is not None:
                        bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        wall = time.perf_counter() - started
    finally:
        if own_executor:
            executor.close()
        if own_store:
            store.close()

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
    out.update({
        "predictor": name, "predictor_version": version, "search_space": search_space,
        "dataset": dataset, "task": task,
        "metric": getattr(metric, "name", str(metric)).lower() if metric is not None else None,
        "test_size": len(archs), "seed": int(seed), "batch_size": int(batch_size), "split": split,
        "data": data, "synthetic": bool(data.get("synthetic")),
        "n_scored": len(ok_truth), "n_failed": len(failures), "failed_policy": FAILED_POLICY,
        "failures": failures, "cached": len(cached), "wall_time": wall, "cells": cells,
    })
    return out


def _progress_bar(total: int, initial: int, desc: str, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, file=sys.stderr, unit="arch",
                leave=False, dynamic_ncols=True)


def failure_summary(result: dict) -> str:
    """One line on failed cells, e.g. ``2 of 100 cells failed (...); excluded from ...``."""
    n = result.get("n_failed", 0)
    if not n:
        return ""
    first = result["failures"][0]["error"]
    return (f"{result['task']} {result['predictor']}: {n} of {result['test_size']} cells failed "
            f"(first: {first}); {FAILED_POLICY}")


# -- NASLib's API ------------------------------------------------------------------

_UNSET = object()


def _cfg(explicit: Any, config: Any, names: Sequence[str], default: Any) -> Any:
    if explicit is not _UNSET and explicit is not None:
        return explicit
    for attr in names:
        value = config.get(attr) if isinstance(config, dict) else getattr(config, attr, None)
        if value is not None:
            return value
    return default


def search_space_name(graph: Any) -> str:
    """The registered name of a search-space Graph instance (or a name, returned as is)."""
    if isinstance(graph, str):
        return graph
    from .plugins import get_registry

    registry = get_registry()
    for entry in registry.entries["search_spaces"].values():
        target = entry.cls
        loaded = target.__dict__.get("_loaded") if hasattr(target, "target") else target
        if loaded is not None and isinstance(loaded, type) and type(graph) is loaded:
            return entry.name
    for entry in registry.entries["search_spaces"].values():
        target = entry.cls
        loaded = target.__dict__.get("_loaded") if hasattr(target, "target") else target
        if isinstance(loaded, type) and isinstance(graph, loaded):
            return entry.name
    raise NasplugError(f"{type(graph).__name__} is not a registered search space; "
                       "register it through a plugin's register_search_spaces hook")


class ZeroCostPredictorEvaluator:
    """NASLib's evaluator: ``evaluate()`` returns ``[settings, metrics]``.

    Arguments given explicitly win over ``config`` attributes (NASLib config
    names ``search_space``, ``dataset``, ``test_size``, ``seed``, ``batch_size``,
    ``data``), which win over the defaults (100 architectures, seed 0, batch 64).
    ``results[-1]`` holds ``mae, rmse, pearson, spearman, kendalltau, kt_2dec,
    kt_1dec, precision_10, precision_20, full_ytest, full_testpred, query_time``
    (seconds per architecture) with NASLib's meanings (see :func:`compute_scores`),
    plus what :func:`evaluate_task` adds.
    """

    def __init__(self, predictor: Any, config: Any = None, search_space: Any = None,
                 dataset: str | None = None, test_size: int | None = None, seed: int | None = None,
                 batch_size: int | None = None, data_dir: Any = None, split: str | None = None,
                 synthetic: bool = False, download: bool = False, executor: Any = None,
                 workers: int | None = None, use_cache: bool = True, store: Any = None,
                 progress: bool = False, log_results: bool = False, augment: bool = False) -> None:
        self.predictor = resolve_predictor(predictor)
        self.config = config
        self.search_space = search_space if search_space is not None else _cfg(
            None, config, ("search_space",), None)
        self.dataset = _cfg(dataset, config, ("dataset",), None)
        self.test_size = int(_cfg(test_size, config, ("test_size",), DEFAULT_TEST_SIZE))
        self.seed = int(_cfg(seed, config, ("seed",), DEFAULT_SEED))
        self.batch_size = int(_cfg(batch_size, config, ("batch_size",), DEFAULT_BATCH_SIZE))
        self.data_dir = _cfg(data_dir, config, ("data_dir", "data"), None)
        self.split = split or DEFAULT_SPLIT
        self.synthetic = bool(synthetic)
        self.download = bool(download)
        self.augment = bool(augment)
        self.executor = executor
        self.workers = workers
        self.store = False if not use_cache else store
        self.progress = progress
        self.dataset_api = None
        self.results: list = [self.settings()]

    def settings(self) -> dict:
        space = self.search_space
        return {"search_space": space if isinstance(space, str) or space is None else
                search_space_name(space), "dataset": self.dataset, "test_size": self.test_size,
                "seed": self.seed, "batch_size": self.batch_size, "split": self.split,
                "data_dir": str(self.data_dir) if self.data_dir else None,
                "synthetic": self.synthetic, "augment": self.augment,
                "predictor": predictor_name(self.predictor)}

    def adapt_search_space(self, search_space: Any, load_labeled: bool = False, scope: Any = None,
                           dataset_api: Any = None, dataset: str | None = None) -> None:
        """Evaluate on ``search_space`` (a search-space Graph or its registered name)."""
        self.search_space = search_space
        if dataset is not None:
            self.dataset = dataset
        elif self.dataset is None:
            self.dataset = (getattr(search_space, "dataset", None)
                            or getattr(dataset_api, "task", None))
        self.dataset_api = dataset_api
        self.load_labeled = load_labeled
        self.results = [self.settings()]

    def _executor(self):
        from .executors import Executor, get_executor

        if isinstance(self.executor, Executor):
            return self.executor, False
        return get_executor(self.executor or "inprocess", workers=self.workers), True

    def evaluate(self) -> list:
        if self.search_space is None:
            raise NasplugError("no search space: pass search_space= or call adapt_search_space()")
        space = search_space_name(self.search_space)
        if self.dataset is None:
            raise NasplugError("no dataset/task: pass dataset= or set config.dataset")
        executor, own = self._executor()
        try:
            result = evaluate_task(
                self.predictor, space, self.dataset, test_size=self.test_size, seed=self.seed,
                batch_size=self.batch_size, split=self.split, data_dir=self.data_dir,
                synthetic=self.synthetic, download=self.download, augment=self.augment,
                executor=executor, store=self.store, progress=self.progress,
                dataset_api=self.dataset_api)
        finally:
            if own:
                executor.close()
        self.results = [self.settings(), result]
        return self.results


def full_evaluate_predictor(predictor: Any, test_size: int = DEFAULT_TEST_SIZE,
                            search_spaces: Iterable[str] | None = None, **options: Any) -> dict:
    """Evaluate ``predictor`` on every installed task of ``search_spaces`` (default: all).

    Prints NASLib's table (``search space || task || Kendall tau``) and the
    average Kendall tau, and returns ``{(search_space, task): kendalltau}``.
    Tasks whose benchmark table or images are missing are skipped with a line
    saying why. ``options`` go to :class:`ZeroCostPredictorEvaluator`.
    """
    predictor = resolve_predictor(predictor)
    spaces = list(search_spaces) if search_spaces is not None else None
    tasks = installed_tasks(spaces)
    if spaces is not None:
        known = {s for s, _ in tasks}
        missing = [s for s in spaces if s not in known]
        if missing:
            from .api import find_benchmark_class

            for name in missing:
                find_benchmark_class(name)  # raises the helpful unknown-name error
    scores: dict = {}
    for space, task in tasks:
        try:
            check_task(space, task, data_dir=options.get("data_dir"),
                       batch_size=options.get("batch_size") or DEFAULT_BATCH_SIZE,
                       synthetic=options.get("synthetic", False),
                       download=options.get("download", False),
                       augment=options.get("augment", False))
        except DataError as exc:
            print(f"skipping {space}/{task}: {exc}")
            continue
        evaluator = ZeroCostPredictorEvaluator(predictor, test_size=test_size, **options)
        evaluator.adapt_search_space(space, dataset=task)
        result = evaluator.evaluate()[-1]
        scores[(space, task)] = result["kendalltau"]
        line = failure_summary(result)
        if line:
            print(line)
    for (space, task), kt in scores.items():
        print("{:25s}||{:25s}||{}".format(space, task, kt))
    values = [v for v in scores.values() if not math.isnan(v)]
    average = sum(values) / len(values) if values else float("nan")
    print("Average Kendall-Tau:", average)
    return scores


__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_SEED", "DEFAULT_TEST_SIZE", "FAILED_POLICY", "METRICS",
           "ZeroCostPredictorEvaluator", "check_task", "compute_scores", "evaluate_task",
           "failure_summary", "full_evaluate_predictor", "installed_tasks", "precision_at_k",
           "predictor_identity", "resolve_predictor", "search_space_name"]
