"""The NAS-Bench-101 benchmark: ground truth for labelled cells (no torch).

No NAS-Bench-101 table ships with this plugin (NASLib's files are not ours to
redistribute); the data directory (``--data-dir`` / ``$NASPLUG_DATA``) provides it:

- NASLib's NAS-Bench-Suite-Zero file ``naslib/zc_nasbench101.json`` (else
  ``zc_nasbench101.json``, else the 300-cell sample
  ``naslib/zc_nasbench101_sample.json``; ``zc_path=`` names any other file):
  ``{"nasbench101": {"cifar10": {"<NASLib tuple>": {..., "val_accuracy": %}}}}``
  -> :attr:`Metric.VAL_ACCURACY` for every cell it lists, and NASLib's stored
  zero-cost scores through :meth:`NasBench101Benchmark.zero_cost_scores`;
- a CSV of NAS-Bench-101's own results, ``benchmarks/nb101.csv`` (``csv_path=``
  names any other file), optional. Columns (header names, any order):

  ========================  ============================================================
  ``matrix``, ``ops``       the cell: ``matrix`` as JSON (``[[0,1,...],...]``) or the
                            row-major 0/1 digits (``"0110000..."``); ``ops`` as JSON
                            (``["input", "conv3x3-bn-relu", ...]``) or comma-separated
  ``hash``                  NAS-Bench-101's hash; with ``matrix``/``ops`` it must agree,
                            alone it labels the cell of that hash (its spec must then
                            come from the NASLib file or another row to be evaluated)
  ``val_accuracy``          validation accuracy (%), -> ``Metric.VAL_ACCURACY``
  ``test_accuracy``         test accuracy (%), -> ``Metric.TEST_ACCURACY``
  ``train_accuracy``        training accuracy (%), -> ``Metric.TRAIN_ACCURACY``
  ``training_time``         training time (s), -> ``Metric.TRAIN_TIME``
  ``trainable_parameters``  parameter count, -> ``Metric.PARAMETERS``
  ========================  ============================================================

  At least one metric column; empty cells mean "not known". (NAS-Bench-101's
  API reports accuracies as fractions; write them as %, as NASLib returns them:
  values <= 1 in an accuracy column are refused.)

NASLib's file is keyed by NASLib's tuple, and it lists some cells several times
under different encodings (isomorphic matrices, padded small cells), each with
the validation accuracy of one of NAS-Bench-101's three training runs (the
300-cell sample has 190 distinct cells; the trivial input->output cell appears
35 times). Like NASLib, the benchmark treats every key as one architecture:
``architectures()`` lists all of them and a query with one of these encodings
answers that entry. Any other encoding of a cell is matched by NAS-Bench-101's
isomorphism-invariant hash: a CSV row of that hash, else the mean of the NASLib
entries of that hash. (Isomorphic encodings can differ in a few parameters:
NAS-Bench-101's channel split gives the extra channels to the lower-numbered
vertices.) Where the NASLib file and the CSV both label a NASLib key with a
validation accuracy, the NASLib file's is used (it is the ground truth NASLib's
published zero-cost correlations were computed against).
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

from nasplug.benchmark import Benchmark
from nasplug.config import get_data_dir
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric

from . import spec as S

TASKS = ("cifar10",)
ZC_FILENAME = "zc_nasbench101.json"
ZC_SAMPLE = "zc_nasbench101_sample.json"
CSV_NAME = "benchmarks/nb101.csv"
ZC_SOURCE = ("NASLib's NAS-Bench-Suite-Zero release (https://github.com/automl/NASLib, zerocost branch: "
             "zc_nasbench101.json, put it in <data>/naslib/)")
CSV_SOURCE = ("NAS-Bench-101's own results (https://github.com/google-research/nasbench, "
              "nasbench_only108.tfrecord) exported to CSV with columns matrix,ops[,hash],val_accuracy,"
              "test_accuracy,... (see the nasplug-nb101 README)")
#: CSV column -> metric
CSV_METRICS = {
    "val_accuracy": Metric.VAL_ACCURACY,
    "test_accuracy": Metric.TEST_ACCURACY,
    "train_accuracy": Metric.TRAIN_ACCURACY,
    "training_time": Metric.TRAIN_TIME,
    "trainable_parameters": Metric.PARAMETERS,
}
_ACCURACY_COLUMNS = ("val_accuracy", "test_accuracy", "train_accuracy")

_zc_cache: dict[tuple, tuple[dict, dict, list]] = {}
_csv_cache: dict[tuple, tuple[dict, dict, list]] = {}


def _file_key(path: Path) -> tuple:
    stat = path.stat()
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def load_zc(path: Path) -> tuple[dict[str, dict[str, float]], dict[str, S.Cell]]:
    """``({canonical string: scores}, {canonical string: cell})`` of a NASLib NB101 file, file order."""
    key = _file_key(path)
    found = _zc_cache.get(key)
    if found is not None:
        return found
    from nasplug.naslib_zc import load_naslib_zc

    data = load_naslib_zc(path, "nasbench101", key=S.parse_spec)
    if "cifar10" not in data:
        raise DataError(f"NASLib zero-cost file {str(path)!r} has no cifar10 entries (it holds "
                        f"{', '.join(data) or 'nothing'}); get {ZC_FILENAME} from {ZC_SOURCE}")
    scores: dict[str, dict[str, float]] = {}
    cells: dict[str, S.Cell] = {}
    for cell, values in data["cifar10"].items():
        name = cell.arch_str()
        scores[name] = values
        cells[name] = cell
    _zc_cache.clear()
    _zc_cache[key] = (scores, cells)
    return scores, cells


def _parse_matrix(text: str) -> list[list[int]]:
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    digits = [c for c in text if c in "01"]
    if len(digits) != len(text.replace(" ", "")):
        raise ValueError(f"matrix {text!r} is neither JSON nor 0/1 digits")
    n = int(round(len(digits) ** 0.5))
    if n * n != len(digits):
        raise ValueError(f"matrix {text!r} has {len(digits)} digits, not a square number")
    return [[int(d) for d in digits[i * n:(i + 1) * n]] for i in range(n)]


def _parse_ops(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        return [str(op) for op in json.loads(text)]
    return [op.strip() for op in text.split(",")]


def load_csv(path: Path) -> tuple[dict[str, dict[Metric, float]], dict[str, S.Cell], list[str]]:
    """``({hash: {metric: value}}, {hash: cell}, [hash in file order])`` of a user CSV."""
    key = _file_key(path)
    found = _csv_cache.get(key)
    if found is not None:
        return found

    def corrupt(why: str, line: int | None = None) -> DataError:
        where = f"{path}:{line}" if line else str(path)
        return DataError(f"corrupt NAS-Bench-101 CSV {where}: {why}; expected {CSV_SOURCE}")

    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
            header = list(rows[0].keys()) if rows else None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise corrupt(f"{type(exc).__name__}: {exc}") from None
    if not rows:
        raise corrupt("no data rows")
    header = [h.strip() for h in header if h is not None]
    has_spec = "matrix" in header and "ops" in header
    if not has_spec and "hash" not in header:
        raise corrupt(f"need 'matrix' and 'ops' columns or a 'hash' column (header: {', '.join(header)})")
    metrics = [c for c in CSV_METRICS if c in header]
    if not metrics:
        raise corrupt(f"no metric column (one of {', '.join(CSV_METRICS)}; header: {', '.join(header)})")
    values: dict[str, dict[Metric, float]] = {}
    cells: dict[str, S.Cell] = {}
    order: list[str] = []
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise corrupt("the row has a different number of fields than the header", line)
        row = {k.strip(): v.strip() for k, v in row.items()}
        cell = None
        if has_spec and row.get("matrix") and row.get("ops"):
            try:
                cell = S.make_cell(_parse_matrix(row["matrix"]), _parse_ops(row["ops"]))
            except (ValueError, ArchitectureError) as exc:
                raise corrupt(f"invalid cell ({exc})", line) from None
            h = cell.hash()
            if row.get("hash") and row["hash"] != h:
                raise corrupt(f"hash {row['hash']!r} does not match the cell's NAS-Bench-101 hash {h!r}", line)
        elif row.get("hash"):
            h = row["hash"]
            if not S.is_hash(h):
                raise corrupt(f"{h!r} is not a NAS-Bench-101 hash (32 hex digits)", line)
        else:
            raise corrupt("row has neither matrix/ops nor hash", line)
        if h not in values:
            order.append(h)
        entry = values.setdefault(h, {})
        if h not in cells and cell is not None:
            cells[h] = cell
        for column in metrics:
            text = row.get(column, "")
            if not text:
                continue
            try:
                value = float(text)
            except ValueError:
                raise corrupt(f"{column} {text!r} is not a number", line) from None
            if not math.isfinite(value):
                raise corrupt(f"{column} {text!r} is not finite", line)
            if column in _ACCURACY_COLUMNS and not 1 < value <= 100:
                raise corrupt(f"{column} {value} is not a percentage in (1, 100] "
                              "(NAS-Bench-101 reports fractions: multiply by 100)", line)
            entry[CSV_METRICS[column]] = value
    _csv_cache.clear()
    _csv_cache[key] = (values, cells, order)
    return values, cells, order


def find_zc_file(data_dir: str | os.PathLike | None = None) -> Path | None:
    """``<data>/naslib/zc_nasbench101.json``, ``<data>/zc_nasbench101.json``, else the sample."""
    from nasplug.naslib_zc import find_naslib_zc_file

    found = find_naslib_zc_file("nasbench101", data_dir)
    if found is None:
        found = find_naslib_zc_file("nasbench101", data_dir, filename=ZC_SAMPLE)
    return found


class NasBench101Benchmark(Benchmark):
    """``get_dataset_api('nasbench101', 'cifar10')``: labelled NAS-Bench-101 cells."""

    name = "nasbench101"
    search_space = "nasbench101"
    tasks = TASKS
    default_metric = Metric.VAL_ACCURACY
    description = ("NAS-Bench-101 CIFAR-10 (NASLib's zc_nasbench101.json or its 300-cell sample, "
                   "and an optional CSV of NAS-Bench-101 results)")

    def __init__(self, task: str = "cifar10", data_dir: str | os.PathLike | None = None,
                 zc_path: str | os.PathLike | None = None, csv_path: str | os.PathLike | None = None) -> None:
        if task not in TASKS:
            raise NasplugError(f"NAS-Bench-101 has no task {task!r}; valid: {', '.join(TASKS)}")
        super().__init__(task, data_dir)
        root = get_data_dir(data_dir)
        if zc_path is not None:
            self.zc_path: Path | None = Path(zc_path)
            if not self.zc_path.is_file():
                raise DataError(f"NASLib zero-cost file {str(zc_path)!r} not found; get it from {ZC_SOURCE}")
        else:
            self.zc_path = find_zc_file(data_dir)
        if csv_path is not None:
            self.csv_path: Path | None = Path(csv_path)
            if not self.csv_path.is_file():
                raise DataError(f"NAS-Bench-101 CSV {str(csv_path)!r} not found")
        else:
            candidate = root / CSV_NAME
            self.csv_path = candidate if candidate.is_file() else None
        if self.zc_path is None and self.csv_path is None:
            raise DataError(
                f"no NAS-Bench-101 ground truth in data directory {str(root)!r} (set NASPLUG_DATA or pass "
                f"--data-dir): put NASLib's {ZC_FILENAME} in {str(root / 'naslib')!r} (from {ZC_SOURCE}), "
                f"or a CSV of NAS-Bench-101 results at {str(root / CSV_NAME)!r} (columns: see the "
                "nasplug-nb101 README); nasplug ships no NAS-Bench-101 table")
        #: NASLib entries: canonical string -> scores / cell; hash -> canonical strings
        self._zc_scores, self._zc_cells = ({}, {}) if self.zc_path is None else load_zc(self.zc_path)
        self._zc_by_hash: dict[str, list[str]] = {}
        for name, cell in self._zc_cells.items():
            self._zc_by_hash.setdefault(cell.hash(), []).append(name)
        #: CSV rows: hash -> {metric: value}, hash -> cell (when the row gives one), file order
        self._csv_values: dict[str, dict[Metric, float]] = {}
        self._csv_cells: dict[str, S.Cell] = {}
        self._csv_order: list[str] = []
        if self.csv_path is not None:
            self._csv_values, self._csv_cells, self._csv_order = load_csv(self.csv_path)

    # -- metadata -----------------------------------------------------------
    @property
    def metrics(self) -> tuple[Metric, ...]:
        found = {m for entry in self._csv_values.values() for m in entry}
        if any("val_accuracy" in v for v in self._zc_scores.values()):
            found.add(Metric.VAL_ACCURACY)
        return tuple(m for m in Metric if m in found)

    def spec_of(self, arch_hash: str) -> S.Cell:
        """A cell of a NAS-Bench-101 hash, when a loaded file gives its spec."""
        h = arch_hash.strip()
        if h in self._zc_by_hash:
            return self._zc_cells[self._zc_by_hash[h][0]]
        if h in self._csv_cells:
            return self._csv_cells[h]
        raise ArchitectureError(f"no spec known for NAS-Bench-101 hash {arch_hash!r} in {self._files()}")

    def _files(self) -> str:
        return " and ".join(str(p) for p in (self.zc_path, self.csv_path) if p is not None)

    def _resolve(self, arch: Any) -> tuple[str | None, str]:
        """(canonical string or None for a bare hash, NAS-Bench-101 hash) of ``arch``."""
        if isinstance(arch, str) and arch in self._zc_cells:  # the common case: one dict lookup
            return arch, self._zc_cells[arch].hash()
        if isinstance(arch, str) and S.is_hash(arch):
            return None, arch.strip()
        cell = S.parse_spec(arch)
        return cell.arch_str(), cell.hash()

    def zero_cost_scores(self, arch: Any) -> dict[str, float]:
        """NASLib's stored scores of ``arch`` (flops, params, synflow, ..., val_accuracy): the
        entry of that encoding, else the only entry of its hash."""
        if self.zc_path is None:
            raise MetricNotAvailableError(f"no NASLib zero-cost file loaded; get {ZC_FILENAME} from {ZC_SOURCE}")
        name, h = self._resolve(arch)
        if name in self._zc_scores:
            return dict(self._zc_scores[name])
        names = self._zc_by_hash.get(h, [])
        if len(names) == 1:
            return dict(self._zc_scores[names[0]])
        if names:
            raise ArchitectureError(
                f"NASLib's {str(self.zc_path)!r} lists cell {h} under {len(names)} encodings with their own "
                f"scores; ask with one of them, e.g. {names[0]}")
        raise MetricNotAvailableError(f"cell {h} is not in {str(self.zc_path)!r}")

    # -- queries --------------------------------------------------------------
    def query(self, arch: Any, metric: Metric | str = Metric.VAL_ACCURACY, dataset: str | None = None,
              **kwargs: Any) -> float:
        """``metric`` of ``arch`` (any encoding, a graph, or a NAS-Bench-101 hash); see the module
        docstring for which entry answers."""
        if dataset not in (None, "cifar10"):
            raise NasplugError(f"NAS-Bench-101 has no dataset {dataset!r}; valid: cifar10")
        metric = Metric.VAL_ACCURACY if metric is None else Metric.parse(metric)
        name, h = self._resolve(arch)
        if metric is Metric.VAL_ACCURACY and name in self._zc_scores and "val_accuracy" in self._zc_scores[name]:
            return self._zc_scores[name]["val_accuracy"]
        if metric in self._csv_values.get(h, {}):
            return self._csv_values[h][metric]
        if metric is Metric.VAL_ACCURACY:
            values = [self._zc_scores[n]["val_accuracy"] for n in self._zc_by_hash.get(h, [])
                      if "val_accuracy" in self._zc_scores[n]]
            if values:
                return sum(values) / len(values)
        if h not in self._zc_by_hash and h not in self._csv_values:
            raise ArchitectureError(f"NAS-Bench-101 cell {h} is not labelled in {self._files()}")
        have = ", ".join(m.name.lower() for m in self.metrics)
        raise MetricNotAvailableError(
            f"{metric.name.lower()} of NAS-Bench-101 cell {h} is not in {self._files()} (loaded data has "
            f"{have}); NASLib's file holds val_accuracy only: other metrics need a CSV of "
            f"NAS-Bench-101 results ({CSV_SOURCE})")

    def architectures(self, metric: Metric | str | None = None) -> list[str]:
        """Canonical strings (NASLib tuple text) of the architectures labelled with ``metric``
        (default: ``default_metric``): every NASLib key, then the CSV cells of other hashes whose
        spec the CSV gives; file order."""
        metric = self.default_metric if metric is None else Metric.parse(metric)
        out = []
        for name, cell in self._zc_cells.items():
            has_own = metric is Metric.VAL_ACCURACY and "val_accuracy" in self._zc_scores[name]
            if has_own or metric in self._csv_values.get(cell.hash(), {}):
                out.append(name)
        for h in self._csv_order:
            if h in self._csv_cells and h not in self._zc_by_hash and metric in self._csv_values[h]:
                out.append(self._csv_cells[h].arch_str())
        return out

    def hashes(self, metric: Metric | str | None = None) -> list[str]:
        """Distinct NAS-Bench-101 hashes labelled with ``metric`` (spec known or not)."""
        metric = self.default_metric if metric is None else Metric.parse(metric)
        out = dict.fromkeys(self._zc_cells[n].hash() for n in self.architectures(metric)
                            if n in self._zc_cells)
        out.update(dict.fromkeys(h for h in self._csv_order if metric in self._csv_values[h]))
        return list(out)

    def __len__(self) -> int:
        return len(self.architectures())

    def __repr__(self) -> str:
        return f"NasBench101Benchmark({self.task!r}, {len(self)} labelled architectures from {self._files()})"
