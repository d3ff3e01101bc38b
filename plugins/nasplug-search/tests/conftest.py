"""Fixtures: the real NAS-Bench-201 table from the shared data directory, a private store."""

from __future__ import annotations

import pytest


@pytest.fixture
def data_env(nasplug_data_dir, monkeypatch, tmp_path):
    if not (nasplug_data_dir / "benchmarks" / "nb201.csv").is_file():
        pytest.skip("no benchmarks/nb201.csv in the data directory")
    monkeypatch.setenv("NASPLUG_DATA", str(nasplug_data_dir))
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return nasplug_data_dir


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
