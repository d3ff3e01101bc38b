"""Data-free predictors need no images (issue 13, item 3).

A predictor declares whether it reads the batch (``requires_data``; synflow,
flops and params do not). On a task whose table is there but whose images are
not, data-free predictors score on the input shape alone, with the same scores
as with images; predictors that read the batch are skipped with one line saying
what to pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def run(*args):
    from nasplug.cli import cli

    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


def test_data_free_toy_predictor_runs_without_images(toy, tmp_path):
    from nasplug.errors import DataError
    from nasplug.evaluators import evaluate_task

    out = tmp_path / "r.json"
    res = run("--predictor", "toyparams", "--predictor", "toygradnorm", "--benchmark", "toybench/cifar10",
              "--data-dir", str(tmp_path), "--split", "test", "--test-size", "4", "--output", str(out))
    assert res.exit_code == 0, res.output
    skipped = [line for line in res.stderr.splitlines() if line.startswith("skipping")]
    assert len(skipped) == 1 and "toygradnorm reads image batches" in skipped[0]
    assert "no cifar10 images" in skipped[0] and "--data-dir" in skipped[0]
    doc = json.loads(out.read_text())
    summary = doc["summary"]
    assert [s["predictor"] for s in summary] == ["toyparams"]
    data = summary[0]["data"]
    assert data["images"] is False and data["source"] == "no images: input shape 3x32x32 only"
    with_images = evaluate_task("toyparams", "toyspace", "cifar10", test_size=4, store=False)
    assert [c["score"] for c in doc["architectures"]] == with_images["full_testpred"]
    with pytest.raises(DataError, match="toygradnorm reads image batches"):
        evaluate_task("toygradnorm", "toyspace", "cifar10", test_size=4, store=False,
                      data_dir=str(tmp_path), split="test")


@pytest.mark.skipif(not (SHARED / "images" / "imagenet16_120_sample.npz").is_file(),
                    reason="needs the ImageNet16-120 sample of ../shared/data")
def test_synflow_on_imagenet16_without_images_equals_synflow_with_them(tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NASPLUG_DATA", raising=False)
    torch.set_num_threads(1)
    empty = tmp_path / "empty"
    empty.mkdir()
    outs = {}
    for name, data_dir in (("without", empty), ("with", SHARED)):
        outs[name] = tmp_path / f"{name}.json"
        res = run("--predictor", "synflow", "--predictor", "snip", "--benchmark", "nasbench201/ImageNet16-120",
                  "--test-size", "3", "--no-progress", "--no-cache", "--data-dir", str(data_dir),
                  "--output", str(outs[name]))
        assert res.exit_code == 0, res.output
    docs = {name: json.loads(path.read_text()) for name, path in outs.items()}
    without, with_images = docs["without"]["summary"], docs["with"]["summary"]
    assert [s["predictor"] for s in without] == ["synflow"]  # snip needs the images: skipped
    assert [s["predictor"] for s in with_images] == ["synflow", "snip"]
    assert without[0]["data"]["source"] == "no images: input shape 3x16x16 only"
    scores = {name: [c["score"] for c in doc["architectures"] if c["predictor"] == "synflow"]
              for name, doc in docs.items()}
    assert len(scores["without"]) == 3 and scores["without"] == scores["with"]
    assert without[0]["n_failed"] == 0
