"""`nasplug eval --predictor <submission>`: the tutorial's zip runs unchanged; a broken one is one line."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import nasplug
from nasplug.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "contrib_predictors" / "nasplug-myplugin" / "sample_submission"


@pytest.fixture
def env(tmp_path, monkeypatch):
    for root in (os.environ.get("NASPLUG_DATA"), ROOT.parent / "shared" / "data"):
        if root and (Path(root) / "benchmarks" / "nb201.csv").is_file():
            break
    else:
        pytest.skip("no NAS-Bench-201 data")
    if "nasbench201" not in nasplug.get_registry().names("benchmarks"):
        pytest.skip("nasplug-nb201 is not installed")
    if "eval" not in cli.list_commands(None):
        pytest.skip("nasplug eval is not available")
    monkeypatch.setenv("NASPLUG_DATA", str(root))
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def evaluate(*predictors):
    args = ["eval", "--benchmark", "nasbench201/cifar10", "--test-size", "8", "--no-progress"]
    for p in predictors:
        args += ["--predictor", p]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_tutorial_sample_submission_zip_matches_the_plugin(env):
    archive = env / "sample_submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # `zip sample_submission.zip sample_submission/*`
        for name in ("metadata", "submission.py"):
            zf.write(SAMPLE / name, f"sample_submission/{name}")
    result = evaluate(str(archive), "myplugin")
    assert result.exit_code == 0, result.output
    rows: dict = {}
    for line in result.output.splitlines():  # the comparison table's rows (the first mention of each)
        if line.startswith(("MyZeroCostPredictorName ", "myplugin ")):
            rows.setdefault(line.split()[0], line.split()[3:5])
    # same predictor, same cells: the same failed count and Kendall tau
    assert rows["MyZeroCostPredictorName"] == rows["myplugin"] and rows["myplugin"][0] == "0"


def test_broken_submission_is_one_line_and_exit_1(env):
    (env / "predictor.py").write_text("class NotIt:\n    pass\n")
    result = evaluate("predictor.py")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: submission 'predictor.py': predictor.py has no class ZeroCostPredictor; it defines NotIt; "
        "the competition loads the class named ZeroCostPredictor"]
