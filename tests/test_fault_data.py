"""A corrupt table on a default run fails the run, after the other tasks ran (issue 15)."""

from __future__ import annotations

import json

from click.testing import CliRunner

import nasplug
from nasplug.errors import CorruptDataError


class CorruptBench(nasplug.Benchmark):
    """A benchmark whose table exists but cannot be read, as a truncated CSV would be."""

    name = "corruptbench"
    search_space = "corruptspace"
    tasks = ("cifar10",)

    def __init__(self, task, data_dir=None):
        raise CorruptDataError("benchmark table 'benchmarks/corrupt.csv' is truncated at line 7; "
                               "download it again or delete it to use the packaged table")


def test_corrupt_table_is_an_error_while_the_other_tasks_still_run(toy, nasplug_plugin, tmp_path):
    from nasplug.cli import cli

    nasplug_plugin(benchmarks=[CorruptBench], name="corrupt")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["eval", "--predictor", "toyparams", "--test-size", "3",
                                   "--output", str(out)], catch_exceptions=False)
    assert res.exit_code == 1, res.output
    err = res.stderr.strip().splitlines()
    assert err[0] == ("error: corruptspace/cifar10: benchmark table 'benchmarks/corrupt.csv' is "
                      "truncated at line 7; download it again or delete it to use the packaged table")
    assert err[-1].startswith("Error: corruptspace/cifar10: benchmark table 'benchmarks/corrupt.csv'")
    # the other tasks ran, were printed and saved
    assert "toyspace/cifar10" in res.stdout and "toyspace/cifar100" in res.stdout
    tasks = [s["task"] for s in json.loads(out.read_text())["summary"]]
    assert tasks == ["toyspace/cifar10", "toyspace/cifar100"]
    explicit = CliRunner().invoke(cli, ["eval", "--predictor", "toyparams", "--benchmark",
                                        "corruptbench/cifar10"], catch_exceptions=False)
    assert explicit.exit_code == 1 and "truncated at line 7" in explicit.stderr
