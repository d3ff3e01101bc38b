"""The score store: every predictor score ever computed, in SQLite.

One row per (predictor, predictor version, task, architecture, seed, batch
settings). A repeated evaluation reads its scores back instead of recomputing
them, and a run that is killed midway loses nothing it already computed: each
architecture's row is committed as soon as it is scored, so the next run resumes.

A *failed* cell (the predictor raised, or returned NaN/inf) is stored too, with
the error text, so a rerun does not retry what fails deterministically; a new
predictor version (a changed source file or distribution version) is a new key.

Population predictors (:mod:`nasplug.population`) store their per-cell raw
*components* (a dict of named floats) in a second table, ``components``, under
the same key, through :meth:`ScoreStore.put_components` /
:meth:`ScoreStore.lookup_components`; the combined score, which depends on
the evaluated population, is not stored.

The database lives in the cache directory (``nasplug.config.get_cache_dir()``:
``$NASPLUG_CACHE`` or ``~/.cache/nasplug``) as ``scores.sqlite``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import StoreError

DB_NAME = "scores.sqlite"
_SCHEMA_VERSION = 1
#: SQLite's default limit on bound parameters is 32766; stay well below it
_CHUNK = 500


def cell_error(score: float | None, error: str | None = None) -> str | None:
    """Why a cell failed, or ``None``: the one place that decides it.

    A cell failed when the predictor raised (``error``) or its score is not a
    finite number (``None``, NaN, inf).
    """
    if error:
        return error
    if score is None or not math.isfinite(score):
        return f"predictor returned {score!r}"
    return None


@dataclass(frozen=True)
class StoreKey:
    """Everything besides the architecture that decides a score."""

    predictor: str
    version: str
    task: str  # "search_space/dataset"
    seed: int
    batch: str  # batch size, split and data source, e.g. "bs=64;split=train;data=..."


@dataclass(frozen=True)
class StoredScore:
    arch: str
    score: float | None
    error: str | None
    seconds: float

    @property
    def failed(self) -> bool:
        return self.error is not None


@dataclass(frozen=True)
class StoredComponents:
    """One cell's stored components (``{name: float}``), or the error that failed it."""

    arch: str
    components: dict | None
    error: str | None
    seconds: float

    @property
    def failed(self) -> bool:
        return self.error is not None


_WHAT_TO_DO = "set NASPLUG_CACHE to another folder, or pass --no-cache"


