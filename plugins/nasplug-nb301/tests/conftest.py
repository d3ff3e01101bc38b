"""Fixtures of the nasplug-nb301 tests: the real data directory and rows of the table."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def nb301_data_dir() -> Path:
    """A data directory holding the real ``benchmarks/nb301_labeled.csv`` (else skip)."""
    env = os.environ.get("NASPLUG_DATA")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if (candidate / "benchmarks" / "nb301_labeled.csv").is_file():
            return candidate
    pytest.skip("NAS-Bench-301 data (benchmarks/nb301_labeled.csv) not found: set NASPLUG_DATA")


@pytest.fixture(scope="session")
def nb301_rows(nb301_data_dir) -> list[tuple[str, float]]:
    """(canonical string, CIFAR-10 validation accuracy) of every row of the real table."""
    with open(nb301_data_dir / "benchmarks" / "nb301_labeled.csv", newline="") as fh:
        return [(r["compact"], float(r["cifar10_val_acc"])) for r in csv.DictReader(fh)]
