"""Fixtures of the nasplug-nb101 tests: NASLib's 300-cell sample in the shared data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SAMPLE = "naslib/zc_nasbench101_sample.json"


@pytest.fixture(scope="session")
def nb101_data_dir() -> Path:
    """A data directory holding NASLib's ``naslib/zc_nasbench101_sample.json`` (else skip)."""
    env = os.environ.get("NASPLUG_DATA")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if (candidate / SAMPLE).is_file():
            return candidate
    pytest.skip(f"NASLib's NAS-Bench-101 sample ({SAMPLE}) not found: set NASPLUG_DATA")


@pytest.fixture(scope="session")
def nb101_zc(nb101_data_dir) -> Path:
    return nb101_data_dir / SAMPLE


@pytest.fixture(scope="session")
def nb101_entries(nb101_zc) -> dict:
    """``{NASLib tuple text: NASLib's scores}`` of the 300 cells."""
    import json

    return json.loads(nb101_zc.read_text())["nasbench101"]["cifar10"]
