"""Ground truth of the nine NAS-Bench-360 tasks: ``suite_zero_extra.csv`` (no torch).

The table is NAS-Bench-Suite-Zero's (NASLib, ``run/results/benchmarks/9x_all.zip``
on its ``zerocost`` branch) as CSV with columns ``search_space``
(``nasbench201``, ``nasbench301``, ``transbench101_micro``), ``task`` (``svhn``,
``ninapro``, ``scifar100``), ``naslib_arch`` (NASLib's architecture encoding of
that search space, as written in NASLib's files) and ``val_accuracy`` (%):
192-199 trained architectures per task. It answers ``Metric.VAL_ACCURACY`` only.

Where it is read from (:func:`nasplug.tables.locate_table`): the user's
``<data>/benchmarks/suite_zero_extra.csv`` (or ``.gz``; all nine tasks, rows of
other search spaces are skipped) first, else the copy packaged with the search
space's plugin (``<package>/data/suite_zero_extra.csv.gz``, that space's rows).

:class:`SuiteZeroExtraBenchmark` is the benchmark of one (search space, task);
a search-space plugin subclasses it and says how NASLib's encoding and the
user's spellings map to its canonical architecture key and string.
"""

from __future__ import annotations

import math
import os
from typing import Any

from nasplug.benchmark import Benchmark
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric

from .tasks import TASK_NAMES

TABLE = "benchmarks/suite_zero_extra.csv"
COLUMNS = ("search_space", "task", "naslib_arch", "val_accuracy")
SOURCE = ("NAS-Bench-Suite-Zero's nine NAS-Bench-360 tasks (NASLib, https://github.com/automl/NASLib, "
          "run/results/benchmarks/9x_all.zip on its zerocost branch), as CSV with columns "
          "search_space,task,naslib_arch,val_accuracy")

#: (table cache key, search space) -> {task: (canonical strings in file order, {key: accuracy})}
_CACHE: dict[tuple, dict[str, tuple[list[str], dict[Any, float]]]] = {}


