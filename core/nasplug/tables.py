"""Benchmark tables: find one, read it, and say where it came from (no torch).

Every benchmark plugin carries its ground-truth table as package data (a gzip
CSV under ``<package>/data/``), so it works the moment it is installed. A file in
the user's data directory wins over the packaged copy, so NASLib users and newer
tables need no reinstall. One call does the lookup::

    from nasplug.tables import locate_table

    src = locate_table("benchmarks/nb201.csv", package="nasplug_nb201",
                       distribution="nasplug-nb201", what="NAS-Bench-201",
                       source="NATS-Bench topology search space, converted to CSV",
                       data_dir=data_dir)
    rows = src.read_csv()        # header first; a DataError for an unreadable table
    if rows[0][0] != "arch_str":
        raise src.corrupt("no 'arch_str' column")   # same one-line error, the plugin's words

Contract of :func:`locate_table` (``name`` is the path inside the data directory):

1. ``<data>/<name>``, then ``<data>/<name>.gz``, where ``<data>`` is
   ``data_dir`` (``--data-dir``), else ``$NASPLUG_DATA``, else
   ``~/.local/share/nasplug`` (:func:`nasplug.config.get_data_dir`): a **user**
   table. Plain or gzip-compressed (recognised by its first bytes, not its name).
2. else ``<package>/<resource>`` read through :mod:`importlib.resources`
   (``resource`` defaults to ``data/<basename of name>.gz``): the **packaged** table.
3. else a :class:`nasplug.errors.DataError` naming both places.

A :class:`TableSource` is cheap (nothing is read until asked). Reading
(:meth:`TableSource.read_bytes` and what builds on it) decompresses, decodes UTF-8
and parses CSV; any failure there, and any :meth:`TableSource.corrupt` a plugin
raises after its own checks, is **one** :class:`DataError` line saying which table
(packaged copy in which distribution, or which user file), what is wrong and how
to get a good copy. :meth:`TableSource.info` is what ``nasplug data`` prints:
origin, location, rows (data lines, header excluded) and the sha256 of the
*uncompressed* bytes, so a user file and the packaged copy of the same table have
the same hash.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError

GZIP_MAGIC = b"\x1f\x8b"

class CorruptTableError(DataError):
    """A table exists but cannot be used (unreadable, or refused by its plugin's checks)."""


#: decompressed bytes of packaged tables, read once per process (key: :meth:`TableSource.cache_key`)
_PACKAGED_BYTES: dict[tuple, bytes] = {}


@dataclass(frozen=True)
class TableSource:
    """Where one benchmark table comes from; read it with :meth:`read_csv` / :meth:`read_text`.

    ``origin`` is ``"user"`` (``path`` is the file) or ``"packaged"`` (``package`` /
    ``resource`` inside ``distribution``).
    """

    name: str
    origin: str
    what: str = ""
    source: str = ""
    path: Path | None = None
    package: str | None = None
    resource: str | None = None
    distribution: str | None = None
    data_dir: Path | None = field(default=None, compare=False)

    # -- naming ---------------------------------------------------------------
    @property
    def packaged(self) -> bool:
        return self.origin == "packaged"

    @property
    def location(self) -> str:
        """The user file's path, or ``package/resource`` for the packaged copy."""
        if self.packaged:
            return f"{self.package}/{self.resource}"
        return str(self.path)

    def describe(self) -> str:
        """``"packaged copy in nasplug-nb201 (nasplug_nb201/data/nb201.csv.gz)"`` or ``"user file /x/..."``."""
        if self.packaged:
            return f"packaged copy in {self.distribution or self.package} ({self.location})"
        return f"user file {self.location}"

    def corrupt(self, why: str) -> CorruptTableError:
        """The one-line error for a table that cannot be used (return value: raise it)."""
        label = f"{self.what} table" if self.what else "table"
        if self.packaged:
            dist = self.distribution or self.package
            fix = (f"reinstall it (pip install --force-reinstall {dist}) or put a good copy at "
                   f"{str((self.data_dir or Path('<data directory>')) / self.name)!r}")
        else:
            fix = (f"replace it{' with the file from ' + self.source if self.source else ''}, "
                   "or delete it to use the copy packaged with the plugin")
        return CorruptTableError(f"corrupt {label} ({self.describe()}): {why}; {fix}")

    # -- reading --------------------------------------------------------------
    def read_bytes(self) -> bytes:
        """The table's uncompressed bytes (a :class:`DataError` when unreadable)."""
        try:
            if self.packaged:
                key = self.cache_key()
                data = _PACKAGED_BYTES.get(key)
                if data is None:
                    data = _decompress(_resource(self.package, self.resource).read_bytes())
                    _PACKAGED_BYTES[key] = data
                return data
            assert self.path is not None
            return _decompress(self.path.read_bytes())
        except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise self.corrupt(f"cannot read it ({type(exc).__name__}: {exc})") from None

    def read_text(self) -> str:
        try:
            return self.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.corrupt(f"not UTF-8 text ({exc})") from None

    def read_csv(self) -> list[list[str]]:
        """Every row (header first); blank lines are kept as ``[]``."""
        try:
            return list(csv.reader(io.StringIO(self.read_text(), newline="")))
        except csv.Error as exc:
            raise self.corrupt(f"not a CSV file ({exc})") from None

    def sha256(self) -> str:
        return hashlib.sha256(self.read_bytes()).hexdigest()

    def cache_key(self) -> tuple:
        """Changes when the table's content may have changed (for parse caches)."""
        if self.packaged:
            node = _resource(self.package, self.resource)
            try:  # an installed package is a folder: its file's size and time tell a rewrite apart
                stat = os.stat(os.fspath(node))
                stamp: tuple = (stat.st_size, stat.st_mtime_ns)
            except (TypeError, OSError):  # inside a zip: fixed for the process
                stamp = ()
            return ("packaged", self.package, self.resource, *stamp)
        assert self.path is not None
        stat = self.path.stat()
        return ("user", str(self.path.resolve()), stat.st_size, stat.st_mtime_ns)

    def info(self) -> dict[str, Any]:
        """``{"table", "origin", "location", "rows", "sha256"}`` (reads the table)."""
        rows = sum(1 for row in self.read_csv()[1:] if row)
        return {"table": self.name, "origin": self.origin, "location": self.location,
                "distribution": self.distribution, "rows": rows, "sha256": self.sha256()}


def _decompress(raw: bytes) -> bytes:
    return gzip.decompress(raw) if raw[:2] == GZIP_MAGIC else raw


def _resource(package: str | None, resource: str | None):
    from importlib.resources import files

    assert package and resource
    node = files(package)
    for part in resource.split("/"):
        node = node.joinpath(part)
    return node


def packaged_resource(name: str) -> str:
    """The default resource of table ``name``: ``data/<basename>.gz``."""
    return f"data/{name.rsplit('/', 1)[-1]}.gz"


def locate_table(name: str, *, package: str, resource: str | None = None,
                 distribution: str | None = None, data_dir: str | os.PathLike | None = None,
                 what: str = "", source: str = "") -> TableSource:
    """The user's ``<data>/<name>`` (or ``.gz``) if present, else the packaged copy (see module doc).

    ``what`` names the table in messages ("NAS-Bench-201"); ``source`` says where the
    data comes from (the ``source`` column of the project's data README).
    """
    from .config import DATA_ENV, get_data_dir

    root = get_data_dir(data_dir)
    common = dict(name=name, what=what, source=source, distribution=distribution, data_dir=root)
    for candidate in (root / name, root / f"{name}.gz"):
        if candidate.is_file():
            return TableSource(origin="user", path=candidate, **common)  # type: ignore[arg-type]
    resource = resource or packaged_resource(name)
    try:
        present = _resource(package, resource).is_file()
    except (ModuleNotFoundError, TypeError, OSError):
        present = False
    if present:
        return TableSource(origin="packaged", package=package, resource=resource, **common)  # type: ignore[arg-type]
    label = f"{what} " if what else ""
    hint = f"; get it from {source}" if source else ""
    raise DataError(
        f"{label}data file {name!r} not found in data directory {str(root)!r} (set {DATA_ENV} or "
        f"pass --data-dir), and {distribution or package} has no packaged copy ({package}/{resource}): "
        f"reinstall it{hint}")


def table_info(src: TableSource) -> dict[str, Any]:
    """Same as ``src.info()`` (a function for callers that map over sources)."""
    return src.info()


__all__ = ["CorruptTableError", "TableSource", "locate_table", "packaged_resource", "table_info"]
