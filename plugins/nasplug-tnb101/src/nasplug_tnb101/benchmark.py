"""Ground truth of the TransNAS-Bench-101 micro space: ``benchmarks/tnb101_micro.csv`` (no torch).

The table (NAS-Bench-Suite-Zero's TransNAS-Bench-101 labels, as NASLib queries
them) has one row per cell, all 4,096, and one column per task. Every column is
what NASLib returns for ``Metric.VAL_ACCURACY`` on that task, so every column
answers ``Metric.VAL_ACCURACY`` here and higher is better in all of them:

=================  ====================================  =====================
column             measures                              TransNAS-Bench-101 key
=================  ====================================  =====================
class_scene        top-1 accuracy (%), 63 scene classes  ``valid_top1``
class_object       top-1 accuracy (%), 100 object cls.   ``valid_top1``
jigsaw             top-1 accuracy (%), 1,000 perms.      ``valid_top1``
room_layout        negative L2 loss                      ``valid_neg_loss``
segmentsemantic    pixel accuracy (%)                    ``valid_acc``
normal             SSIM                                  ``valid_ssim``
autoencoder        SSIM                                  ``valid_ssim``
=================  ====================================  =====================
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

from nasplug.benchmark import Benchmark
from nasplug.config import find_data_file
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric

from . import encoding
from .tasks import TASK_NAMES, TASKS

TABLE = "benchmarks/tnb101_micro.csv"
SOURCE = ("NAS-Bench-Suite-Zero's TransNAS-Bench-101 labels (NASLib), converted to CSV: "
          "see the nasplug README, section TransNAS-Bench-101")

#: (resolved path, mtime, size) -> (arch strings in file order, {task: {op tuple: value}})
_TABLE_CACHE: dict[tuple, tuple[list[str], dict[str, dict[tuple, float]]]] = {}


def load_table(path: str | os.PathLike) -> tuple[list[str], dict[str, dict[tuple, float]]]:
    """Read and validate the CSV once per process (all seven tasks share one parse)."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _TABLE_CACHE.get(key)
    if cached is not None:
        return cached
    archs: list[str] = []
    columns: dict[str, dict[tuple, float]] = {task: {} for task in TASK_NAMES}
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header or header[0] != "arch_str":
            raise DataError(f"{path}: corrupt table, the first column must be 'arch_str' "
                            f"(got header {header!r}); {SOURCE}")
        missing = [t for t in TASK_NAMES if t not in header]
        if missing:
            raise DataError(f"{path}: corrupt table, missing task column(s) {', '.join(missing)}; {SOURCE}")
        index = {task: header.index(task) for task in TASK_NAMES}
        for line_no, row in enumerate(reader, start=2):
            if not row:
                continue
            try:
                ops = encoding.parse_arch(row[0])
                values = {task: float(row[i]) for task, i in index.items()}
            except (ArchitectureError, ValueError, IndexError) as exc:
                raise DataError(f"{path}:{line_no}: corrupt row {row!r} ({exc}); {SOURCE}") from None
            if ops in columns[TASK_NAMES[0]]:
                raise DataError(f"{path}:{line_no}: duplicate architecture {row[0]!r}; {SOURCE}")
            archs.append(encoding.to_arch_str(ops))
            for task, value in values.items():
                if not math.isfinite(value):
                    raise DataError(f"{path}:{line_no}: non-finite {task} value {row[index[task]]!r}")
                columns[task][ops] = value
    if not archs:
        raise DataError(f"{path}: the table has no rows; {SOURCE}")
    _TABLE_CACHE.clear()  # one table per process is what is ever needed
    _TABLE_CACHE[key] = (archs, columns)
    return archs, columns


class TransNASBench101MicroBenchmark(Benchmark):
    """``get_dataset_api('transbench101_micro', task)``: the CSV's column for ``task``."""

    name = "transbench101_micro"
    search_space = "transbench101_micro"
    tasks = TASK_NAMES
    default_metric = Metric.VAL_ACCURACY
    description = "TransNAS-Bench-101 micro: 4,096 cells x 7 tasks (NAS-Bench-Suite-Zero labels)"
    #: the single metric the table holds for every task, and what it measures there
    column_meaning = {task: TASKS[task].column_meaning for task in TASK_NAMES}

    def __init__(self, task: str, data_dir: str | os.PathLike | None = None) -> None:
        if task not in TASKS:
            raise NasplugError(f"benchmark {self.name!r} has no task {task!r}; valid: {', '.join(TASK_NAMES)}")
        super().__init__(task, data_dir)
        self.path = find_data_file(TABLE, data_dir, what="TransNAS-Bench-101 micro", source=SOURCE)
        self._archs, self._columns = load_table(self.path)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric.VAL_ACCURACY,)

    def _column(self, dataset: str | None) -> dict[tuple, float]:
        task = dataset or self.task
        if task not in self._columns:
            raise NasplugError(f"benchmark {self.name!r} has no task {task!r}; valid: {', '.join(TASK_NAMES)}")
        return self._columns[task]

    def query(self, arch: Any, metric: Metric | str = Metric.VAL_ACCURACY, dataset: str | None = None) -> float:
        """The task's ground truth for ``arch`` (graph, op-index tuple or official string).

        ``dataset`` may name another of the seven tasks (the table holds them all).
        """
        metric = Metric.parse(metric) if metric is not None else Metric.VAL_ACCURACY
        if metric is not Metric.VAL_ACCURACY:
            raise MetricNotAvailableError(
                f"{self.path} holds only {Metric.VAL_ACCURACY.name.lower()} for TransNAS-Bench-101 "
                f"({self.column_meaning[dataset or self.task]}); {metric.name.lower()} would need the full "
                "TransNAS-Bench-101 API file (transnas-bench_v10141024.pth), which nasplug does not read. "
                "For FLOPs or parameters use the 'flops' / 'params' predictors")
        ops = encoding.parse_arch(arch)
        try:
            return self._column(dataset)[ops]
        except KeyError:
            raise ArchitectureError(
                f"architecture {encoding.to_arch_str(ops)!r} is not labelled in {self.path}") from None

    def architectures(self) -> list[str]:
        """Every labelled cell as its official string ``'64-41414-a_bc_def'``, in file order."""
        return list(self._archs)

    def __len__(self) -> int:
        return len(self._archs)
