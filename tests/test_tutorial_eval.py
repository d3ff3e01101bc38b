"""NASLib's zero-cost tutorial, sections "Zero Cost Predictors" and "Sample Submission",
with nasplug names, on the installed NAS-Bench-201 plugin and real data (small sizes)."""

import math
import os
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from scipy import stats

HERE = Path(__file__).resolve().parent


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    for cand in ([Path(env)] if env else []) + [HERE.parents[0].parent / "shared" / "data"]:
        if (cand / "benchmarks" / "nb201.csv").is_file():
            return cand
    pytest.skip("no data directory with benchmarks/nb201.csv (set NASPLUG_DATA)")


@pytest.fixture
def tutorial_env(monkeypatch, tmp_path):
    from nasplug import get_registry

    registry = get_registry()
    if "nasbench201" not in registry.names("benchmarks") or "synflow" not in registry.names("predictors"):
        pytest.skip("needs nasplug-nb201 and nasplug-synflow installed (./dev.sh setup)")
    data = _data_dir()
    monkeypatch.setenv("NASPLUG_DATA", str(data))
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared
    yield data
    torch.set_num_threads(threads)


def sample_and_parse_graph(name="nasbench201", dataset="cifar10"):
    from nasplug import get_search_space

    search_space = get_search_space(name, dataset)
    search_space.sample_random_architecture()
    search_space.parse()
    return search_space


def test_zero_cost_predictors_section(tutorial_env):
    import torch

    from nasplug import Metric, ZeroCost, get_dataset_api, get_search_space
    from nasplug.data import get_train_val_loaders
    from nasplug.evaluators import ZeroCostPredictorEvaluator

    torch.manual_seed(0)
    __import__("random").seed(0)
    config = SimpleNamespace(search_space="nasbench201", dataset="cifar10", predictor="synflow",
                             seed=0, batch_size=64, data=str(tutorial_env), test_size=None)
    predictor = ZeroCost(method_type=config.predictor)
    dataset_api = get_dataset_api("nasbench201", "cifar10")
    models = [sample_and_parse_graph() for _ in range(2)]
    train_loader, val_loader, test_loader, train_transform, val_transform = get_train_val_loaders(config=config)
    scores = [predictor.query(model, dataloader=test_loader) for model in models]
    # NAS-Bench-201 validation accuracies are not in the shared data: rank against the
    # benchmark's default metric (test accuracy) instead of Metric.VAL_ACCURACY
    assert Metric.TEST_ACCURACY in dataset_api.metrics
    actual_scores = [model.query(metric=dataset_api.default_metric, dataset="cifar10",
                                 dataset_api=dataset_api) for model in models]
    assert all(math.isfinite(s) for s in scores) and all(0 < a < 100 for a in actual_scores)
    stats.kendalltau(scores, actual_scores)

    config.test_size = 3
    search_space = get_search_space("nasbench201", "cifar10")
    predictor_evaluator = ZeroCostPredictorEvaluator(predictor, config=config)
    predictor_evaluator.adapt_search_space(search_space, dataset_api=dataset_api)
    results = predictor_evaluator.evaluate()
    r = results[-1]
    assert -1 <= r["kendalltau"] <= 1 and r["n_failed"] == 0
    assert len(r["full_ytest"]) == 3 and r["full_ytest"] == [
        dataset_api.query(a, metric=dataset_api.default_metric) for a in dataset_api.sample(3, seed=0)]


SUBMISSION = '''
from naslib.search_spaces.core.graph import Graph
from naslib.predictors.predictor import Predictor


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


class ZeroCostPredictor(Predictor):
    def __init__(self):
        self.method_type = 'MyZeroCostPredictorName'

    def pre_process(self) -> None:
        pass

    def query(self, graph: Graph, dataloader=None) -> float:
        return count_parameters(graph)
'''


def test_sample_submission_section(tutorial_env, tmp_path, capsys):
    import nasplug
    from nasplug.evaluators import full_evaluate_predictor

    def count_parameters(model):
        return sum(p.numel() for p in model.parameters())

    class ZeroCostPredictor(nasplug.Predictor):
        def __init__(self):
            self.method_type = "MyZeroCostPredictorName"

        def pre_process(self) -> None:
            pass

        def query(self, graph, dataloader=None) -> float:
            return count_parameters(graph)

    predictor = ZeroCostPredictor()
    scores = full_evaluate_predictor(predictor, test_size=3, search_spaces=["nasbench201"])
    out = capsys.readouterr().out
    assert set(scores) == {("nasbench201", t) for t in ("cifar10", "cifar100", "ImageNet16-120")}
    for task, kt in scores.items():
        assert "{:25s}||{:25s}||{}".format(*task, kt) in out
    assert "Average Kendall-Tau:" in out

    # the zip the tutorial builds, scored by the CLI
    folder = tmp_path / "sample_submission"
    folder.mkdir()
    (folder / "submission.py").write_text(SUBMISSION)
    (folder / "metadata").write_text("")
    archive = tmp_path / "sample_submission.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"sample_submission/{f.name}")
    from click.testing import CliRunner

    from nasplug.cli import cli

    res = CliRunner().invoke(cli, ["eval", "--predictor", str(archive), "--benchmark",
                                   "nasbench201/cifar10", "--test-size", "3", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "MyZeroCostPredictorName" in res.stdout
    assert "nasbench201/cifar10" in res.stdout
