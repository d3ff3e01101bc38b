"""The NAS-Bench-301 benchmark: ground truth for labelled DARTS cells (no torch).

Data, in this order (the user's data directory ``--data-dir`` / ``$NASPLUG_DATA``
first, located by :func:`nasplug.tables.locate_table`):

- the user's ``benchmarks/nb301_labeled.csv``: columns ``compact`` (canonical string of the
  NASLib compact genotype) and ``cifar10_val_acc`` (CIFAR-10 validation accuracy
  in %, predicted by the NAS-Bench-301 surrogate, as published with
  NAS-Bench-Suite-Zero), 1,218 cells -> :attr:`Metric.VAL_ACCURACY`;
- or, when that file is absent, NASLib's ``naslib/zc_nasbench301.json`` (or
  ``zc_nasbench301.json``): its ``val_accuracy`` entries. When present it also
  gives NASLib's stored zero-cost scores (:meth:`zero_cost_scores`);
- else the copy of ``nb301_labeled.csv`` packaged in this plugin
  (``nasplug_nb301/data/nb301_labeled.csv.gz``, the same 1,218 rows).

Evaluations sample from the labelled cells only (:meth:`architectures`). Any
other cell can be queried through the official NAS-Bench-301 surrogate when the
``nasbench301`` package and its model files are installed: pass
``surrogate_dir=`` or set ``NASPLUG_NB301_SURROGATE`` (see :mod:`.surrogate`).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from nasplug.benchmark import Benchmark
from nasplug.config import DATA_ENV, get_data_dir
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric
from nasplug.tables import TableSource, locate_table

from . import encoding as enc

TASKS = ("cifar10",)
TABLE = "benchmarks/nb301_labeled.csv"
ZC_FILENAME = "zc_nasbench301.json"
NUM_LABELLED = 1218
#: the distribution and package whose ``data/nb301_labeled.csv.gz`` is the packaged table
DISTRIBUTION, PACKAGE = "nasplug-nb301", "nasplug_nb301"
SOURCE = ("NAS-Bench-Suite-Zero (NASLib, https://github.com/automl/NASLib: the 'val_accuracy' of "
          "zc_nasbench301.json), converted to CSV with columns compact,cifar10_val_acc; or put "
          "zc_nasbench301.json itself in <data>/naslib/")
ZC_SOURCE = "NASLib's NAS-Bench-Suite-Zero release (https://github.com/automl/NASLib, zc_nasbench301.json)"

_table_cache: dict[tuple, tuple[list[str], dict[tuple, float]]] = {}


def locate(data_dir: str | os.PathLike | None = None) -> TableSource:
    """Where ``nb301_labeled.csv`` is read from: the user's data directory, else the packaged copy."""
    return locate_table(TABLE, package=PACKAGE, distribution=DISTRIBUTION, data_dir=data_dir,
                        what="NAS-Bench-301", source=SOURCE)


def _load_csv(src: TableSource) -> tuple[list[str], dict[tuple, float]]:
    """(canonical strings in file order, normalized compact -> accuracy) of the CSV."""
    cache_key = src.cache_key()
    found = _table_cache.get(cache_key)
    if found is not None:
        return found
    corrupt = src.corrupt
    rows = src.read_csv()
    if not rows:
        raise corrupt("the file is empty")
    header = [h.strip() for h in rows[0]]
    for column in ("compact", "cifar10_val_acc"):
        if column not in header:
            raise corrupt(f"no {column!r} column (header: {','.join(header)})")
    arch_col, acc_col = header.index("compact"), header.index("cifar10_val_acc")
    strings: list[str] = []
    labels: dict[tuple, float] = {}
    for lineno, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise corrupt(f"line {lineno} has {len(row)} fields, the header {len(header)}")
        try:
            compact = enc.parse_arch_string(row[arch_col])
        except ArchitectureError as exc:
            raise corrupt(f"line {lineno}: {exc}") from None
        key = enc.normalize_compact(compact)
        if key in labels:
            raise corrupt(f"line {lineno}: cell {row[arch_col]} appears twice")
        try:
            labels[key] = float(row[acc_col])
        except ValueError:
            raise corrupt(f"line {lineno}: cifar10_val_acc {row[acc_col]!r} is not a number") from None
        strings.append(enc.compact_to_str(compact))
    if not strings:
        raise corrupt("no rows")
    _table_cache[cache_key] = (strings, labels)
    return strings, labels


