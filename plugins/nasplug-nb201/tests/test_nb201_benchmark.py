"""The NAS-Bench-201 benchmark API and the NASLib zero-cost importer, on the real data."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

import nasplug
from nasplug import Metric
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug.naslib_zc import find_naslib_zc_file, load_naslib_zc
from nasplug_nb201 import conversions as conv
from nasplug_nb201.benchmark import NasBench201Benchmark

TUTORIAL_STR = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    for candidate in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[3] / ".." / "shared" / "data"]:
        if (candidate / "benchmarks" / "nb201.csv").is_file():
            return candidate.resolve()
    pytest.skip("no NAS-Bench-201 data directory (set NASPLUG_DATA)")


@pytest.fixture(scope="module")
def data_dir() -> Path:
    return _data_dir()


@pytest.fixture(scope="module")
def csv_rows(data_dir):
    import csv

    with open(data_dir / "benchmarks" / "nb201.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def zc_data_dir(tmp_path, data_dir):
    """A data dir with the table and the 491-cell zero-cost sample as naslib/zc_nasbench201.json."""
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "nb201.csv").symlink_to(data_dir / "benchmarks" / "nb201.csv")
    (tmp_path / "naslib").mkdir()
    (tmp_path / "naslib" / "zc_nasbench201.json").symlink_to(data_dir / "naslib" / "zc_nasbench201_sample.json")
    return tmp_path


@pytest.mark.parametrize("task", ["cifar10", "cifar100", "ImageNet16-120"])
def test_test_accuracy_matches_the_table(task, data_dir, csv_rows, tmp_path):
    # a data dir without zero-cost file
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "nb201.csv").symlink_to(data_dir / "benchmarks" / "nb201.csv")
    api = NasBench201Benchmark(task, data_dir=tmp_path)
    assert api.metrics == (Metric.TEST_ACCURACY,)
    assert api.default_metric is Metric.TEST_ACCURACY
    for row in csv_rows[::997]:
        ops = conv.str_to_op_indices(row["arch_str"])
        expected = float(row[f"{task}_test_acc"])
        assert api.query(ops, Metric.TEST_ACCURACY) == expected
        assert api.query(row["arch_str"], "test_accuracy") == expected
        assert api.query(list(ops), Metric.TEST_ACCURACY, dataset=task) == expected
        assert api.query(conv.to_index(ops), Metric.TEST_ACCURACY) == expected
    archs = api.architectures()
    assert len(archs) == len(api) == 15625 and archs[0] == conv.op_indices_to_str((0,) * 6)
    with pytest.raises(MetricNotAvailableError, match="zc_nasbench201.json"):
        api.query(TUTORIAL_STR, Metric.VAL_ACCURACY)
    with pytest.raises(MetricNotAvailableError, match="TRAIN_LOSS"):
        api.query(TUTORIAL_STR, Metric.TRAIN_LOSS)


def test_query_by_graph_and_errors(data_dir):
    api = NasBench201Benchmark("cifar10", data_dir=data_dir)
    ss = nasplug.get_search_space("nasbench201", "cifar10")
    g = ss.clone()
    g.set_spec(TUTORIAL_STR)
    assert api.query(g, Metric.TEST_ACCURACY) == api.query((2, 0, 0, 3, 3, 2), Metric.TEST_ACCURACY)
    assert g.query(Metric.TEST_ACCURACY, "cifar10", dataset_api=api) == api.query(TUTORIAL_STR, Metric.TEST_ACCURACY)
    with pytest.raises(ArchitectureError):
        api.query((9, 9, 9, 9, 9, 9), Metric.TEST_ACCURACY)
    with pytest.raises(NasplugError, match="get_dataset_api"):
        api.query(g, Metric.TEST_ACCURACY, dataset="cifar100")
    with pytest.raises(NasplugError):
        NasBench201Benchmark("mnist", data_dir=data_dir)


def test_validation_accuracy_from_naslib_file(zc_data_dir, data_dir):
    sample = json.loads((data_dir / "naslib" / "zc_nasbench201_sample.json").read_text())["nasbench201"]
    for task in ("cifar10", "cifar100", "ImageNet16-120"):
        api = NasBench201Benchmark(task, data_dir=zc_data_dir)
        assert api.zc_path == zc_data_dir / "naslib" / "zc_nasbench201.json"
        assert set(api.metrics) == {Metric.TEST_ACCURACY, Metric.VAL_ACCURACY}
        assert api.default_metric is Metric.VAL_ACCURACY
        archs = api.architectures()
        assert len(archs) == len(sample[task]) == 491
        for key, scores in list(sample[task].items())[:50]:
            assert api.query(key, Metric.VAL_ACCURACY) == scores["val_accuracy"]
            assert api.zero_cost_scores(conv.to_str(key))["flops"] == scores["flops"]
        missing = next(ops for ops in conv.all_op_indices() if str(ops) not in sample[task])
        with pytest.raises(MetricNotAvailableError, match="491 of 15625"):
            api.query(missing, Metric.VAL_ACCURACY)
        assert not math.isnan(api.query(missing, Metric.TEST_ACCURACY))


def test_zc_file_lookup_places_and_explicit_path(tmp_path, data_dir):
    assert find_naslib_zc_file("nasbench201", tmp_path) is None
    (tmp_path / "zc_nasbench201.json").symlink_to(data_dir / "naslib" / "zc_nasbench201_sample.json")
    assert find_naslib_zc_file("nasbench201", tmp_path) == tmp_path / "zc_nasbench201.json"
    api = NasBench201Benchmark("cifar100", data_dir=data_dir,
                               zc_path=data_dir / "naslib" / "zc_nasbench201_sample.json")
    assert api.query("(4, 3, 3, 3, 2, 3)", Metric.VAL_ACCURACY) == pytest.approx(68.33999986572266)
    with pytest.raises(DataError, match="not found"):
        NasBench201Benchmark("cifar100", data_dir=data_dir, zc_path=tmp_path / "nope.json")


def test_get_dataset_api_and_registry(zc_data_dir, monkeypatch):
    monkeypatch.setenv("NASPLUG_DATA", str(zc_data_dir))
    api = nasplug.get_dataset_api("nasbench201", "cifar100")
    assert isinstance(api, NasBench201Benchmark) and api.task == "cifar100"
    assert api is nasplug.get_dataset_api("nasbench201", "cifar100", data_dir=zc_data_dir)
    entry = nasplug.get_registry().entry("benchmarks", "nasbench201")
    assert entry.distribution == "nasplug-nb201"
    # NAS-Bench-201's three, then NAS-Bench-360's when nasplug-nb360 is installed
    from importlib.util import find_spec

    extra = ("svhn", "ninapro", "scifar100") if find_spec("nasplug_nb360") else ()
    assert tuple(entry.cls.tasks) == ("cifar10", "cifar100", "ImageNet16-120") + extra
    assert entry.cls.search_space == "nasbench201"


def test_importer_generic_format(tmp_path, data_dir):
    data = load_naslib_zc(data_dir / "naslib" / "zc_nasbench201_sample.json")
    assert set(data) == {"cifar10", "cifar100", "ImageNet16-120"}
    scores = data["cifar100"]["(4, 3, 3, 3, 2, 3)"]
    assert scores["params"] == 0.434196 and scores["flops"] == 62.508352
    keyed = load_naslib_zc(data_dir / "naslib" / "zc_nasbench201_sample.json", "nasbench201",
                           key=conv.to_op_indices, datasets=["cifar10"])
    assert set(keyed) == {"cifar10"} and (4, 3, 3, 3, 2, 3) in keyed["cifar10"]
    # the {"score", "time"} form of some NAS-Bench-Suite-Zero releases, another search space
    other = tmp_path / "zc_nasbench301.json"
    other.write_text(json.dumps({"nasbench301": {"cifar10": {"([(0, 1)], [(1, 2)])": {
        "synflow": {"score": 1.5, "time": 0.1}, "val_accuracy": 93.1}}}}))
    got = load_naslib_zc(other, "nasbench301")
    assert got == {"cifar10": {"([(0, 1)], [(1, 2)])": {"synflow": 1.5, "val_accuracy": 93.1}}}
    for text, match in [("{", "cannot read"), ("[]", "expected an object"),
                        ('{"nasbench301": {}}', "no search space 'nasbench201'"),
                        ('{"nasbench201": {"cifar10": {"(1, 1, 1, 1, 1, 1)": {"x": "bad"}}}}', "not a number"),
                        ('{"nasbench201": {"cifar10": {"(1, 1)": {"x": 1}}}}', "not valid")]:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(DataError, match=match):
            load_naslib_zc(bad, "nasbench201", key=conv.to_op_indices)
    with pytest.raises(DataError, match="not found"):
        load_naslib_zc(tmp_path / "missing.json")


def test_packaged_table_when_the_data_directory_has_none(tmp_path, data_dir):
    packaged = NasBench201Benchmark("cifar100", data_dir=tmp_path)
    assert packaged.table_path is None and packaged.table_source.packaged
    info = packaged.table_source.info()
    assert info["rows"] == 15625 and info["location"] == "nasplug_nb201/data/nb201.csv.gz"
    user = NasBench201Benchmark("cifar100", data_dir=data_dir)
    assert user.table_source.origin == "user" and user.table_path == data_dir / "benchmarks" / "nb201.csv"
    # the packaged copy is the shared table, byte for byte once decompressed
    assert info["sha256"] == user.table_source.info()["sha256"]
    cells = user.architectures()
    assert packaged.architectures() == cells
    assert [packaged.query(c) for c in cells[::97]] == [user.query(c) for c in cells[::97]]


def test_neither_user_nor_packaged_table_is_a_clear_error(tmp_path, monkeypatch):
    from nasplug_nb201 import benchmark

    monkeypatch.setattr(benchmark, "PACKAGE", "nasplug_nb201_without_data")
    with pytest.raises(DataError) as info:
        NasBench201Benchmark("cifar10", data_dir=tmp_path)
    message = str(info.value)
    assert "benchmarks/nb201.csv" in message and str(tmp_path) in message and "NATS-Bench" in message


@pytest.mark.parametrize("mutate,match", [
    (lambda lines: lines[:1001], "1000 cells"),
    (lambda lines: [lines[0].replace("cifar100_test_acc", "c100")] + lines[1:], "missing column"),
    (lambda lines: lines[:5] + [lines[5].replace("skip_connect", "skip")] + lines[6:], "line 6"),
    (lambda lines: lines[:5] + [lines[5].rsplit(",", 1)[0] + ",abc"] + lines[6:], "not a number"),
    (lambda lines: lines + [lines[3]], "appears twice"),
    (lambda lines: [], "empty"),
])
def test_corrupt_table_is_a_clear_error(tmp_path, data_dir, mutate, match):
    lines = (data_dir / "benchmarks" / "nb201.csv").read_text().splitlines()
    (tmp_path / "benchmarks").mkdir()
    path = tmp_path / "benchmarks" / "nb201.csv"
    path.write_text("\n".join(mutate(lines)) + "\n")
    with pytest.raises(DataError, match=match) as info:
        NasBench201Benchmark("cifar10", data_dir=tmp_path)
    assert str(path) in str(info.value) and "NATS-Bench" in str(info.value)
