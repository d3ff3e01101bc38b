"""``nasplug eval`` with many proxies: shared passes, ``--predictor all``, the Suite-Zero view, ``--device``."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

ARGS = ["--benchmark", "nasbench201/cifar10", "--test-size", "3", "--batch-size", "8", "--no-cache",
        "--no-progress"]


def run(*args):
    from nasplug.cli import cli

    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


def cell_scores(path):
    doc = json.loads(path.read_text())
    return {(c["predictor"], c["arch"]): c["score"] for c in doc["architectures"]}, doc


def test_shared_and_separate_passes_give_the_same_scores_and_the_suite_view(tmp_path):
    names = ["snip", "fisher", "jacov", "synflow"]
    shared, separate = tmp_path / "shared.json", tmp_path / "separate.json"
    res = run(*[a for n in names for a in ("--predictor", n)], *ARGS, "--output", str(shared))
    assert res.exit_code == 0, res.output
    assert "Spearman rho by task (Suite-Zero view)" in res.stdout
    res = run(*[a for n in names for a in ("--predictor", n)], *ARGS, "--output", str(separate),
              "--separate-passes")
    assert res.exit_code == 0, res.output
    a, doc = cell_scores(shared)
    b, _ = cell_scores(separate)
    assert a.keys() == b.keys() and len(a) == 12
    for key, value in a.items():
        assert (value is None) == (b[key] is None)
        if value is not None:
            assert b[key] == pytest.approx(value, rel=1e-6), key
    view = doc["suite_view"]
    assert view["spearman_by_task"]["predictors"] == names
    assert view["proxy_correlation"]["spearman"][0][0] == 1.0
    assert doc["settings"]["device"] == "cpu"


def test_all_means_every_installed_predictor_once_in_place():
    from nasplug.commands.eval_cmd import expand_all
    from nasplug.plugins import get_registry

    installed = get_registry().names("predictors")
    expanded = expand_all(("synflow", "all", "snip"))
    assert expanded[0] == "synflow" and sorted(expanded) == sorted(installed)
    assert expand_all(("snip",)) == ("snip",)


def test_device_names_are_usage_errors_and_a_missing_gpu_is_one_line():
    res = run("--predictor", "snip", *ARGS, "--device", "gpu")
    assert res.exit_code == 2
    assert "Invalid value for '--device': use one of cpu, cuda, cuda:N, auto" in res.output
    if not torch.cuda.is_available():
        res = run("--predictor", "snip", *ARGS, "--device", "cuda:0")
        assert res.exit_code == 1
        lines = [line for line in res.output.splitlines() if line.strip()]
        assert lines == [lines[0]] and "sees no CUDA GPU" in lines[0]
    res = run("--predictor", "synflow", *ARGS, "--device", "auto")
    assert res.exit_code == 0, res.output