def store_error(path: Path, doing: str, exc: BaseException) -> StoreError:
    """One line for a score-store failure: which file, what went wrong, what to do."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = text.lower()
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return StoreError(f"score store {str(path)!r} is not a readable SQLite database ({text}); "
                          f"move it away or delete it (its cached scores are lost), or {_WHAT_TO_DO}")
    if "readonly" in low or "read-only" in low or "unable to open" in low or isinstance(exc, PermissionError):
        return StoreError(f"score store {str(path)!r} cannot be written ({text}); make it writable, "
                          f"or {_WHAT_TO_DO}")
    if "full" in low or getattr(exc, "errno", None) == 28:
        return StoreError(f"score store {str(path)!r}: the disk is full ({text}); the scores stored "
                          f"before are kept; free some space, or {_WHAT_TO_DO}")
    return StoreError(f"score store {str(path)!r}: {doing} failed ({text}); {_WHAT_TO_DO}")


class ScoreStore:
    """SQLite-backed, process-safe score cache (WAL mode, one commit per architecture).

    Every SQLite or file-system failure (a corrupt file, a read-only file or
    folder, a full disk) is a one-line :class:`nasplug.errors.StoreError`.
    ``written`` counts the rows this instance committed.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        if path is None:
            from .config import get_cache_dir

            path = get_cache_dir() / DB_NAME
        self.path = Path(path)
        self.written = 0
        with self._errors("opening"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=60.0)
            self._open()

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise store_error(self.path, doing, exc) from None

    def _open(self) -> None:
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=60000")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS scores ("
            " predictor TEXT NOT NULL, version TEXT NOT NULL, task TEXT NOT NULL,"
            " arch TEXT NOT NULL, seed INTEGER NOT NULL, batch TEXT NOT NULL,"
            " score REAL, error TEXT, seconds REAL NOT NULL DEFAULT 0, created REAL NOT NULL,"
            " PRIMARY KEY (predictor, version, task, seed, batch, arch))")
        self._conn.execute(  # population predictors' per-cell components, JSON {name: float}
            "CREATE TABLE IF NOT EXISTS components ("
            " predictor TEXT NOT NULL, version TEXT NOT NULL, task TEXT NOT NULL,"
            " arch TEXT NOT NULL, seed INTEGER NOT NULL, batch TEXT NOT NULL,"
            " components TEXT, error TEXT, seconds REAL NOT NULL DEFAULT 0, created REAL NOT NULL,"
            " PRIMARY KEY (predictor, version, task, seed, batch, arch))")
        self._conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        self._conn.commit()

    def lookup(self, key: StoreKey, archs: Iterable[str]) -> dict[str, StoredScore]:
        """Stored results for those of ``archs`` that have one."""
        with self._errors("reading"):
            return self._lookup(key, list(archs))

    def _lookup(self, key: StoreKey, archs: list[str]) -> dict[str, StoredScore]:
        found: dict[str, StoredScore] = {}
        base = ("SELECT arch, score, error, seconds FROM scores WHERE predictor=? AND version=?"
                " AND task=? AND seed=? AND batch=? AND arch IN ")
        head = (key.predictor, key.version, key.task, int(key.seed), key.batch)
        for start in range(0, len(archs), _CHUNK):
            part = archs[start:start + _CHUNK]
            sql = base + "(" + ",".join("?" * len(part)) + ")"
            for arch, score, error, seconds in self._conn.execute(sql, head + tuple(part)):
                found[arch] = StoredScore(arch, score, error, seconds or 0.0)
        return found

    def put(self, key: StoreKey, arch: str, score: float | None, error: str | None = None,
            seconds: float = 0.0) -> None:
        """Record one architecture's result and commit it at once."""
        error = cell_error(score, error)
        if error is not None:
            score = None
        with self._errors("writing"):
            self._put(key, arch, score, error, seconds)
        self.written += 1

    def _put(self, key: StoreKey, arch: str, score: float | None, error: str | None,
             seconds: float) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO scores (predictor, version, task, arch, seed, batch, score,"
            " error, seconds, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key.predictor, key.version, key.task, arch, int(key.seed), key.batch, score, error,
             float(seconds), time.time()))
        self._conn.commit()

    def put_components(self, key: StoreKey, arch: str, components: dict | None,
                       error: str | None = None, seconds: float = 0.0) -> None:
        """Record one cell's components (``{name: finite float}``) or its error; commit at once."""
        if error is None:
            bad = (components is None or not components
                   or any(not isinstance(v, (int, float)) or not math.isfinite(v) for v in components.values()))
            if bad:
                error = f"components {components!r} are not finite floats"
        text = None if error is not None else json.dumps({str(k): float(v) for k, v in (components or {}).items()})
        self._conn.execute(
            "INSERT OR REPLACE INTO components (predictor, version, task, arch, seed, batch,"
            " components, error, seconds, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key.predictor, key.version, key.task, arch, int(key.seed), key.batch, text, error,
             float(seconds), time.time()))
        self._conn.commit()

    def lookup_components(self, key: StoreKey, archs: Iterable[str]) -> dict[str, StoredComponents]:
        """Stored components for those of ``archs`` that have them."""
        archs = list(archs)
        found: dict[str, StoredComponents] = {}
        base = ("SELECT arch, components, error, seconds FROM components WHERE predictor=? AND"
                " version=? AND task=? AND seed=? AND batch=? AND arch IN ")
        head = (key.predictor, key.version, key.task, int(key.seed), key.batch)
        for start in range(0, len(archs), _CHUNK):
            part = archs[start:start + _CHUNK]
            sql = base + "(" + ",".join("?" * len(part)) + ")"
            for arch, text, error, seconds in self._conn.execute(sql, head + tuple(part)):
                found[arch] = StoredComponents(arch, json.loads(text) if text is not None else None,
                                               error, seconds or 0.0)
        return found

    def count(self, key: StoreKey | None = None) -> int:
        if key is None:
            return self._conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
        return self._conn.execute(
            "SELECT COUNT(*) FROM scores WHERE predictor=? AND version=? AND task=? AND seed=?"
            " AND batch=?", (key.predictor, key.version, key.task, int(key.seed), key.batch)
        ).fetchone()[0]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "ScoreStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["DB_NAME", "ScoreStore", "cell_error", "StoreKey", "StoredComponents", "StoredScore"]
