"""NASLib's zero-cost tutorial, up to and including "Querying the performance of a model",
with nasplug names (see ../shared/seed/naslib_zero_cost_tutorial.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

import nasplug

torch.set_num_threads(1)


@pytest.fixture
def tutorial_data_dir(tmp_path, monkeypatch):
    env = os.environ.get("NASPLUG_DATA")
    shared = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"
    base = next((b for b in ([Path(env)] if env else []) + [shared]
                 if (b / "benchmarks" / "nb201.csv").is_file()), None)
    if base is None:
        pytest.skip("no NAS-Bench-201 data directory (set NASPLUG_DATA)")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "nb201.csv").symlink_to(base.resolve() / "benchmarks" / "nb201.csv")
    (tmp_path / "naslib").mkdir()
    (tmp_path / "naslib" / "zc_nasbench201.json").symlink_to(
        base.resolve() / "naslib" / "zc_nasbench201_sample.json")
    monkeypatch.setenv("NASPLUG_DATA", str(tmp_path))
    return tmp_path


def test_tutorial_until_querying_performance(tutorial_data_dir, capsys):
    # -- Introduction to Search Spaces
    from nasplug_nb201 import NasBench201SearchSpace
    search_space = NasBench201SearchSpace(n_classes=10)
    assert repr(search_space).startswith("Graph makrograph") and repr(search_space).endswith("20 nodes")

    from nasplug import get_search_space
    search_space = get_search_space(name="nasbench201", dataset="cifar10")
    print("Nodes in the graph:", search_space.nodes())
    print("Edges in the graph:", search_space.edges())
    out = capsys.readouterr().out
    assert "Nodes in the graph: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]" in out
    assert "(18, 19), (19, 20)]" in out

    print("Operation on edge 1-2 of the graph:", search_space.edges[1, 2]["op"])
    print("Operation on edge 2-3 of the graph:", search_space.edges[2, 3]["op"])
    out = capsys.readouterr().out
    assert "Stem(\n  (seq): Sequential(\n    (0): Conv2d(3, 16, kernel_size=(3, 3)" in out
    assert "Operation on edge 2-3 of the graph: Graph named 'cell' with 4 nodes and 6 edges" in out

    cell = search_space.edges[2, 3]["op"]
    assert list(cell.nodes()) == [1, 2, 3, 4]
    assert list(cell.edges()) == [(1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]
    text = str(cell.edges[1, 2]["op"])
    assert text.startswith("[Identity(), Zero (stride=1), ReLUConvBN(")
    pool = "AvgPool1x1(\n  (avgpool): AvgPool2d(kernel_size=3, stride=1, padding=1)"
    assert text.count("affine=False") == 2 and pool in text

    # -- Sampling random models
    graph = search_space.clone()
    cell = graph.edges[2, 3]["op"]
    assert isinstance(cell.edges[1, 2]["op"], list)
    graph.sample_random_architecture()
    for edge in cell.edges():
        assert not isinstance(cell.edges[edge]["op"], list)
    encoding = graph.get_hash()
    assert isinstance(encoding, tuple) and len(encoding) == 6

    graph = search_space.clone()
    graph.sample_random_architecture()
    assert list(graph.children()) == []
    graph.parse()
    children = list(graph.children())
    assert len(children) == 19 and type(children[0]).__name__ == "Stem"
    assert type(children[-1]).__name__ == "Sequential"
    result = graph(torch.randn(1, 3, 32, 32))
    assert result.shape == (1, 10)

    # -- Querying the performance of a model
    def sample_and_parse_graph(name="nasbench201", dataset="cifar10"):
        search_space = get_search_space(name, dataset)
        search_space.sample_random_architecture()
        search_space.parse()
        return search_space

    from nasplug import get_dataset_api
    dataset_api = get_dataset_api("nasbench201", "cifar10")

    graph = sample_and_parse_graph()
    from nasplug import Metric
    from nasplug_nb201 import convert_naslib_to_str
    labelled = set(dataset_api.architectures(Metric.VAL_ACCURACY))  # the 491 cells of the sample file
    arch = convert_naslib_to_str(graph)
    if arch in labelled:
        val_accuracy = graph.query(metric=Metric.VAL_ACCURACY, dataset="cifar10", dataset_api=dataset_api)
        assert 10 < val_accuracy < 100
    else:
        with pytest.raises(nasplug.MetricNotAvailableError):
            graph.query(metric=Metric.VAL_ACCURACY, dataset="cifar10", dataset_api=dataset_api)
    test_accuracy = graph.query(metric=Metric.TEST_ACCURACY, dataset="cifar10", dataset_api=dataset_api)
    assert 10 <= test_accuracy < 100

    # the tutorial's printed model
    graph = get_search_space("nasbench201", "cifar10")
    graph.set_spec((2, 0, 0, 3, 3, 2))
    graph.parse()
    assert graph.get_hash() == (2, 0, 0, 3, 3, 2)
    assert convert_naslib_to_str(graph) == (
        "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    assert graph.query(metric=Metric.TEST_ACCURACY, dataset="cifar10", dataset_api=dataset_api) == 93.725
    # and one the sample file labels: validation accuracy as NASLib's data has it
    graph = get_search_space("nasbench201", "cifar10")
    graph.set_spec("(4, 3, 3, 3, 2, 3)")
    assert graph.query(metric=Metric.VAL_ACCURACY, dataset="cifar10", dataset_api=dataset_api) == 88.24

