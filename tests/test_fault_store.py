"""A score store that cannot be used is one line, exit 1 (issue 15): corrupt, read-only, full disk.

Read-only and full are simulated with SQLite itself, since tests run as any user
(root ignores file modes): the store's connection is opened read-only
(``mode=ro``), or capped with ``PRAGMA max_page_count`` so the next page it
needs is "database or disk is full", exactly as on a full disk.
"""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from nasplug import store as store_module
from nasplug.errors import StoreError
from nasplug.store import ScoreStore, StoreKey

KEY = StoreKey("p", "1", "toyspace/cifar10", 0, "bs=1")


def run(*args):
    from nasplug.cli import cli

    return CliRunner().invoke(cli, ["eval", "--predictor", "toyparams", "--benchmark",
                                    "toybench/cifar10", "--test-size", "4", *args],
                              catch_exceptions=False)


def one_error_line(res) -> str:
    assert res.exit_code == 1, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    return lines[0]


def test_a_file_that_is_not_a_database_is_one_line(toy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "scores.sqlite").write_text("garbage\n")
    monkeypatch.setenv("NASPLUG_CACHE", str(cache))
    line = one_error_line(run())
    assert "scores.sqlite" in line and "not a readable SQLite database" in line and "--no-cache" in line
    assert run("--no-cache").exit_code == 0  # the way out the message names works


def _read_only_connect(real):
    def connect(path, *args, **kwargs):
        return real(f"file:{path}?mode=ro", *args, uri=True, **kwargs)
    return connect


def test_a_read_only_store_is_one_line(toy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("NASPLUG_CACHE", str(cache))
    assert run().exit_code == 0  # the store exists and holds 4 scores
    monkeypatch.setattr(store_module.sqlite3, "connect", _read_only_connect(sqlite3.connect))
    line = one_error_line(run("--seed", "1"))  # other scores: something must be written
    assert "scores.sqlite" in line and "cannot be written" in line and "readonly" in line


def test_a_full_disk_is_one_line_and_keeps_what_was_stored(tmp_path, monkeypatch):
    path = tmp_path / "scores.sqlite"
    with ScoreStore(path) as fresh:
        fresh.put(KEY, "a" * 10, 1.0)
    real = sqlite3.connect

    def capped(*args, **kwargs):
        conn = real(*args, **kwargs)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count={pages}")  # no room for one more page
        return conn

    monkeypatch.setattr(store_module.sqlite3, "connect", capped)
    store = ScoreStore(path)
    with pytest.raises(StoreError) as info:
        for i in range(200):  # long rows: a new page is needed within a few
            store.put(KEY, f"{i}-" + "x" * 2000, float(i))
    message = str(info.value)
    assert len(message.splitlines()) == 1 and "disk is full" in message and str(path) in message
    written = store.written
    store.close()
    monkeypatch.setattr(store_module.sqlite3, "connect", real)
    with ScoreStore(path) as again:
        assert again.count() == 1 + written  # nothing committed before the failure is lost


def test_a_store_folder_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as info:
        ScoreStore(blocker / "sub" / "scores.sqlite")
    assert len(str(info.value).splitlines()) == 1 and "score store" in str(info.value)
