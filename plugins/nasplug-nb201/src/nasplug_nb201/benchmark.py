"""The NAS-Bench-201 benchmark: ground truth for the 15,625 cells (no torch).

Data: the user's data directory (``--data-dir`` / ``$NASPLUG_DATA``) first, else
the copy packaged in this plugin (``nasplug_nb201/data/nb201.csv.gz``, the same
15,625 rows), located by :func:`nasplug.tables.locate_table`:

- ``benchmarks/nb201.csv`` (packaged): columns ``arch_str``,
  ``cifar10_test_acc``, ``cifar100_test_acc``, ``ImageNet16-120_test_acc``
  (test accuracy in % after the 200-epoch schedule, NATS-Bench topology space =
  NAS-Bench-201), one row per cell -> :attr:`Metric.TEST_ACCURACY`.
- ``naslib/zc_nasbench201.json``, else ``zc_nasbench201.json`` (optional):
  NASLib's NAS-Bench-Suite-Zero file -> :attr:`Metric.VAL_ACCURACY` (its
  ``val_accuracy``) for the cells it lists, and NASLib's zero-cost scores
  through :meth:`NasBench201Benchmark.zero_cost_scores`. ``zc_path=`` points
  at any other file (e.g. the 491-cell sample).

``default_metric`` is VAL_ACCURACY when a zero-cost file is found (NASLib ranks
against validation accuracy), else TEST_ACCURACY.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from nasplug.benchmark import Benchmark
from nasplug.config import get_data_dir
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric
from nasplug.tables import TableSource, locate_table

from . import conversions as conv

TASKS = ("cifar10", "cifar100", "ImageNet16-120")
TABLE = "benchmarks/nb201.csv"
#: the distribution and package whose ``data/nb201.csv.gz`` is the packaged table
DISTRIBUTION, PACKAGE = "nasplug-nb201", "nasplug_nb201"
ZC_FILENAME = "zc_nasbench201.json"
#: where the data comes from, for error messages
SOURCE = ("the official NAS-Bench-201 / NATS-Bench release (https://github.com/D-X-Y/NATS-Bench, "
          "topology search space), converted to CSV with columns arch_str,cifar10_test_acc,"
          "cifar100_test_acc,ImageNet16-120_test_acc")
ZC_SOURCE = "NASLib's NAS-Bench-Suite-Zero (https://github.com/automl/NASLib, zc_nasbench201.json)"

_table_cache: dict[tuple, tuple[dict, dict]] = {}


def locate(data_dir: str | os.PathLike | None = None) -> TableSource:
    """Where ``nb201.csv`` is read from: the user's data directory, else the packaged copy."""
    return locate_table(TABLE, package=PACKAGE, distribution=DISTRIBUTION, data_dir=data_dir,
                        what="NAS-Bench-201", source=SOURCE)


def _load_table(src: TableSource) -> tuple[dict[Any, int], dict[str, list[float]]]:
    """(key -> row, column -> values) of ``nb201.csv``; keys are compact tuples and strings."""
    cache_key = src.cache_key()
    found = _table_cache.get(cache_key)
    if found is not None:
        return found
    corrupt = src.corrupt
    rows = src.read_csv()
    while rows and not any(field.strip() for field in rows[0]):
        rows.pop(0)
    if not rows:
        raise corrupt("the file is empty")
    header = [h.strip() for h in rows[0]]
    if "arch_str" not in header:
        raise corrupt(f"no 'arch_str' column (header: {','.join(header)})")
    arch_col = header.index("arch_str")
    value_cols = {name: i for i, name in enumerate(header) if name.endswith("_test_acc")}
    missing = [f"{task}_test_acc" for task in TASKS if f"{task}_test_acc" not in value_cols]
    if missing:
        raise corrupt(f"missing column(s) {', '.join(missing)}")
    width = len(header)
    fast = _parse_rows_fast(rows[1:], arch_col, value_cols, width)
    if fast is not None:
        _table_cache[cache_key] = fast
        return fast
    # Slow path: only for files the fast path rejects; says exactly what is wrong.
    index: dict[Any, int] = {}
    columns: dict[str, list[float]] = {name: [] for name in value_cols}
    for lineno, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != width:
            raise corrupt(f"line {lineno} has {len(row)} fields, the header {width}")
        arch_str = row[arch_col]
        try:
            ops = conv.str_to_op_indices(arch_str)
        except ArchitectureError:
            raise corrupt(f"line {lineno}: {arch_str!r} is not a NAS-Bench-201 cell string") from None
        if ops in index:
            raise corrupt(f"line {lineno}: cell {arch_str} appears twice")
        pos = len(index) // 2
        index[ops] = pos
        index[arch_str if arch_str == arch_str.strip() else conv.op_indices_to_str(ops)] = pos
        for name, col in value_cols.items():
            text = row[col].strip()
            try:
                value = float(text) if text else math.nan
            except ValueError:
                raise corrupt(f"line {lineno}, column {name}: {text!r} is not a number") from None
            columns[name].append(value)
    count = len(index) // 2
    if count != conv.NUM_ARCHITECTURES:
        raise corrupt(f"{count} cells, NAS-Bench-201 has {conv.NUM_ARCHITECTURES} (truncated file?)")
    _table_cache[cache_key] = (index, columns)
    return index, columns


