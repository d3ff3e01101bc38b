"""The NAS-Bench-301 benchmark on the real table, and the evaluator's path through it."""

from __future__ import annotations

import importlib.util
import json
import random

import pytest

from nasplug.errors import DataError, MetricNotAvailableError, NasplugError
from nasplug.metrics import Metric
from nasplug_nb301 import encoding as enc
from nasplug_nb301.benchmark import NasBench301Benchmark
from nasplug_nb301.surrogate import SURROGATE_ENV

HAS_NASBENCH301 = importlib.util.find_spec("nasbench301") is not None


@pytest.fixture
def bench(nb301_data_dir, monkeypatch):
    monkeypatch.delenv(SURROGATE_ENV, raising=False)
    return NasBench301Benchmark("cifar10", data_dir=nb301_data_dir)


def test_labelled_cells_and_values(bench, nb301_rows):
    assert len(bench) == 1218 == len(nb301_rows)
    assert bench.architectures() == [text for text, _ in nb301_rows]
    assert bench.metrics == (Metric.VAL_ACCURACY,) and bench.default_metric is Metric.VAL_ACCURACY
    for text, acc in nb301_rows[:50] + nb301_rows[-50:]:
        assert bench.query(text) == acc
    # any representation, and either order of a node's two inputs
    text, acc = nb301_rows[244]  # line 246
    compact = enc.parse_arch_string(text)
    swapped = tuple(tuple(p for k in range(0, 8, 2) for p in (c[k + 1], c[k])) for c in compact)
    for spec in (compact, swapped, enc.compact_to_genotype(compact), enc.compact_to_config(compact),
                 enc.compact_to_str(swapped)):
        assert bench.query(spec, Metric.VAL_ACCURACY) == acc == 93.9011
    assert bench.query(text, "val_accuracy", dataset="cifar10") == acc


def test_architectures_is_a_copy_and_samples_are_reproducible(bench):
    archs = bench.architectures()
    archs.clear()
    assert len(bench.architectures()) == 1218
    a, b = bench.sample(20, seed=3), bench.sample(20, seed=3)
    assert a == b and len(set(a)) == 20 and set(a) <= set(bench.architectures())
    with pytest.raises(NasplugError, match="larger than the 1218"):
        bench.sample(5000)


def test_unlabelled_cell_without_surrogate_says_what_is_missing(bench):
    unlabelled = enc.compact_to_str(enc.random_compact(random.Random(123)))
    assert not bench.is_labelled(unlabelled)
    with pytest.raises(DataError) as info:
        bench.query(unlabelled)
    text = str(info.value)
    for needed in ("not one of the 1218 labelled cells", "pip install nasbench301", "surrogate_model.model",
                   "xgb_v1.0", SURROGATE_ENV):
        assert needed in text
    with pytest.raises(DataError):
        bench.query(bench.architectures()[0], surrogate=True)


