"""Ground truth of the TransNAS-Bench-101 macro space: ``benchmarks/tnb101_macro.csv`` (no torch).

One row per architecture, all 3,256 (``arch_str`` = ``64-<digits>-basic``), and
the same seven task columns as ``tnb101_micro.csv``, with the same meaning (what
NASLib returns for ``Metric.VAL_ACCURACY``; higher is better in every column; see
:mod:`nasplug_tnb101.benchmark`). Source: NAS-Bench-Suite-Zero (NASLib,
``run/results/benchmarks/tnb101_macro_zen.zip`` on its ``zerocost`` branch).

The user's data directory comes first, else the copy packaged in this plugin
(``nasplug_tnb101/data/tnb101_macro.csv.gz``), through :func:`nasplug.tables.locate_table`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nasplug.benchmark import Benchmark
from nasplug.errors import ArchitectureError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric
from nasplug.tables import TableSource, locate_table

from . import macro_encoding as M
from .benchmark import DISTRIBUTION, PACKAGE, read_task_columns
from .tasks import TASK_NAMES, TASKS

TABLE = "benchmarks/tnb101_macro.csv"
SOURCE = ("NAS-Bench-Suite-Zero's TransNAS-Bench-101 macro labels (NASLib, zerocost branch, "
          "run/results/benchmarks/tnb101_macro_zen.zip), converted to CSV: see the nasplug README, "
          "section TransNAS-Bench-101")

_TABLE_CACHE: dict[tuple, tuple[list[str], dict[str, dict[tuple, float]]]] = {}


def locate(data_dir: str | os.PathLike | None = None) -> TableSource:
    """Where ``tnb101_macro.csv`` is read from: the user's data directory, else the packaged copy."""
    return locate_table(TABLE, package=PACKAGE, distribution=DISTRIBUTION, data_dir=data_dir,
                        what="TransNAS-Bench-101 macro", source=SOURCE)


def load_table(table: TableSource | str | os.PathLike) -> tuple[list[str], dict[str, dict[tuple, float]]]:
    """``(arch strings in file order, {task: {digits: value}})``, read and validated once per process."""
    if not isinstance(table, TableSource):
        table = TableSource(name=TABLE, origin="user", path=Path(table).resolve(),
                            what="TransNAS-Bench-101 macro", source=SOURCE)
    src = table
    key = src.cache_key()
    cached = _TABLE_CACHE.get(key)
    if cached is not None:
        return cached
    archs, columns = read_task_columns(src, M.parse_macro, M.to_arch_str)
    _TABLE_CACHE.clear()
    _TABLE_CACHE[key] = (archs, columns)
    return archs, columns


class TransNASBench101MacroBenchmark(Benchmark):
    """``get_dataset_api('transbench101_macro', task)``: the CSV's column for ``task``."""

    name = "transbench101_macro"
    search_space = "transbench101_macro"
    tasks = TASK_NAMES
    default_metric = Metric.VAL_ACCURACY
    description = "TransNAS-Bench-101 macro: 3,256 architectures x 7 tasks (NAS-Bench-Suite-Zero labels)"
    column_meaning = {task: TASKS[task].column_meaning for task in TASK_NAMES}

    def __init__(self, task: str, data_dir: str | os.PathLike | None = None) -> None:
        if task not in TASKS:
            raise NasplugError(f"benchmark {self.name!r} has no task {task!r}; valid: {', '.join(TASK_NAMES)}")
        super().__init__(task, data_dir)
        self.table_source = locate(data_dir)
        self.path = self.table_source.path or self.table_source.location
        self._archs, self._columns = load_table(self.table_source)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric.VAL_ACCURACY,)

    def query(self, arch: Any, metric: Metric | str = Metric.VAL_ACCURACY, dataset: str | None = None) -> float:
        """The task's ground truth for ``arch`` (graph, NASLib tuple or official string);
        ``dataset`` may name another of the seven tasks."""
        metric = Metric.parse(metric) if metric is not None else Metric.VAL_ACCURACY
        task = dataset or self.task
        if task not in self._columns:
            raise NasplugError(f"benchmark {self.name!r} has no task {task!r}; valid: {', '.join(TASK_NAMES)}")
        if metric is not Metric.VAL_ACCURACY:
            raise MetricNotAvailableError(
                f"{self.path} holds only {Metric.VAL_ACCURACY.name.lower()} for TransNAS-Bench-101 macro "
                f"({self.column_meaning[task]}); {metric.name.lower()} would need the full "
                "TransNAS-Bench-101 API file (transnas-bench_v10141024.pth), which nasplug does not read. "
                "For FLOPs or parameters use the 'flops' / 'params' predictors")
        digits = M.parse_macro(arch)
        try:
            return self._columns[task][digits]
        except KeyError:
            raise ArchitectureError(f"architecture {M.to_arch_str(digits)!r} is not labelled in {self.path}") from None

    def architectures(self) -> list[str]:
        """Every labelled architecture as ``'64-<digits>-basic'``, in file order."""
        return list(self._archs)

    def __len__(self) -> int:
        return len(self._archs)
