"""The score store: every predictor score ever computed, in SQLite.

One row per (predictor, predictor version, task, architecture, seed, batch
settings). A repeated evaluation reads its scores back instead of recomputing
them, and a run that is killed midway loses nothing it already computed: each
architecture's row is committed as soon as it is scored, so the next run resumes.

A *failed* cell (the predictor raised, or returned NaN/inf) is stored too, with
the error text, so a rerun does not retry what fails deterministically; a new
predictor version (a changed source file or distribution version) is a new key.

The database lives in the cache directory (``nasplug.config.get_cache_dir()``:
``$NASPLUG_CACHE`` or ``~/.cache/nasplug``) as ``scores.sqlite``.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

DB_NAME = "scores.sqlite"
_SCHEMA_VERSION = 1
#: SQLite's default limit on bound parameters is 32766; stay well below it
_CHUNK = 500


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


class ScoreStore:
    """SQLite-backed, process-safe score cache (WAL mode, one commit per architecture)."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        if path is None:
            from .config import get_cache_dir

            path = get_cache_dir() / DB_NAME
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(self.path), timeout=60.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=60000")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS scores ("
            " predictor TEXT NOT NULL, version TEXT NOT NULL, task TEXT NOT NULL,"
            " arch TEXT NOT NULL, seed INTEGER NOT NULL, batch TEXT NOT NULL,"
            " score REAL, error TEXT, seconds REAL NOT NULL DEFAULT 0, created REAL NOT NULL,"
            " PRIMARY KEY (predictor, version, task, seed, batch, arch))")
        self._conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        self._conn.commit()

    def lookup(self, key: StoreKey, archs: Iterable[str]) -> dict[str, StoredScore]:
        """Stored results for those of ``archs`` that have one."""
        archs = list(archs)
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
        if error is None and (score is None or not math.isfinite(score)):
            error = f"predictor returned {score!r}"
        if error is not None:
            score = None
        self._conn.execute(
            "INSERT OR REPLACE INTO scores (predictor, version, task, arch, seed, batch, score,"
            " error, seconds, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key.predictor, key.version, key.task, arch, int(key.seed), key.batch, score, error,
             float(seconds), time.time()))
        self._conn.commit()

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


__all__ = ["DB_NAME", "ScoreStore", "StoreKey", "StoredScore"]
