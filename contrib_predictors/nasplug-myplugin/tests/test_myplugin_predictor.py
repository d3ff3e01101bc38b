"""nasplug-myplugin: installed through its entry point, and equal to the tutorial's numbers."""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import pytest

import nasplug

HERE = Path(__file__).resolve().parents[1]


def data_file(rel: str) -> Path:
    import os

    for root in (os.environ.get("NASPLUG_DATA"), HERE.parents[1].parent / "shared" / "data"):
        if root and (Path(root) / rel).is_file():
            return Path(root) / rel
    pytest.skip(f"no {rel} in the data directory")


def test_registered_with_distribution_and_version():
    entry = nasplug.get_registry().entry("predictors", "myplugin")
    assert (entry.distribution, entry.version, entry.plugin) == ("nasplug-myplugin", "0.1.0", "myplugin")
    assert nasplug.get_predictor("myplugin").method_type == "myplugin"


def test_counts_parameters_without_touching_the_model():
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Linear(5, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    score = nasplug.get_predictor("myplugin").query(model)  # data-free: no dataloader needed
    assert score == float(3 * 4 * 9 + 4 + 4 + 4 + 5 * 2 + 2) and isinstance(score, float)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.grad is None for p in model.parameters())


def nb201_cell(spec, dataset):
    if "nasbench201" not in nasplug.get_registry().names("search_spaces"):
        pytest.skip("nasplug-nb201 is not installed")
    graph = nasplug.get_search_space("nasbench201", dataset=dataset)
    graph.set_spec(spec)
    graph.parse()
    return graph


def test_equals_naslib_parameter_counts_on_nas_bench_201():
    """NASLib's published `params` (millions, 6 decimals) are exact parameter counts."""
    table = json.loads(data_file("naslib/zc_nasbench201_sample.json").read_text())["nasbench201"]
    predictor = nasplug.get_predictor("myplugin")
    for dataset in ("cifar10", "cifar100", "ImageNet16-120"):
        for key in list(table[dataset])[:3]:
            count = predictor.query(nb201_cell(ast.literal_eval(key), dataset))
            assert count == round(table[dataset][key]["params"] * 1e6), (dataset, key)


def test_tutorial_classifier_offsets():
    """The tutorial's counts for one cell differ by the classifier only: 64*n + n weights
    (e.g. 129306 on CIFAR-10, 135156 on CIFAR-100, 136456 on ImageNet16-120)."""
    predictor = nasplug.get_predictor("myplugin")
    spec = (2, 0, 0, 3, 3, 2)
    c10, c100, i16 = (predictor.query(nb201_cell(spec, d)) for d in ("cifar10", "cifar100", "ImageNet16-120"))
    assert (c100 - c10, i16 - c10) == (90 * 65, 110 * 65)


def test_sample_submission_gives_the_same_scores(tmp_path, monkeypatch):
    """The same predictor in the competition's zip format scores exactly like the plugin."""
    from nasplug.submission import load_submission

    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    archive = tmp_path / "sample_submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("submission.py", "metadata"):
            zf.write(HERE / "sample_submission" / name, f"sample_submission/{name}")
    submission = load_submission(archive)
    assert submission.method_type == "MyZeroCostPredictorName"
    plugin = nasplug.get_predictor("myplugin")
    for spec in [(2, 0, 0, 3, 3, 2), (0, 1, 4, 2, 3, 0)]:
        graph = nb201_cell(spec, "cifar10")
        assert submission.query(graph) == plugin.query(graph)


def test_nasplug_list_json_shows_distribution_and_version():
    from click.testing import CliRunner

    from nasplug.cli import cli

    result = CliRunner().invoke(cli, ["list", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    rows = [p for p in json.loads(result.output)["predictors"] if p["name"] == "myplugin"]
    assert rows and rows[0]["distribution"] == "nasplug-myplugin" and rows[0]["version"] == "0.1.0"
    assert rows[0]["class"] == "nasplug_myplugin.predictor.MyPluginPredictor"
