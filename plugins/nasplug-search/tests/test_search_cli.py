"""``nasplug search`` through the real CLI: table, JSON, plot, store reuse, resume, one-line errors."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner


def run(*args):
    from nasplug.cli import cli

    return CliRunner().invoke(cli, ["search", *args], catch_exceptions=False)


BENCH = ("--benchmark", "nasbench201/cifar10")


def test_table_json_plot_and_store_reuse(data_env, tmp_path):
    out, png = tmp_path / "s.json", tmp_path / "s.png"
    args = ("--strategy", "random", "--strategy", "proxy-top:n=8", "--predictor", "params", *BENCH,
            "--queries", "12", "--seeds", "2", "--output", str(out), "--plot", str(png), "--no-progress")
    res = run(*args)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].split()[:5] == ["task", "strategy", "predictor", "after", "10"]
    assert any("proxy-top:n=8" in line and "params" in line for line in lines)
    assert "best cell of nasbench201/cifar10: 94.3733" in res.stdout
    doc = json.loads(out.read_text())
    assert doc["settings"]["checkpoints"] == [10, 12]
    runs = {r["strategy"]: r for r in doc["runs"]}
    assert len(runs["random"]["records"]) == 2
    assert all(len(rec["trajectory"]) == 12 for rec in runs["random"]["records"])
    top = runs["proxy-top:n=8"]
    assert top["predictor"] == "params" and top["summary"]["proxy_evals"] <= 8
    # proxy-top queries its 8 ranked cells, then stops: the best stays after query 8
    assert all(rec["queries"] == 8 and rec["stopped"] == "strategy" for rec in top["records"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the second run reads every score from the store and gives the same trajectories
    again = run(*args)
    assert "0 cells scored now" in again.stdout
    assert json.loads(out.read_text())["runs"] == doc["runs"]


def test_eval_and_search_share_scores(data_env, tmp_path):
    """eval's scores serve a search and a search's scores serve eval: one key, one table."""
    from nasplug.cli import cli
    from nasplug.evaluation.run import evaluate_task
    from nasplug.search import ProxyOracle, open_task

    evaluated = CliRunner().invoke(cli, ["eval", "--predictor", "params", *BENCH, "--test-size", "5",
                                         "--no-progress"], catch_exceptions=False)
    assert evaluated.exit_code == 0, evaluated.output
    task = open_task("nasbench201", "cifar10")
    sampled = task.api.sample(5, seed=0)  # the cells eval scored
    oracle = ProxyOracle("params", "nasbench201", "cifar10", dataset_api=task.api)
    try:
        others = task.api.architectures()[:3]
        scores = oracle.scores(sampled + others)
        assert (oracle.reused, oracle.computed) == (5, 3)
    finally:
        oracle.close()
    again = evaluate_task("params", "nasbench201", "cifar10", archs=others, test_size=3)
    assert again["cached"] == 3
    assert [c["score"] for c in again["cells"]] == [scores[a][0] for a in others]


@pytest.mark.parametrize("args, message", [
    (("--strategy", "random", "--queries", "0"), "--queries must be at least 1"),
    (("--strategy", "random", "--queries", "-5"), "--queries must be at least 1"),
    (("--strategy", "random", "--seeds", "0"), "--seeds must be at least 1"),
    (("--strategy", "ae-warmup", "--predictor", "params", "--proxy-budget", "0"),
     "--proxy-budget must be at least 1"),
    (("--strategy", "ae-warmup", "--predictor", "params", "--proxy-budget", "-1"),
     "--proxy-budget must be at least 1"),
    (("--strategy", "nosuchstrategy",), "unknown search strategy 'nosuchstrategy'"),
    (("--strategy", "ae-warmup", "--predictor", "nosuchproxy"), "unknown predictor 'nosuchproxy'"),
    (("--strategy", "ae-warmup",), "give --predictor"),
    (("--strategy", "ae:population=0",), "population must be an integer"),
])
def test_bad_input_is_one_line(data_env, args, message):
    res = run(*args, *BENCH, "--no-progress")
    assert res.exit_code == 1
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: ") and message in err[0], res.stderr


@pytest.mark.parametrize("labels", [False, True])
def test_task_without_ground_truth(data_env, nasplug_pm, nasplug_plugin, labels):
    import nasplug
    import nasplug.default_plugins
    import nasplug_search.plugin

    class NoTruth(nasplug.Benchmark):
        name = "notruth"
        search_space = "nasbench201"
        tasks = ("cifar10",)
        default_metric = nasplug.Metric.VAL_ACCURACY
        metrics = ()

        def architectures(self):
            cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
            return [cell] if labels else []

        def query(self, arch, metric=None, dataset=None):
            raise nasplug.MetricNotAvailableError("this table holds no validation accuracy")

    nasplug_pm.register(nasplug.default_plugins, name="core")  # the executors
    nasplug_pm.register(nasplug_search.plugin, name="search")
    nasplug_plugin(benchmarks=[NoTruth])
    res = run("--strategy", "random", "--benchmark", "notruth/cifar10", "--no-progress")
    assert res.exit_code == 1
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "no ground truth" in err[0], res.stderr


def _store_rows(path):
    if not path.is_file():
        return 0
    try:
        with sqlite3.connect(str(path), timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_killed_search_resumes_without_rescoring(data_env, tmp_path):
    """SIGKILL a real search midway; the rerun scores only what is missing, same trajectory."""
    env = dict(os.environ, NASPLUG_CACHE=str(tmp_path / "cache"), OMP_NUM_THREADS="1")
    args = [sys.executable, "-m", "nasplug", "search", "--strategy", "ae-warmup:n=40",
            "--predictor", "params", *BENCH, "--queries", "15", "--seeds", "1", "--no-progress"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db = tmp_path / "cache" / "scores.sqlite"
    deadline = time.time() + 240
    while _store_rows(db) < 8 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = _store_rows(db)
    assert 8 <= kept < 40, kept  # killed midway, every scored cell committed
    out = tmp_path / "resumed.json"
    resumed = subprocess.run(args + ["--output", str(out)], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{40 - kept} cells scored now" in resumed.stdout
    assert f"{kept} read from the score store" in resumed.stdout
    fresh = tmp_path / "fresh.json"
    subprocess.run(args + ["--no-cache", "--output", str(fresh)], env=env, check=True,
                   capture_output=True)
    def choices(path):  # everything but the wall-clock seconds
        return [[(t["arch"], t["value"], t["best"], t["proxy_evals"]) for t in rec["trajectory"]]
                for rec in json.loads(path.read_text())["runs"][0]["records"]]

    assert choices(out) == choices(fresh)


def test_ensembles_search_and_learned_predictors_are_refused(data_env, tmp_path):
    from nasplug.store import ScoreStore

    res = run("--strategy", "proxy-top:n=6", "--predictor", "ensemble:params,flops", *BENCH,
              "--queries", "4", "--seeds", "1", "--no-progress")
    assert res.exit_code == 0, res.output
    assert "ensemble:params,flops" in res.stdout
    with ScoreStore() as store:  # members are scored under their own keys, as nasplug eval does
        names = {row[0] for row in store._conn.execute("SELECT DISTINCT predictor FROM scores")}
    assert names == {"params", "flops"}
    res = run("--strategy", "proxy-top:n=6", "--predictor", "learned:params,flops", *BENCH,
              "--queries", "4", "--seeds", "1", "--no-progress")
    assert res.exit_code == 1 and "without paying queries" in res.stderr


def test_every_executor_gives_the_same_trajectory(data_env, tmp_path):
    args = ("--strategy", "ae-warmup:n=6,population=3,sample_size=2", "--predictor", "params",
            *BENCH, "--queries", "6", "--seeds", "2", "--no-cache", "--no-progress")
    outs = []
    for extra in ((), ("--workers", "2")):
        out = tmp_path / f"r{len(outs)}.json"
        res = run(*args, *extra, "--output", str(out))
        assert res.exit_code == 0, res.output
        outs.append([[(t["arch"], t["value"], t["proxy_evals"]) for t in rec["trajectory"]]
                     for rec in json.loads(out.read_text())["runs"][0]["records"]])
    assert outs[0] == outs[1]


def test_list_shows_the_strategies_with_their_distribution(data_env):
    from nasplug.cli import cli

    res = CliRunner().invoke(cli, ["list", "--json"], catch_exceptions=False)
    rows = {r["name"]: r for r in json.loads(res.stdout)["search_strategies"]}
    assert set(rows) >= {"random", "ae", "ae-warmup", "ae-move", "proxy-top"}
    assert rows["ae"]["distribution"] == "nasplug-search" and rows["ae"]["description"]
    text = CliRunner().invoke(cli, ["list"], catch_exceptions=False).stdout
    assert "Search strategies:" in text and "ae-warmup" in text
