"""Each hook kind registers through the same callback; registry metadata reaches `list --json`."""

from __future__ import annotations

import json

from click.testing import CliRunner

import nasplug
from nasplug import hookimpl
from nasplug.cli import cli


class ToySpace:
    name = "toyspace"
    datasets = ("toyset",)

    def __init__(self, dataset=None):
        self.dataset = dataset


class ToyBenchmark(nasplug.Benchmark):
    name = "toybench"
    search_space = "toyspace"
    tasks = ("toyset",)


class ToyDataset:
    name = "toyset"


class ToyExecutor:
    name = "toyexec"


class ToyPredictor(nasplug.Predictor):
    name = "toypred"


class ToyStrategy:
    name = "toysearch"


class EveryKind:
    @hookimpl
    def register_search_strategies(self, register):
        register(ToyStrategy)

    @hookimpl
    def register_search_spaces(self, register):
        register(ToySpace)

    @hookimpl
    def register_benchmarks(self, register):
        register(ToyBenchmark)

    @hookimpl
    def register_predictors(self, register):
        register(ToyPredictor)

    @hookimpl
    def register_datasets(self, register):
        register(ToyDataset)

    @hookimpl
    def register_executors(self, register):
        register(ToyExecutor)


def test_every_kind_registers(nasplug_pm):
    nasplug_pm.register(EveryKind(), name="every-kind")
    registry = nasplug.get_registry()
    for kind, name in [("search_spaces", "toyspace"), ("benchmarks", "toybench"),
                       ("predictors", "toypred"), ("datasets", "toyset"), ("executors", "toyexec"),
                       ("search_strategies", "toysearch")]:
        assert registry.names(kind) == [name]
    space = nasplug.get_search_space("toyspace")
    assert space.dataset == "toyset"
    # the benchmark is found by its search-space name too
    from nasplug.api import find_benchmark_class

    assert find_benchmark_class("toyspace") is ToyBenchmark


def test_unknown_dataset_of_a_search_space(nasplug_pm):
    nasplug_pm.register(EveryKind(), name="every-kind")
    import pytest

    with pytest.raises(nasplug.NasplugError, match="valid: toyset"):
        nasplug.get_search_space("toyspace", dataset="mnist")


def test_list_json_and_text(nasplug_pm):
    nasplug_pm.register(EveryKind(), name="every-kind")
    runner = CliRunner()
    result = runner.invoke(cli, ["list", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["search_spaces"][0]["datasets"] == ["toyset"]
    assert data["benchmarks"][0]["search_space"] == "toyspace"
    text = runner.invoke(cli, ["list"]).output
    assert "Search spaces:" in text and "toyspace" in text and "Executors:" in text
    assert "Search strategies:" in text and "toysearch" in text


def test_user_error_is_one_line_and_nonzero(nasplug_pm):
    from nasplug.errors import NasplugError

    @cli.command("raise-user-error")
    def _raise():
        raise NasplugError("data file 'x.csv' not found")

    try:
        result = CliRunner().invoke(cli, ["raise-user-error"])
    finally:
        cli.commands.pop("raise-user-error", None)
    assert result.exit_code == 1
    assert result.output.strip() == "Error: data file 'x.csv' not found"
    assert "Traceback" not in result.output