_canonical: dict[str, tuple[int, ...]] | None = None


def _canonical_strings() -> dict[str, tuple[int, ...]]:
    """Official string -> compact tuple for all 15,625 cells (built once per process)."""
    global _canonical
    if _canonical is None:
        n = conv.OP_NAMES_NB201
        fmt = "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|"
        # string order: (1,2) | (1,3) (2,3) | (1,4) (2,4) (3,4); tuple order: EDGE_LIST
        _canonical = {fmt.format(n[a], n[b], n[d], n[c], n[e], n[f]): (a, b, c, d, e, f)
                      for a, b, c, d, e, f in conv.all_op_indices()}
    return _canonical


def _parse_rows_fast(rows: list[list[str]], arch_col: int, value_cols: dict[str, int],
                     width: int) -> tuple[dict, dict] | None:
    """The table of a well-formed file in a few bulk operations, or None to take the
    checking path (malformed rows, unknown or repeated cells, blanks, bad numbers)."""
    body = [row for row in rows if row]
    if len(body) != conv.NUM_ARCHITECTURES or any(len(row) != width for row in body):
        return None
    canonical = _canonical_strings()
    archs = [row[arch_col] for row in body]
    try:
        ops = [canonical[a] for a in archs]
        columns = {name: [float(row[col]) for row in body] for name, col in value_cols.items()}
    except (KeyError, ValueError):
        return None
    index: dict[Any, int] = dict(zip(ops, range(len(ops))))
    if len(index) != conv.NUM_ARCHITECTURES:
        return None
    index.update(zip(archs, range(len(archs))))
    return index, columns


