"""Ground truth of the TransNAS-Bench-101 micro space: ``benchmarks/tnb101_micro.csv`` (no torch).

The user's data directory (``--data-dir`` / ``$NASPLUG_DATA``) comes first; else the
copy packaged in this plugin (``nasplug_tnb101/data/tnb101_micro.csv.gz``, the same
4,096 rows) is read (:func:`nasplug.tables.locate_table`). The package also carries
``data/tnb101_macro.csv.gz`` (3,256 macro architectures, same task columns) and
``data/suite_zero_extra.csv.gz`` (NAS-Bench-Suite-Zero's NAS-Bench-360 rows of this
space) for the modules that read them.

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

import math
import os
from pathlib import Path
from typing import Any, Callable

from nasplug.benchmark import Benchmark
from nasplug.errors import ArchitectureError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric
from nasplug.tables import TableSource, locate_table

from . import encoding
from .tasks import TASK_NAMES, TASKS

TABLE = "benchmarks/tnb101_micro.csv"
SOURCE = ("NAS-Bench-Suite-Zero's TransNAS-Bench-101 labels (NASLib), converted to CSV: "
          "see the nasplug README, section TransNAS-Bench-101")
#: the distribution and package whose ``data/tnb101_micro.csv.gz`` is the packaged table
DISTRIBUTION, PACKAGE = "nasplug-tnb101", "nasplug_tnb101"


def locate(data_dir: str | os.PathLike | None = None) -> TableSource:
    """Where ``tnb101_micro.csv`` is read from: the user's data directory, else the packaged copy."""
    return locate_table(TABLE, package=PACKAGE, distribution=DISTRIBUTION, data_dir=data_dir,
                        what="TransNAS-Bench-101 micro", source=SOURCE)

#: (resolved path, mtime, size) -> (arch strings in file order, {task: {op tuple: value}})
_TABLE_CACHE: dict[tuple, tuple[list[str], dict[str, dict[tuple, float]]]] = {}


def read_task_columns(src: TableSource, parse: Callable[[str], tuple], to_str: Callable[[tuple], str]
                      ) -> tuple[list[str], dict[str, dict[tuple, float]]]:
    """``(official strings in file order, {task: {encoding: value}})`` of a TransNAS-Bench-101 CSV
    (``arch_str`` then the seven task columns), each row checked; ``parse`` turns an ``arch_str``
    into the space's tuple and ``to_str`` back. One ``src.corrupt`` error per bad row, header,
    duplicate, non-finite value or empty table. Shared by the micro and macro tables."""
    archs: list[str] = []
    columns: dict[str, dict[tuple, float]] = {task: {} for task in TASK_NAMES}
    reader = iter(src.read_csv())
    header = next(reader, None)
    if not header or header[0] != "arch_str":
        raise src.corrupt(f"the first column must be 'arch_str' (got header {header!r})")
    missing = [t for t in TASK_NAMES if t not in header]
    if missing:
        raise src.corrupt(f"missing task column(s) {', '.join(missing)}")
    index = {task: header.index(task) for task in TASK_NAMES}
    for line_no, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            key = parse(row[0])
            values = {task: float(row[i]) for task, i in index.items()}
        except (ArchitectureError, ValueError, IndexError) as exc:
            raise src.corrupt(f"line {line_no}: bad row {row!r} ({exc})") from None
        if key in columns[TASK_NAMES[0]]:
            raise src.corrupt(f"line {line_no}: duplicate architecture {row[0]!r}")
        archs.append(to_str(key))
        for task, value in values.items():
            if not math.isfinite(value):
                raise src.corrupt(f"line {line_no}: non-finite {task} value {row[index[task]]!r}")
            columns[task][key] = value
    if not archs:
        raise src.corrupt("the table has no rows")
    return archs, columns


def load_table(table: TableSource | str | os.PathLike) -> tuple[list[str], dict[str, dict[tuple, float]]]:
    """Read and validate the CSV once per process (all seven tasks share one parse).

    ``table``: a :class:`TableSource`, or the path of a CSV file (plain or gzip).
    """
    if not isinstance(table, TableSource):
        table = TableSource(name=TABLE, origin="user", path=Path(table).resolve(),
                            what="TransNAS-Bench-101 micro", source=SOURCE)
    src = table
    key = src.cache_key()
    cached = _TABLE_CACHE.get(key)
    if cached is not None:
        return cached
    archs, columns = read_task_columns(src, encoding.parse_arch, encoding.to_arch_str)
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
        self.table_source = locate(data_dir)
        #: where the labels come from: the user's file, or ``package/resource`` of the packaged copy
        self.path = self.table_source.path or self.table_source.location
        self._archs, self._columns = load_table(self.table_source)

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
