"""Fixtures: the real NAS-Bench-201 table from the shared data directory, a private store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _data_dir() -> Path:
    """$NASPLUG_DATA, else ``../shared/data`` beside the checkout: the first with the NB201 table."""
    env = os.environ.get("NASPLUG_DATA")
    for cand in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[3].parent / "shared" / "data"]:
        if (cand / "benchmarks" / "nb201.csv").is_file():
            return cand
    pytest.skip("no data directory with benchmarks/nb201.csv (set NASPLUG_DATA)")


@pytest.fixture
def data_env(monkeypatch, tmp_path):
    data_dir = _data_dir()
    monkeypatch.setenv("NASPLUG_DATA", str(data_dir))
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return data_dir


@pytest.fixture
def nb201(data_env):
    from nasplug.search import open_task

    return open_task("nasbench201", "cifar10")


class TableOracle:
    """An oracle whose proxy "scores" are given numbers (the strategy tests' known ranking)."""

    name = "table"

    def __init__(self, scores):
        self.table = scores
        self.asked: list[str] = []

    def scores(self, archs):
        self.asked.extend(archs)
        return {a: (self.table(a), 0.01) for a in archs}


@pytest.fixture
def table_oracle():
    return TableOracle
