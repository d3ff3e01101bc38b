"""NASLib's stored zero-cost scores as a predictor: ``--predictor naslib:synflow``.

NAS-Bench-Suite-Zero published, per search space and task, NASLib's score of
every proxy on each cell it evaluated (``zc_<space>.json``, read by
:mod:`nasplug.naslib_zc`). :class:`NaslibScores` answers with those numbers:
no network is built and nothing is scored, and only the cells the file holds
can be evaluated (:meth:`~NaslibScores.candidate_cells`), so Suite-Zero's
published combinations can be reproduced on NASLib's own numbers and compared
with nasplug's recomputed scores on the same cells. Results are labelled
``naslib:<proxy>`` and ``describe()`` names the file.

The file: ``file=`` in the name (``naslib:synflow:file=zc_nasbench201_sample.json``)
-- an absolute path, or a name looked up in ``<data>/naslib/`` and ``<data>/`` --
else ``zc_<search space>.json`` there. The task's benchmark plugin reads it
(its ``zero_cost_scores(arch)``; NAS-Bench-201 and NAS-Bench-301 have one), so
its architecture keys are converted exactly as the benchmark converts them.
A cell whose stored value is missing or not finite is a failed cell.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import DataError, NasplugError
from .population import Population, PopulationContext, PopulationPredictor

#: fields of NASLib's records that are ground truth or bookkeeping, not proxies
NOT_PROXIES = frozenset({"val_accuracy", "test_accuracy", "train_accuracy", "train_time", "id"})


def resolve_file(search_space: str, file: str | None, data_dir: Any = None) -> Path:
    """The Suite-Zero file to read, or a :class:`DataError` saying where it was looked for."""
    from .config import get_data_dir
    from .naslib_zc import NASLIB_ZC_SOURCE

    root = get_data_dir(data_dir)
    name = file or f"zc_{search_space}.json"
    candidates = [Path(name)] if os.path.isabs(name) else [root / "naslib" / name, root / name]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(f"NASLib zero-cost file {name!r} not found in {str(root / 'naslib')!r} or "
                    f"{str(root)!r} (set NASPLUG_DATA or --data-dir); get it from {NASLIB_ZC_SOURCE}")


_benchmarks: dict[tuple, Any] = {}


def naslib_benchmark(context: PopulationContext, file: str | None) -> Any:
    """The task's benchmark reading ``file`` (cached per file and task)."""
    from .api import find_benchmark_class

    path = resolve_file(context.search_space, file, context.data_dir)
    key = (context.search_space, context.dataset, str(path))
    bench = _benchmarks.get(key)
    if bench is None:
        cls = find_benchmark_class(context.search_space)
        loaded = cls.load() if hasattr(cls, "load") and not isinstance(cls, type) else cls
        if not hasattr(loaded, "zero_cost_scores"):
            raise NasplugError(f"benchmark {getattr(cls, 'name', context.search_space)!r} cannot read "
                               "NASLib's zero-cost files (it has no zero_cost_scores)")
        try:
            bench = cls(context.dataset, data_dir=context.data_dir, zc_path=path)
        except TypeError:
            raise NasplugError(f"benchmark {getattr(cls, 'name', context.search_space)!r} takes no "
                               "zc_path: it cannot read another NASLib file") from None
        _benchmarks[key] = bench
    return bench


_records: dict[int, dict[str, dict[str, float]]] = {}


def file_records(bench: Any) -> dict[str, dict[str, float]]:
    """``{cell: NASLib's record}`` for every cell of the benchmark's table that the file holds."""
    from .errors import MetricNotAvailableError

    found = _records.get(id(bench))
    if found is None:
        found = {}
        for cell in bench.architectures():
            try:
                found[str(cell)] = bench.zero_cost_scores(cell)
            except MetricNotAvailableError:
                continue
        _records[id(bench)] = found
    return found


def stored_table(context: PopulationContext, file: str | None, cells: Sequence[str]
                 ) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """``({cell: NASLib's record}, {cell: why missing})`` for ``cells``."""
    from .errors import MetricNotAvailableError

    bench = naslib_benchmark(context, file)
    records = file_records(bench)
    found, missing = {}, {}
    for cell in cells:
        record = records.get(cell)
        if record is None:  # another spelling of a cell the file holds, or not in the file
            try:
                record = bench.zero_cost_scores(cell)
            except MetricNotAvailableError:
                missing[cell] = f"not in NASLib's {bench.zc_path.name}"
                continue
        found[cell] = record
    return found, missing


class NaslibScores(PopulationPredictor):
    """NASLib's stored score of one proxy for the cells of a Suite-Zero file."""

    name = "naslib"
    independent_cells = True
    requires_data = False

    def __init__(self, proxy: str = "", file: str | None = None, data_dir: Any = None,
                 method_type: str | None = None) -> None:
        if not proxy or not isinstance(proxy, str):
            raise NasplugError("naslib: name the proxy, e.g. --predictor naslib:synflow")
        if proxy in NOT_PROXIES:
            raise NasplugError(f"naslib:{proxy} is ground truth, not a proxy")
        self.proxy = proxy
        self.file = file
        self.data_dir = data_dir
        super().__init__(method_type=method_type or f"naslib:{proxy}")

    def _context(self, context: PopulationContext) -> PopulationContext:
        if self.data_dir is not None and context.data_dir is None:
            from dataclasses import replace

            context = replace(context, data_dir=self.data_dir)
        return context

    def stored_components(self, context, cells):
        table, missing = stored_table(self._context(context), self.file, cells)
        out = {}
        for cell, record in table.items():
            value = record.get(self.proxy)
            if value is None or not math.isfinite(value):
                missing[cell] = (f"NASLib's file has no {self.proxy} score for this cell"
                                 if value is None else f"NASLib's {self.proxy} score is {value}")
            else:
                out[cell] = {self.proxy: float(value)}
        return out, missing

    def candidate_cells(self, context):
        records = file_records(naslib_benchmark(self._context(context), self.file))
        return [c for c in context.labelled_cells() if c in records]

    def combine(self, population: Population) -> Mapping[str, float]:
        return {c: population.components[c][self.proxy] for c in population.cells}

    def describe(self) -> dict:
        return {"kind": "naslib", "proxy": self.proxy, "file": self.file,
                "source": "NASLib's stored NAS-Bench-Suite-Zero scores (not recomputed)"}


def file_proxies(context: PopulationContext, file: str | None) -> list[str]:
    """Every proxy name a Suite-Zero file records for the task (sorted)."""
    names: set[str] = set()
    for record in file_records(naslib_benchmark(context, file)).values():
        names.update(record)
    return sorted(n for n in names if n not in NOT_PROXIES)


def from_name(rest: str, **kwargs: Any) -> NaslibScores:
    """``--predictor naslib:PROXY[:file=F]``."""
    from .population import parse_rest

    members, options = parse_rest("naslib", rest, kwargs, allowed=("file",))
    if len(members) != 1:
        raise NasplugError(f"--predictor naslib:{rest}: name exactly one proxy (naslib:synflow); "
                           "combine several with ensemble:a,b:source=naslib")
    return NaslibScores(members[0], file=options.get("file"))


__all__ = ["NOT_PROXIES", "NaslibScores", "file_proxies", "from_name", "naslib_benchmark",
           "resolve_file", "stored_table"]
