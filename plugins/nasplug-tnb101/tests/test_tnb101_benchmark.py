"""The CSV benchmark API: 4,096 cells x 7 tasks, queries, sampling, errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import nasplug
from nasplug import Metric
from nasplug.errors import ArchitectureError, DataError, MetricNotAvailableError, NasplugError
from nasplug_tnb101 import encoding
from nasplug_tnb101.benchmark import TransNASBench101MicroBenchmark, load_table
from nasplug_tnb101.tasks import TASK_NAMES


@pytest.fixture(scope="module")
def data_dir() -> Path:
    root = os.environ.get("NASPLUG_DATA") or str(Path(__file__).resolve().parents[3] / ".." / "shared" / "data")
    path = Path(root)
    if not (path / "benchmarks" / "tnb101_micro.csv").is_file():
        pytest.skip("benchmarks/tnb101_micro.csv not available")
    return path


@pytest.fixture(scope="module")
def apis(data_dir):
    return {t: TransNASBench101MicroBenchmark(t, data_dir=data_dir) for t in TASK_NAMES}


def test_every_cell_is_labelled_for_every_task(apis):
    for task, api in apis.items():
        archs = api.architectures()
        assert len(api) == len(archs) == 4096
        assert archs[0] == "64-41414-0_00_000" and archs[-1] == "64-41414-3_33_333"
        assert set(archs) == {encoding.to_arch_str(o) for o in encoding.all_architectures()}
        assert api.metrics == (Metric.VAL_ACCURACY,) and api.default_metric is Metric.VAL_ACCURACY


def test_known_values_from_the_file(apis):
    # first row of tnb101_micro.csv
    row = {"class_scene": 7.48408, "class_object": 26.5476, "jigsaw": 0.0497611,
           "room_layout": -1.09428, "segmentsemantic": 91.8936, "normal": 0.277054,
           "autoencoder": 0.0418354}
    for task, value in row.items():
        assert apis[task].query("64-41414-0_00_000") == value
        assert apis[task].query((0, 0, 0, 0, 0, 0), Metric.VAL_ACCURACY) == value
        assert apis["jigsaw"].query("64-41414-0_00_000", dataset=task) == value


def test_higher_is_better_orientation(apis):
    # the all-zero cell cannot learn; a cell with convolutions on every path does
    for task, api in apis.items():
        assert api.query("64-41414-3_33_333") > api.query("64-41414-0_00_000"), task
    assert all(v < 0 for v in apis["room_layout"]._columns["room_layout"].values())


def test_query_through_graph_and_get_dataset_api(data_dir):
    api = nasplug.get_dataset_api("transbench101_micro", "class_object", data_dir=data_dir)
    assert api is nasplug.get_dataset_api("transbench101_micro", "class_object", data_dir=data_dir)
    ss = nasplug.get_search_space("transbench101_micro", "class_object")
    g = ss.clone()
    g.set_spec("64-41414-1_02_210")
    assert g.query(Metric.VAL_ACCURACY, dataset_api=api) == api.query((1, 0, 2, 2, 1, 0))


def test_sample_is_seeded_and_distinct(apis):
    api = apis["jigsaw"]
    a, b = api.sample(100, seed=3), api.sample(100, seed=3)
    assert a == b and len(set(a)) == 100 and a != api.sample(100, seed=4)
    assert all(encoding.is_valid(s) and s.startswith("64-41414-") for s in a)
    with pytest.raises(NasplugError, match="larger"):
        api.sample(5000)


def test_errors(apis, data_dir):
    api = apis["normal"]
    with pytest.raises(MetricNotAvailableError, match="SSIM"):
        api.query("64-41414-0_00_000", Metric.TEST_ACCURACY)
    with pytest.raises(MetricNotAvailableError):
        api.query("64-41414-0_00_000", Metric.PARAMETERS)
    with pytest.raises(ArchitectureError):
        api.query("64-41414-0_00_00")
    with pytest.raises(NasplugError, match="no task"):
        api.query("64-41414-0_00_000", dataset="cifar10")
    with pytest.raises(NasplugError, match="no task"):
        TransNASBench101MicroBenchmark("cifar10", data_dir=data_dir)
    packaged = TransNASBench101MicroBenchmark("normal", data_dir=data_dir / "does-not-exist")
    assert packaged.table_source.packaged and len(packaged) == 4096
    assert packaged.table_source.info()["sha256"] == api.table_source.info()["sha256"]
    assert packaged.query("64-41414-0_00_000") == api.query("64-41414-0_00_000", dataset="normal")


def test_corrupt_tables_are_data_errors(tmp_path):
    header = "arch_str,class_scene,class_object,jigsaw,room_layout,segmentsemantic,normal,autoencoder\n"
    cases = {
        "missing_column.csv": "arch_str,class_scene\n64-41414-0_00_000,1\n",
        "bad_arch.csv": header + "64-41414-0_00_00,1,2,3,4,5,6,7\n",
        "bad_value.csv": header + "64-41414-0_00_000,x,2,3,4,5,6,7\n",
        "duplicate.csv": header + "64-41414-0_00_000,1,2,3,4,5,6,7\n" * 2,
        "empty.csv": header,
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(DataError, match=f"corrupt TransNAS-Bench-101 micro table .*{name}"):
            load_table(path)


def test_registered_and_listed_without_torch():
    import subprocess
    import sys

    code = ("import sys, nasplug; r = nasplug.get_registry(); "
            "print(r.get('benchmarks', 'transbench101_micro').tasks, "
            "sorted(set(r.names('datasets')) & set(r.get('search_spaces', 'transbench101_micro').datasets)), "
            "'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "False" in out.split()[-1]
    assert out.count("class_scene") == 2 and "autoencoder" in out
