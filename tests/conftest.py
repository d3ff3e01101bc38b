"""Fixtures shared by the core evaluation tests."""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    for cand in ([Path(env)] if env else []) + [HERE.parents[0].parent / "shared" / "data"]:
        if (cand / "images" / "cifar10_train.npz").is_file():
            return cand
    pytest.skip("no data directory with images/ (set NASPLUG_DATA)")


@pytest.fixture
def toy(nasplug_pm, monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NASPLUG_DATA", str(_data_dir()))
    import torch

    import eval_toy_plugin

    eval_toy_plugin.install(nasplug_pm)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    yield eval_toy_plugin
    torch.set_num_threads(threads)