class SuiteZeroExtraBenchmark(Benchmark):
    """``Metric.VAL_ACCURACY`` (%) of the architectures NAS-Bench-Suite-Zero trained on one task.

    Subclasses set ``name`` / ``search_space`` (the benchmark and space names),
    ``table_space`` (the table's ``search_space`` value), ``package`` /
    ``distribution`` (where the packaged table is) and implement
    :meth:`from_naslib` (the CSV's ``naslib_arch`` text -> ``(key, canonical
    string)``; the strings are what :meth:`architectures` returns), :meth:`key`
    (any accepted spelling of an architecture -> key) and :meth:`to_string`
    (key -> a string naming it in messages).
    ``architectures()`` and ``sample()`` cover the labelled architectures only.
    """

    tasks = TASK_NAMES
    default_metric = Metric.VAL_ACCURACY
    package: str = ""
    distribution: str = ""
    #: the search space's name in the table's ``search_space`` column
    table_space: str = ""

    def __init__(self, task: str, data_dir: str | os.PathLike | None = None, **_: Any) -> None:
        if task not in TASK_NAMES:
            raise NasplugError(f"no NAS-Bench-360 task {task!r} for {self.search_space}; "
                               f"valid: {', '.join(TASK_NAMES)}")
        super().__init__(task, data_dir)
        from nasplug.tables import locate_table

        self.table = locate_table(TABLE, package=self.package, distribution=self.distribution,
                                  data_dir=data_dir, what="NAS-Bench-Suite-Zero extra-task", source=SOURCE)
        self._strings, self._labels = self._load()[task]

    # -- subclass hooks -------------------------------------------------------------------
    def from_naslib(self, text: str) -> tuple[Any, str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def key(self, arch: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def to_string(self, key: Any) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- the table ------------------------------------------------------------------------
    def _load(self) -> dict[str, tuple[list[str], dict[Any, float]]]:
        cache_key = (self.table.cache_key(), self.table_space)
        found = _CACHE.get(cache_key)
        if found is not None:
            return found
        rows = self.table.read_csv()
        while rows and not rows[0]:
            rows.pop(0)
        header = [h.strip() for h in rows[0]] if rows else []
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise self.table.corrupt(f"missing column(s) {', '.join(missing)} (header: {','.join(header)})")
        col = {c: header.index(c) for c in COLUMNS}
        out: dict[str, tuple[list[str], dict[Any, float]]] = {t: ([], {}) for t in TASK_NAMES}
        for lineno, row in enumerate(rows[1:], start=2):
            if not row:
                continue
            if len(row) != len(header):
                raise self.table.corrupt(f"line {lineno} has {len(row)} fields, the header {len(header)}")
            if row[col["search_space"]].strip() != self.table_space:
                continue
            task = row[col["task"]].strip()
            if task not in out:
                raise self.table.corrupt(f"line {lineno}: unknown task {task!r} (valid: {', '.join(TASK_NAMES)})")
            try:
                key, string = self.from_naslib(row[col["naslib_arch"]])
            except ArchitectureError as exc:
                raise self.table.corrupt(f"line {lineno}: {exc}") from None
            text = row[col["val_accuracy"]].strip()
            try:
                value = float(text)
            except ValueError:
                raise self.table.corrupt(f"line {lineno}: val_accuracy {text!r} is not a number") from None
            if not math.isfinite(value):
                raise self.table.corrupt(f"line {lineno}: val_accuracy {text!r} is not finite")
            strings, labels = out[task]
            if key in labels:
                raise self.table.corrupt(f"line {lineno}: {self.to_string(key)} appears twice for {task}")
            labels[key] = value
            strings.append(string)
        empty = [t for t, (s, _) in out.items() if not s]
        if empty:
            raise self.table.corrupt(f"no {self.table_space} rows for task(s) {', '.join(empty)}")
        _CACHE[cache_key] = out
        return out

    # -- the contract ---------------------------------------------------------------------
    @property
    def metrics(self) -> tuple[Metric, ...]:
        return (Metric.VAL_ACCURACY,)

    def architectures(self) -> list[str]:
        """Canonical strings of the labelled architectures, in table order (a fresh list)."""
        return list(self._strings)

    def __len__(self) -> int:
        return len(self._strings)

    def is_labelled(self, arch: Any) -> bool:
        return self.key(arch) in self._labels

    def query(self, arch: Any, metric: Metric | str = Metric.VAL_ACCURACY, dataset: str | None = None,
              **kwargs: Any) -> float:
        """Validation accuracy (%) of a labelled architecture on this task."""
        if dataset is not None and dataset != self.task:
            raise NasplugError(f"this benchmark API answers for {self.search_space}/{self.task}, not "
                               f"{dataset!r}: use nasplug.get_dataset_api({self.search_space!r}, {dataset!r})")
        metric = Metric.parse(metric) if metric is not None else Metric.VAL_ACCURACY
        if metric is not Metric.VAL_ACCURACY:
            raise MetricNotAvailableError(
                f"NAS-Bench-Suite-Zero's {self.task} table holds validation accuracy only "
                f"(Metric.VAL_ACCURACY), not {metric.name}")
        key = self.key(arch)
        value = self._labels.get(key)
        if value is None:
            raise DataError(f"{self.to_string(key)} is not one of the {len(self._strings)} architectures "
                            f"NAS-Bench-Suite-Zero trained on {self.task} ({self.table.describe()})")
        return value

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(task={self.task!r}, labelled={len(self._strings)}, "
                f"table={self.table.describe()!r})")


def clear_cache() -> None:
    _CACHE.clear()


__all__ = ["COLUMNS", "SOURCE", "SuiteZeroExtraBenchmark", "TABLE", "clear_cache"]
