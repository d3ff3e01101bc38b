"""The NAS-Bench-101 benchmark: NASLib's zero-cost file, a user CSV, errors, eval and executors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import nasplug
from nasplug import Metric
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError
from nasplug_nb101 import spec as S
from nasplug_nb101.benchmark import NasBench101Benchmark

INCEPTION = {
    "matrix": [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
               [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
    "ops": ["input", S.CONV1X1, S.CONV3X3, S.CONV3X3, S.CONV3X3, S.MAXPOOL3X3, "output"],
}


@pytest.fixture(scope="module")
def api(nb101_data_dir):
    return nasplug.get_dataset_api("nasbench101", "cifar10", data_dir=nb101_data_dir)


def test_every_sample_entry_is_an_architecture(api, nb101_entries, nb101_zc):
    archs = api.architectures()
    assert archs == list(nb101_entries) and len(api) == 300
    assert api.zc_path == nb101_zc  # no full zc_nasbench101.json here: the sample is found
    assert api.metrics == (Metric.VAL_ACCURACY,) and api.default_metric is Metric.VAL_ACCURACY
    for key in archs[:50]:
        assert api.query(key) == nb101_entries[key]["val_accuracy"]
        assert api.zero_cost_scores(key)["synflow"] == nb101_entries[key]["synflow"]
    assert len(api.hashes()) == 190


def test_any_encoding_of_a_cell_finds_it(api, nb101_entries):
    key = next(k for k in api.architectures() if len(api._zc_by_hash[S.spec_hash(k)]) == 1)
    cell = S.parse_spec(key)
    value = nb101_entries[key]["val_accuracy"]
    assert api.query(cell.spec()) == value
    assert api.query(cell.hash()) == value
    assert api.query(S.parse_spec(key).naslib_tuple(), "val_accuracy") == value
    g = nasplug.get_search_space("nasbench101", dataset="cifar10").clone()
    g._assign(cell)
    assert g.query(Metric.VAL_ACCURACY, dataset_api=api) == value
    # pruned form (fewer vertices): same hash, answered through it
    pruned = {"matrix": [list(r) for r in cell.pruned_matrix], "ops": list(cell.pruned_ops)}
    assert api.query(pruned) == value


def test_a_cell_listed_several_times_answers_its_mean(api, nb101_entries):
    h, names = max(api._zc_by_hash.items(), key=lambda kv: len(kv[1]))
    assert len(names) == 35  # the input -> output cell, once per NASLib encoding
    values = [nb101_entries[n]["val_accuracy"] for n in names]
    assert api.query(h) == pytest.approx(sum(values) / len(values))
    assert api.query(names[3]) == values[3]  # an encoding NASLib lists: its own entry
    with pytest.raises(ArchitectureError, match="35 encodings"):
        api.zero_cost_scores(h)


def test_unlabelled_and_unavailable(api):
    with pytest.raises(ArchitectureError, match="not labelled"):
        api.query(INCEPTION)
    key = api.architectures()[0]
    with pytest.raises(MetricNotAvailableError, match="CSV"):
        api.query(key, Metric.TEST_ACCURACY)
    with pytest.raises(ArchitectureError, match="upper triangular"):
        api.query({"matrix": [[0, 1], [1, 0]], "ops": ["input", "output"]})


def test_missing_data_says_how_to_get_it(tmp_path):
    with pytest.raises(DataError) as info:
        NasBench101Benchmark("cifar10", data_dir=tmp_path)
    message = str(info.value)
    assert "zc_nasbench101.json" in message and "NASLib" in message and "nb101.csv" in message
    assert "\n" not in message


def _write_csv(path, rows, header):
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def test_user_csv_of_nas_bench_101_results(tmp_path):
    # a table in the documented format (numbers made up for the test)
    chain = {"matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", S.CONV3X3, "output"]}
    rows = [
        [json.dumps(INCEPTION["matrix"]), ",".join(INCEPTION["ops"]), "", "93.5", "92.9", "1200.5"],
        ["".join(str(v) for r in chain["matrix"] for v in r), json.dumps(chain["ops"]), S.spec_hash(chain),
         "88.25", "", ""],
    ]
    _write_csv(tmp_path / "benchmarks" / "nb101.csv", rows,
               ["matrix", "ops", "hash", "val_accuracy", "test_accuracy", "training_time"])
    api = NasBench101Benchmark("cifar10", data_dir=tmp_path)
    assert api.zc_path is None and api.csv_path == tmp_path / "benchmarks" / "nb101.csv"
    assert set(api.metrics) == {Metric.VAL_ACCURACY, Metric.TEST_ACCURACY, Metric.TRAIN_TIME}
    assert api.query(INCEPTION) == 93.5
    assert api.query(INCEPTION, Metric.TEST_ACCURACY) == 92.9
    assert api.query(S.spec_hash(INCEPTION), "train_time") == 1200.5
    assert api.query(chain) == 88.25
    with pytest.raises(MetricNotAvailableError):
        api.query(chain, Metric.TEST_ACCURACY)
    assert api.architectures() == [S.parse_spec(INCEPTION).arch_str(), S.parse_spec(chain).arch_str()]
    assert api.architectures(Metric.TEST_ACCURACY) == [S.parse_spec(INCEPTION).arch_str()]


def test_csv_joins_naslib_file(tmp_path, nb101_zc):
    api0 = NasBench101Benchmark("cifar10", zc_path=nb101_zc)
    key = api0.architectures()[0]
    rows = [[S.spec_hash(key), "91.0", "90.5"]]
    _write_csv(tmp_path / "t.csv", rows, ["hash", "val_accuracy", "test_accuracy"])
    api = NasBench101Benchmark("cifar10", zc_path=nb101_zc, csv_path=tmp_path / "t.csv")
    assert api.query(key) == api0.query(key)  # NASLib's entry wins for its own key
    assert api.query(key, Metric.TEST_ACCURACY) == 90.5
    assert api.architectures(Metric.TEST_ACCURACY) == [k for k in api0.architectures()
                                                        if S.spec_hash(k) == S.spec_hash(key)]


@pytest.mark.parametrize("header,row,message", [
    (["matrix", "ops", "val_accuracy"], ["[[0,1],[1,0]]", "input,output", "90"], "upper triangular"),
    (["matrix", "ops", "val_accuracy"], ["[[0,1],[0,0]]", "input,output", "0.9"], "percentage"),
    (["matrix", "ops", "val_accuracy"], ["[[0,1],[0,0]]", "input,output", "abc"], "not a number"),
    (["matrix", "ops"], ["[[0,1],[0,0]]", "input,output"], "no metric column"),
    (["val_accuracy"], ["90"], "matrix"),
    (["hash", "val_accuracy"], ["xyz", "90"], "not a NAS-Bench-101 hash"),
    (["matrix", "ops", "hash", "val_accuracy"], ["[[0,1],[0,0]]", "input,output", "0" * 32, "90"], "does not match"),
])
def test_corrupt_csv_is_one_clear_error(tmp_path, header, row, message):
    _write_csv(tmp_path / "bad.csv", [row], header)
    with pytest.raises(DataError, match=message) as info:
        NasBench101Benchmark("cifar10", csv_path=tmp_path / "bad.csv")
    assert "\n" not in str(info.value)


def test_nasplug_eval_on_nb101(nb101_data_dir, tmp_path):
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "nasplug", "eval", "--predictor", "grad_norm", "--benchmark", "nasbench101/cifar10",
           "--test-size", "3", "--batch-size", "4", "--no-cache", "--data-dir", str(nb101_data_dir),
           "--output", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, env={**__import__("os").environ,
                                                                  "OMP_NUM_THREADS": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert "nasbench101/cifar10" in run.stdout
    result = json.loads(out.read_text())
    text = json.dumps(result)
    assert "nasbench101" in text


def test_bad_architecture_on_the_command_line_is_one_line(nb101_data_dir):
    from nasplug.errors import NasplugError

    ss = nasplug.get_search_space("nasbench101", dataset="cifar10")
    with pytest.raises(NasplugError, match="too many edges"):
        ss.clone().set_spec({"matrix": [[0, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1],
                                        [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
                                        [0, 0, 0, 0, 0, 0, 0]],
                             "ops": ["input"] + [S.CONV3X3] * 5 + ["output"]})


def test_pool_executor_gives_the_in_process_scores(nb101_data_dir, monkeypatch):
    monkeypatch.setenv("NASPLUG_DATA", str(nb101_data_dir))
    from nasplug.evaluators import evaluate_task
    from nasplug.executors import get_executor

    opts = dict(test_size=3, batch_size=4, store=False)
    inproc = evaluate_task("synflow", "nasbench101", "cifar10", **opts)
    executor = get_executor("pool", workers=2)
    try:
        pooled = evaluate_task("synflow", "nasbench101", "cifar10", executor=executor, **opts)
    finally:
        executor.close()
    assert [c["arch"] for c in pooled["cells"]] == [c["arch"] for c in inproc["cells"]]
    assert pooled["full_testpred"] == pytest.approx(inproc["full_testpred"], rel=1e-4)
    assert inproc["n_failed"] == 0


def test_ray_executor_gives_the_in_process_scores(nb101_data_dir, monkeypatch):
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'nasplug[ray]'")
    monkeypatch.setenv("NASPLUG_DATA", str(nb101_data_dir))
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    from nasplug.evaluators import evaluate_task
    from nasplug.executors import get_executor

    opts = dict(test_size=2, batch_size=4, store=False)
    inproc = evaluate_task("grad_norm", "nasbench101", "cifar10", **opts)
    executor = get_executor("ray", workers=2)
    try:
        remote = evaluate_task("grad_norm", "nasbench101", "cifar10", executor=executor, **opts)
    finally:
        executor.close()
    assert not ray.is_initialized()
    assert [c["arch"] for c in remote["cells"]] == [c["arch"] for c in inproc["cells"]]
    assert remote["full_testpred"] == pytest.approx(inproc["full_testpred"], rel=1e-4)
