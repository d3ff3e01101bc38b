"""NASLib's evaluator API: ``ZeroCostPredictorEvaluator`` and ``full_evaluate_predictor``.

They keep NASLib's names, arguments and result fields and run on the
evaluation stages in :mod:`nasplug.evaluation` (settings, tasks, predictors,
jobs, run, correlation, report). The names this module exported before those
stages existed are re-exported here unchanged.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from .errors import DataError, NasplugError
from .evaluation.correlation import FAILED_POLICY, METRICS, compute_scores, precision_at_k
from .evaluation.predictors import predictor_identity, predictor_name, resolve, resolve_predictor
from .evaluation.report import failure_summary
from .evaluation.run import evaluate_task
from .evaluation.settings import DEFAULT_BATCH_SIZE, DEFAULT_SEED, DEFAULT_SPLIT, DEFAULT_TEST_SIZE, BatchSettings
from .evaluation.tasks import check_task, installed_tasks

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

    entry = get_registry().entry_for("search_spaces", type(graph), subclasses=True)
    if entry is None:
        raise NasplugError(f"{type(graph).__name__} is not a registered search space; "
                           "register it through a plugin's register_search_spaces hook")
    return entry.name


class ZeroCostPredictorEvaluator:
    """NASLib's evaluator: ``evaluate()`` returns ``[settings, metrics]``.

    Arguments given explicitly win over ``config`` attributes (NASLib config
    names ``search_space``, ``dataset``, ``test_size``, ``seed``, ``batch_size``,
    ``data``), which win over the defaults (100 architectures, seed 0, batch 64).
    Batch settings come as ``settings`` (a :class:`BatchSettings`) or as its
    fields (``seed``, ``batch_size``, ``data_dir``, ``split``, ``synthetic``,
    ``download``, ``augment``). ``results[-1]`` holds ``mae, rmse, pearson,
    spearman, kendalltau, kt_2dec, kt_1dec, precision_10, precision_20,
    full_ytest, full_testpred, query_time`` (seconds per architecture) with
    NASLib's meanings (see :func:`compute_scores`), plus what
    :func:`evaluate_task` adds.
    """

    def __init__(self, predictor: Any, config: Any = None, search_space: Any = None,
                 dataset: str | None = None, test_size: int | None = None, *,
                 executor: Any = None, workers: int | None = None, use_cache: bool = True,
                 store: Any = None, progress: bool = False, log_results: bool = False,
                 settings: BatchSettings | None = None, **batch: Any) -> None:
        self.resolved = resolve(predictor)
        self.predictor = self.resolved.instance
        self.config = config
        self.search_space = search_space if search_space is not None else _cfg(
            None, config, ("search_space",), None)
        self.dataset = _cfg(dataset, config, ("dataset",), None)
        self.test_size = int(_cfg(test_size, config, ("test_size",), DEFAULT_TEST_SIZE))
        base = settings or BatchSettings(
            seed=int(_cfg(None, config, ("seed",), DEFAULT_SEED)),
            batch_size=int(_cfg(None, config, ("batch_size",), DEFAULT_BATCH_SIZE)),
            data_dir=_cfg(None, config, ("data_dir", "data"), None))
        unknown = sorted(set(batch) - set(BatchSettings.__dataclass_fields__))
        if unknown:
            raise TypeError(f"ZeroCostPredictorEvaluator() got unexpected keyword argument(s): "
                            f"{', '.join(unknown)}")
        self.batch = base.replace(**{k: v for k, v in batch.items() if v is not None})
        self.executor = executor
        self.workers = workers
        self.store = False if not use_cache else store
        self.progress = progress
        self.dataset_api = None
        self.results: list = [self.settings()]

    # the batch settings, under the attribute names NASLib-style code reads
    seed = property(lambda self: self.batch.seed)
    batch_size = property(lambda self: self.batch.batch_size)
    data_dir = property(lambda self: self.batch.data_dir)
    split = property(lambda self: self.batch.split)
    synthetic = property(lambda self: self.batch.synthetic)
    download = property(lambda self: self.batch.download)
    augment = property(lambda self: self.batch.augment)

    def settings(self) -> dict:
        space = self.search_space
        return {"search_space": space if isinstance(space, str) or space is None else
                search_space_name(space), "dataset": self.dataset, "test_size": self.test_size,
                "seed": self.seed, "batch_size": self.batch_size, "split": self.split,
                "data_dir": self.data_dir, "synthetic": self.synthetic, "augment": self.augment,
                "predictor": self.resolved.name}

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

    def _executor(self) -> tuple[Any, bool]:
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
                self.resolved, space, self.dataset, test_size=self.test_size, settings=self.batch,
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
    Tasks whose benchmark table is missing are skipped with a line saying why,
    and so are tasks without images for a predictor that reads the batch.
    ``options`` go to :class:`ZeroCostPredictorEvaluator`.
    """
    from .evaluation.tasks import prepare_task

    resolved = resolve(predictor)
    spaces = list(search_spaces) if search_spaces is not None else None
    tasks = installed_tasks(spaces)
    if spaces is not None:
        known = {s for s, _ in tasks}
        missing = [s for s in spaces if s not in known]
        if missing:
            from .api import find_benchmark_class

            for name in missing:
                find_benchmark_class(name)  # raises the helpful unknown-name error
    batch = {k: options[k] for k in BatchSettings.__dataclass_fields__ if k in options}
    settings = BatchSettings.from_options(batch)
    scores: dict = {}
    for space, task in tasks:
        try:
            prepared = prepare_task(space, task, settings)
            if resolved.requires_data:
                prepared.require_images(resolved.name)
        except DataError as exc:
            print(f"skipping {space}/{task}: {exc}")
            continue
        evaluator = ZeroCostPredictorEvaluator(resolved, test_size=test_size, **options)
        evaluator.adapt_search_space(space, dataset=task, dataset_api=prepared.api)
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


__all__ = ["DEFAULT_BATCH_SIZE", "DEFAULT_SEED", "DEFAULT_SPLIT", "DEFAULT_TEST_SIZE", "FAILED_POLICY",
           "METRICS", "BatchSettings", "ZeroCostPredictorEvaluator", "check_task", "compute_scores",
           "evaluate_task", "failure_summary", "full_evaluate_predictor", "installed_tasks",
           "precision_at_k", "predictor_identity", "predictor_name", "resolve_predictor",
           "search_space_name"]