def test_surrogate_setting_reports_missing_files_and_package(nb301_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv(SURROGATE_ENV, str(tmp_path / "models"))
    bench = NasBench301Benchmark("cifar10", data_dir=nb301_data_dir)
    unlabelled = enc.random_compact(random.Random(5))
    with pytest.raises(DataError, match="does not exist") as info:
        bench.query(unlabelled)
    assert ("the Python package 'nasbench301'" in str(info.value)) == (not HAS_NASBENCH301)
    # an ensemble folder with one complete member: only the package can be missing
    member = tmp_path / "models" / "xgb_v1.0" / "surrogate_model_1"
    member.mkdir(parents=True)
    (member / "surrogate_model.model").write_bytes(b"")
    (member / "data_config.json").write_text("{}")
    missing = bench.surrogate.missing()
    assert any("model_config.json" in m for m in missing)
    (member / "model_config.json").write_text("{}")
    missing = bench.surrogate.missing()
    if HAS_NASBENCH301:
        assert missing == []
    else:
        assert len(missing) == 1 and "pip install nasbench301" in missing[0]
        with pytest.raises(DataError, match="missing the Python package 'nasbench301'"):
            bench.query(unlabelled)
    # labelled cells still come from the table
    assert bench.query(bench.architectures()[0]) == bench._labels[enc.normalize_compact(
        enc.parse_arch_string(bench.architectures()[0]))]


def test_other_metrics_tasks_and_bad_input(bench):
    arch = bench.architectures()[0]
    with pytest.raises(MetricNotAvailableError, match="validation accuracy only"):
        bench.query(arch, Metric.TEST_ACCURACY)
    with pytest.raises(NasplugError, match="no dataset 'cifar100'"):
        bench.query(arch, dataset="cifar100")
    with pytest.raises(NasplugError, match="no task"):
        NasBench301Benchmark("cifar100")
    with pytest.raises(NasplugError, match="must precede"):
        bench.query("[[(0, 0), (3, 1), (0, 0), (1, 0), (0, 0), (1, 0), (0, 0), (1, 0)], "
                    "[(0, 0), (1, 0), (0, 0), (1, 0), (0, 0), (1, 0), (0, 0), (1, 0)]]")


def test_missing_and_corrupt_tables(tmp_path, nb301_rows, monkeypatch):
    packaged = NasBench301Benchmark("cifar10", data_dir=tmp_path)  # no user file: the packaged table
    assert packaged.table_source.packaged and len(packaged) == 1218 and packaged.table_path is None
    text, acc = nb301_rows[0]
    assert packaged.query(text) == pytest.approx(float(acc))
    from nasplug_nb301 import benchmark

    with monkeypatch.context() as m:
        m.setattr(benchmark, "PACKAGE", "nasplug_nb301_without_data")
        with pytest.raises(DataError, match="nb301_labeled.csv"):
            NasBench301Benchmark("cifar10", data_dir=tmp_path)
    (tmp_path / "benchmarks").mkdir()
    table = tmp_path / "benchmarks" / "nb301_labeled.csv"
    table.write_text("compact,cifar10_val_acc\n\"[[(0, 0)]]\",93.1\n")
    with pytest.raises(DataError, match="corrupt NAS-Bench-301 table.*line 2"):
        NasBench301Benchmark("cifar10", data_dir=tmp_path)
    text, acc = nb301_rows[0]
    table.write_text(f"compact,cifar10_val_acc\n\"{text}\",{acc}\n\"{text}\",{acc}\n")
    with pytest.raises(DataError, match="appears twice"):
        NasBench301Benchmark("cifar10", data_dir=tmp_path)


def test_naslib_zero_cost_file_alone_is_enough(tmp_path, nb301_rows):
    # NASLib's zc_nasbench301.json layout, filled with real rows of the table
    rows = nb301_rows[:3]
    data = {"nasbench301": {"cifar10": {text: {"params": 1.0, "val_accuracy": acc} for text, acc in rows}}}
    (tmp_path / "naslib").mkdir()
    (tmp_path / "naslib" / "zc_nasbench301.json").write_text(json.dumps(data))
    bench = NasBench301Benchmark("cifar10", data_dir=tmp_path)
    assert bench.architectures() == [text for text, _ in rows]
    assert [bench.query(text) for text, _ in rows] == [acc for _, acc in rows]
    assert bench.zero_cost_scores(rows[1][0])["params"] == 1.0


def test_registered_plugin_and_the_evaluator_path(nb301_data_dir, monkeypatch):
    import torch

    import nasplug

    monkeypatch.delenv(SURROGATE_ENV, raising=False)
    registry = nasplug.get_registry()
    assert registry.entry("search_spaces", "nasbench301").distribution == "nasplug-nb301"
    api = nasplug.get_dataset_api("nasbench301", "cifar10", data_dir=nb301_data_dir)
    ss = nasplug.get_search_space("nasbench301", "cifar10")
    assert ss.num_classes == 10 and ss.C == 32
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for text in api.sample(2, seed=0):
            g = ss.clone()
            g.set_spec(text)
            g.parse()
            assert g(torch.randn(1, 3, 32, 32)).shape == (1, 10)
            assert g.query(Metric.VAL_ACCURACY, dataset="cifar10", dataset_api=api) == api.query(text)
    finally:
        torch.set_num_threads(threads)
    assert ss.compact is None and ss.network is None
    g = ss.clone()
    g.sample_random_architecture(dataset_api=api, seed=9, load_labeled=True)
    assert api.is_labelled(g) and g.get_arch_string() in api.architectures()
    assert nasplug.get_search_space("nasbench301", "cifar10", C=16).C == 16