class NasBench201Benchmark(Benchmark):
    """NAS-Bench-201 ground truth for one task (``cifar10``, ``cifar100`` or ``ImageNet16-120``).

    ``query(arch, metric)`` takes a Graph, a compact tuple, an official string or
    an integer index; accuracies are in %.
    """

    name = "nasbench201"
    search_space = "nasbench201"
    tasks = TASKS
    default_metric = Metric.TEST_ACCURACY
    #: NASLib's zc_nasbench201.json keys are compact tuples as text: "(2, 0, 0, 3, 3, 2)"
    naslib_key = staticmethod(conv.to_op_indices)

    def __init__(self, task: str = "cifar10", data_dir: str | os.PathLike | None = None,
                 zc_path: str | os.PathLike | None = None) -> None:
        if task not in TASKS:
            raise NasplugError(f"NAS-Bench-201 has no task {task!r}; valid: {', '.join(TASKS)}")
        super().__init__(task, data_dir)
        self.table_source = locate(data_dir)
        #: the user's file, or None when the packaged table is used (see ``table_source``)
        self.table_path: Path | None = self.table_source.path
        self._index, columns = _load_table(self.table_source)
        self._test = columns[f"{task}_test_acc"]
        from nasplug.naslib_zc import resolve_naslib_zc_file

        self.zc_path: Path | None = resolve_naslib_zc_file("nasbench201", data_dir, zc_path, ZC_SOURCE)
        self._zc: dict | None = None
        if self.zc_path is not None:
            self.default_metric = Metric.VAL_ACCURACY

    # -- metadata -----------------------------------------------------------
    @property
    def metrics(self) -> tuple[Metric, ...]:
        """TEST_ACCURACY from the table; VAL_ACCURACY when a zero-cost file is present."""
        if self.zc_path is not None:
            return (Metric.TEST_ACCURACY, Metric.VAL_ACCURACY)
        return (Metric.TEST_ACCURACY,)

    def _zc_table(self) -> dict:
        if self._zc is None:
            from nasplug.naslib_zc import load_naslib_zc

            data = load_naslib_zc(self.zc_path, "nasbench201", key=conv.to_op_indices)
            if self.task not in data:
                raise DataError(f"NASLib zero-cost file {str(self.zc_path)!r} has no dataset {self.task!r} "
                                f"(it holds {', '.join(data)}); get the full file from {ZC_SOURCE}")
            self._zc = data[self.task]
        return self._zc

    def zero_cost_scores(self, arch: Any) -> dict[str, float]:
        """NASLib's stored scores of ``arch`` (flops, params, synflow, ..., val_accuracy)."""
        if self.zc_path is None:
            raise MetricNotAvailableError(
                f"no NASLib zero-cost data: put {ZC_FILENAME} in {str(get_data_dir(self.data_dir) / 'naslib')!r} "
                f"(from {ZC_SOURCE})")
        ops = conv.to_op_indices(arch)
        scores = self._zc_table().get(ops)
        if scores is None:
            raise MetricNotAvailableError(
                f"cell {conv.op_indices_to_str(ops)} is not in {str(self.zc_path)!r} "
                f"({len(self._zc_table())} of {conv.NUM_ARCHITECTURES} cells labelled for {self.task})")
        return dict(scores)

    # -- queries --------------------------------------------------------------
    def _row(self, arch: Any) -> int:
        kind = type(arch)
        if kind is tuple or kind is str:
            row = self._index.get(arch)  # canonical tuple or official string: one dict lookup
        elif kind is list:
            row = self._index.get(tuple(arch))
        else:
            row = None
        if row is None:  # other forms (Graph, index, NASLib key text) or malformed: validate
            row = self._index[conv.to_op_indices(arch)]
        return row

    def query(self, arch: Any, metric: Metric | str = Metric.TEST_ACCURACY, dataset: str | None = None,
              **kwargs: Any) -> float:
        """The ``metric`` of ``arch`` on this benchmark's task (accuracy in %)."""
        if dataset is not None and dataset != self.task:
            if dataset not in TASKS:
                raise NasplugError(f"NAS-Bench-201 has no dataset {dataset!r}; valid: {', '.join(TASKS)}")
            raise NasplugError(f"this benchmark API answers for {self.task!r}, not {dataset!r}: "
                               f"use nasplug.get_dataset_api('nasbench201', {dataset!r})")
        if metric is Metric.TEST_ACCURACY:
            return self._test[self._row(arch)]
        metric = Metric.parse(metric)
        if metric is Metric.TEST_ACCURACY:
            return self._test[self._row(arch)]
        if metric is Metric.VAL_ACCURACY and self.zc_path is not None:
            return self.zero_cost_scores(arch)["val_accuracy"]
        if metric is Metric.VAL_ACCURACY:
            raise MetricNotAvailableError(
                f"NAS-Bench-201 validation accuracy needs NASLib's {ZC_FILENAME} (from {ZC_SOURCE}) in "
                f"{str(get_data_dir(self.data_dir) / 'naslib')!r} or the data directory itself; "
                f"{TABLE} holds test accuracy only (use Metric.TEST_ACCURACY)")
        raise MetricNotAvailableError(
            f"NAS-Bench-201 data here holds {', '.join(m.name for m in self.metrics)}, not {metric.name}; "
            f"{metric.name.lower()} needs the full NAS-Bench-201 / NATS-Bench release ({SOURCE.split(',')[0]})")

    def architectures(self, metric: Metric | str | None = None) -> list[str]:
        """Official strings of the cells labelled with ``metric`` (default: ``default_metric``), index order."""
        metric = self.default_metric if metric is None else Metric.parse(metric)
        if metric is Metric.VAL_ACCURACY and self.zc_path is not None:
            cells = sorted(ops for ops, scores in self._zc_table().items() if "val_accuracy" in scores)
            return [conv.op_indices_to_str(ops) for ops in cells]
        if metric is Metric.TEST_ACCURACY:
            return [conv.op_indices_to_str(ops) for ops in conv.all_op_indices()]
        self.query(next(iter(conv.all_op_indices())), metric)  # raises the helpful error
        return []

    def __len__(self) -> int:
        return len(self.architectures())

    def __repr__(self) -> str:
        return (f"NasBench201Benchmark(task={self.task!r}, table={self.table_source.location!r}, "
                f"zc={str(self.zc_path) if self.zc_path else None!r})")
