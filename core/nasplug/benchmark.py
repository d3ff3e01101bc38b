"""The benchmark contract: ground truth for a search space's architectures."""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from .metrics import Metric


class Benchmark:
    """Base class of benchmark APIs (what ``nasplug.get_dataset_api`` returns).

    Class attributes: ``name``; ``search_space`` (name of the search space whose
    architectures it labels); ``tasks`` (dataset/task names). Instances are
    built as ``cls(task, data_dir=None)`` and answer:

    - ``metrics`` -- the :class:`Metric` members the loaded tables really hold;
    - ``query(arch, metric, dataset=None)`` -- ``arch`` is a Graph, a compact
      tuple or the official string; a metric the table lacks is a
      :class:`nasplug.errors.MetricNotAvailableError` naming the file that would
      provide it;
    - ``default_metric`` -- the ground truth evaluations rank against;
    - ``architectures()`` -- every labelled architecture, as canonical strings;
    - ``sample(n, seed)`` -- ``n`` distinct labelled architectures, reproducibly;
    - ``data_files()`` -- the files the ground truth was read from (``nasplug data``).

    Optional, for the data tooling: instance attributes holding
    :class:`nasplug.tables.TableSource` values (``table_source`` by convention, see
    :func:`nasplug.tables.locate_table`; found one level deep by :meth:`table_sources`) and
    ``zc_path`` (NASLib's NAS-Bench-Suite-Zero file in use, or None), which the default
    :meth:`data_files` reports; and a ``staticmethod`` ``naslib_key``, the function that
    turns an architecture key of NASLib's ``zc_<search space>.json`` into this
    benchmark's representation (raising on a malformed key), which ``nasplug data
    import`` uses to check a file before copying it.
    """

    name: str = ""
    search_space: str = ""
    tasks: Sequence[str] = ()
    default_metric: Metric = Metric.VAL_ACCURACY
    #: NASLib arch-key parser of this search space (``"(2, 0, 0, 3, 3, 2)"`` -> tuple), or None
    naslib_key: Callable[[str], Any] | None = None

    def __init__(self, task: str, data_dir: str | os.PathLike | None = None) -> None:
        self.task = task
        self.data_dir = data_dir

    @property
    def metrics(self) -> tuple[Metric, ...]:
        raise NotImplementedError

    def query(self, arch: Any, metric: Metric = Metric.VAL_ACCURACY, dataset: str | None = None) -> float:
        raise NotImplementedError

    def architectures(self) -> list[str]:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.architectures())

    def table_sources(self) -> list:
        """The :class:`nasplug.tables.TableSource` values among this object's attributes and
        their attributes (one level down), ``table_source`` first, without duplicates."""
        from .tables import TableSource

        found: list = []
        first = getattr(self, "table_source", None)
        values = [first] + list(vars(self).values())
        for value in list(values):
            if not isinstance(value, TableSource) and hasattr(value, "__dict__") and not isinstance(value, type):
                values.extend(v for v in vars(value).values() if isinstance(v, TableSource))
        for value in values:
            if isinstance(value, TableSource) and value not in found:
                found.append(value)
        return found

    def data_files(self) -> list[dict[str, Any]]:
        """One dict per file the ground truth comes from: ``role`` ("table" or "naslib"),
        ``origin`` ("packaged" or "user"), ``location``, ``rows``, ``sha256`` (reads them)."""
        from pathlib import Path

        files: list[dict[str, Any]] = []
        for table in self.table_sources():
            files.append({"role": "table", **table.info()})
        zc_path = getattr(self, "zc_path", None)
        if zc_path is not None:
            import hashlib

            path = Path(zc_path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            files.append({"role": "naslib", "table": path.name, "origin": "user", "location": str(path),
                          "distribution": None, "rows": None, "sha256": digest})
        return files

    def sample(self, n: int, seed: int = 0) -> list[str]:
        import random

        from .errors import NasplugError

        archs = self.architectures()
        if n > len(archs):
            raise NasplugError(
                f"test size {n} is larger than the {len(archs)} labelled architectures of "
                f"{self.search_space}/{self.task}")
        return random.Random(seed).sample(archs, n)