class NasBench301Benchmark(Benchmark):
    """NAS-Bench-301 ground truth on CIFAR-10 for the labelled DARTS cells.

    ``query(arch, metric)`` takes a Graph, a compact form, its canonical string,
    a Genotype or a NAS-Bench-301 configuration; accuracy is in %. The order of
    a node's two inputs does not matter (both orders are the same network).
    """

    name = "nasbench301"
    search_space = "nasbench301"
    tasks = TASKS
    default_metric = Metric.VAL_ACCURACY
    #: NASLib's zc_nasbench301.json keys are compact genotypes as text
    naslib_key = staticmethod(enc.parse_arch_string)

    def __init__(self, task: str = "cifar10", data_dir: str | os.PathLike | None = None,
                 zc_path: str | os.PathLike | None = None,
                 surrogate_dir: str | os.PathLike | None = None) -> None:
        if task not in TASKS:
            raise NasplugError(f"NAS-Bench-301 has no task {task!r}; valid: {', '.join(TASKS)}")
        super().__init__(task, data_dir)
        from nasplug.naslib_zc import resolve_naslib_zc_file

        self.zc_path: Path | None = resolve_naslib_zc_file("nasbench301", data_dir, zc_path, ZC_SOURCE)
        self._zc: dict | None = None
        table = locate(data_dir)
        # the user's files win: their CSV, else their NASLib file, else the packaged CSV
        self.table_source: TableSource | None = None if (table.packaged and self.zc_path is not None) else table
        #: the user's CSV, or None (packaged table, or labels from NASLib's file)
        self.table_path: Path | None = self.table_source.path if self.table_source else None
        if self.table_source is not None:
            self._strings, self._labels = _load_csv(self.table_source)
        else:  # NASLib users: the zero-cost file alone
            self._strings, self._labels = [], {}
            for compact, scores in self._zc_raw().items():
                if "val_accuracy" in scores and not math.isnan(scores["val_accuracy"]):
                    self._strings.append(enc.compact_to_str(compact))
                    self._labels[enc.normalize_compact(compact)] = scores["val_accuracy"]
        from .surrogate import SurrogateOption

        self.surrogate = SurrogateOption(surrogate_dir)

    # -- metadata -----------------------------------------------------------
    def _labels_from(self) -> str:
        return self.table_source.location if self.table_source is not None else str(self.zc_path)

    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric.VAL_ACCURACY,)

    def architectures(self) -> list[str]:
        """Canonical strings of the labelled cells, in file order (a fresh list)."""
        return list(self._strings)

    def __len__(self) -> int:
        return len(self._strings)

    def is_labelled(self, arch: Any) -> bool:
        return enc.normalize_compact(self._compact(arch)) in self._labels

    # -- NASLib's zero-cost file ----------------------------------------------
    def _zc_raw(self) -> dict:
        """{compact as written in the file: scores} of this task."""
        from nasplug.naslib_zc import load_naslib_zc

        data = load_naslib_zc(self.zc_path, "nasbench301", key=enc.parse_arch_string)
        if self.task not in data:
            raise DataError(f"NASLib zero-cost file {str(self.zc_path)!r} has no dataset {self.task!r} "
                            f"(it holds {', '.join(data)}); get the full file from {ZC_SOURCE}")
        return data[self.task]

    def _zc_table(self) -> dict:
        if self._zc is None:
            self._zc = {enc.normalize_compact(k): v for k, v in self._zc_raw().items()}
        return self._zc

    def zero_cost_scores(self, arch: Any) -> dict[str, float]:
        """NASLib's stored scores of ``arch`` (flops, params, synflow, ..., val_accuracy)."""
        if self.zc_path is None:
            raise MetricNotAvailableError(
                f"no NASLib zero-cost data: put {ZC_FILENAME} in {str(get_data_dir(self.data_dir) / 'naslib')!r} "
                f"(from {ZC_SOURCE})")
        compact = self._compact(arch)
        scores = self._zc_table().get(enc.normalize_compact(compact))
        if scores is None:
            raise MetricNotAvailableError(f"cell {enc.compact_to_str(compact)} is not in {str(self.zc_path)!r}")
        return dict(scores)

    # -- queries --------------------------------------------------------------
    @staticmethod
    def _compact(arch: Any) -> tuple:
        if hasattr(arch, "get_hash") and not isinstance(arch, (str, tuple, list, dict)):
            return enc.validate_compact(arch.get_hash())
        return enc.to_compact(arch)

    def query(self, arch: Any, metric: Metric | str = Metric.VAL_ACCURACY, dataset: str | None = None,
              surrogate: bool = False, **kwargs: Any) -> float:
        """CIFAR-10 validation accuracy (%) of ``arch``.

        Labelled cells are answered from the table; others (or every cell with
        ``surrogate=True``) through the NAS-Bench-301 surrogate, when configured.
        """
        if dataset is not None and dataset != self.task:
            raise NasplugError(f"NAS-Bench-301 has no dataset {dataset!r}; valid: {', '.join(TASKS)}")
        metric = Metric.parse(metric)
        if metric is not Metric.VAL_ACCURACY:
            raise MetricNotAvailableError(
                f"NAS-Bench-301 data here holds CIFAR-10 validation accuracy only (Metric.VAL_ACCURACY), "
                f"not {metric.name}")
        compact = self._compact(arch)
        if not surrogate:
            value = self._labels.get(enc.normalize_compact(compact))
            if value is not None:
                return value
        if not self.surrogate.configured:
            raise DataError(
                f"cell {enc.compact_to_str(compact)} is not one of the {len(self._strings)} labelled cells "
                f"of {self._labels_from()!r}; to query any cell through the NAS-Bench-301 "
                f"surrogate, {self.surrogate.requirements()}")
        return self.surrogate.predict(enc.compact_to_genotype(compact))

    def __repr__(self) -> str:
        return (f"NasBench301Benchmark(task={self.task!r}, table={self._labels_from()!r}, "
                f"labelled={len(self._strings)}, surrogate={self.surrogate!r})")


__all__ = ["NasBench301Benchmark", "TABLE", "TASKS", "DATA_ENV"]
