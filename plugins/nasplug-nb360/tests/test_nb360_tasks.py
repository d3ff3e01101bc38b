"""The nine tasks on nasbench201 / nasbench301 / transbench101_micro: ground truth, networks, counts.

Reference numbers: NASLib's own ``params`` (millions) and ``flops`` (MFLOPs) for
these tasks, from NAS-Bench-Suite-Zero's result files (NASLib ``zerocost``
branch, ``run/results/benchmarks/9x_all.zip``: ``params/`` and ``flops/``
``benchmark--<space>--<task>--0.json``), keyed by NASLib's encoding as written
there (for transbench101_micro: NASLib's graph op-index tuple).

Why the counts differ per task for the same cell: the stem reads 1 input
channel on ninapro instead of 3 (NB201: 2 x 9 x 16 = 288 weights fewer), the
head has 18 / 100 outputs instead of 10 (NB201: (18 - 10) x 65 = 520 more on
ninapro), and FLOPs scale with the input area: 16 x 52 = 832 pixels on ninapro
and 60 x 60 = 3,600 on scifar100 against 1,024 on svhn (e.g. NB201 (3, 3, 3, 0,
1, 4): 17.90 / 78.47 / 22.32 MFLOPs).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
import torch

import nasplug
from nasplug.counting import count_flops, count_parameters
from nasplug.metrics import Metric
from nasplug_nb360.tasks import TASKS
from nasplug_tnb101.nb360 import digits_to_naslib_graph, naslib_graph_to_digits

torch.set_num_threads(1)

SPACES = ("nasbench201", "nasbench301", "transbench101_micro")
LABELLED = {"nasbench201": 199, "nasbench301": 199, "transbench101_micro": 192}

NB301_A = ("(((0, 5), (1, 3), (1, 5), (2, 0), (1, 5), (2, 1), (0, 5), (4, 4)), "
           "((0, 4), (1, 0), (0, 5), (2, 5), (0, 2), (3, 1), (2, 3), (4, 1)))")
NB301_B = ("(((1, 5), (0, 4), (0, 2), (1, 3), (3, 0), (2, 5), (3, 3), (1, 5)), "
           "((1, 3), (0, 1), (2, 5), (1, 1), (0, 1), (3, 0), (0, 4), (4, 6)))")
#: (space/task, NASLib's architecture key, NASLib params (M), NASLib flops (MFLOPs))
NASLIB_COUNTS = [
    ("nasbench201/svhn", "(3, 3, 3, 0, 1, 4)", 0.157306, 22.320832),
    ("nasbench201/svhn", "(0, 3, 1, 4, 2, 1)", 0.344346, 49.415872),
    ("nasbench201/ninapro", "(3, 3, 3, 0, 1, 4)", 0.157538, 17.89696),
    ("nasbench201/ninapro", "(0, 3, 1, 4, 2, 1)", 0.344578, 39.91168),
    ("nasbench201/scifar100", "(3, 3, 3, 0, 1, 4)", 0.163156, 78.473984),
    ("nasbench201/scifar100", "(0, 3, 1, 4, 2, 1)", 0.350196, 173.729984),
    ("nasbench301/svhn", NB301_A, 0.942954, 166.09024),
    ("nasbench301/svhn", NB301_B, 0.972586, 170.915328),
    ("nasbench301/ninapro", NB301_A, 0.94533, 133.517824),
    ("nasbench301/scifar100", NB301_B, 1.018756, 600.892672),
    ("transbench101_micro/svhn", "(0, 3, 1, 0, 2, 3)", 2.173258, 280.419072),
    ("transbench101_micro/svhn", "(3, 2, 1, 2, 3, 0)", 3.535178, 465.361664),
    ("transbench101_micro/ninapro", "(0, 3, 1, 0, 2, 3)", 2.174162, 226.885632),
    ("transbench101_micro/ninapro", "(3, 2, 1, 2, 3, 0)", 3.536082, 377.151488),
    ("transbench101_micro/scifar100", "(0, 3, 1, 0, 2, 3)", 2.196388, 985.857536),
    ("transbench101_micro/scifar100", "(3, 2, 1, 2, 3, 0)", 3.558308, 1636.046336),
]


def _shared_table() -> Path | None:
    env = os.environ.get("NASPLUG_DATA")
    for base in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[3] / ".." / "shared" / "data"]:
        path = base / "benchmarks" / "suite_zero_extra.csv"
        if path.is_file():
            return path
    return None


def _spec(space: str, naslib_key: str):
    """NASLib's key as this project's spec (TNB: NASLib graph tuple -> official digits)."""
    return naslib_graph_to_digits(naslib_key) if space == "transbench101_micro" else naslib_key


@pytest.mark.parametrize("space", SPACES)
def test_listed_tasks_and_networks(space):
    registry = nasplug.get_registry()
    for kind in ("search_spaces", "benchmarks"):
        entry = registry.get(kind, space)
        names = getattr(entry, "datasets" if kind == "search_spaces" else "tasks")
        assert set(TASKS) <= set(names)
    for task, spec in TASKS.items():
        ss = nasplug.get_search_space(space, dataset=task)
        assert tuple(ss.input_shape) == spec.input_shape and ss.num_classes == spec.num_classes
        api = nasplug.get_dataset_api(space, task)
        g = ss.clone()
        g.set_spec(api.architectures()[0])
        g.parse()
        out = g(torch.randn(2, *spec.input_shape))
        assert out.shape == (2, spec.num_classes)


@pytest.mark.parametrize("space", SPACES)
def test_ground_truth_is_the_table_labelled_cells_only(space):
    for task in TASKS:
        api = nasplug.get_dataset_api(space, task)
        archs = api.architectures()
        assert len(archs) == len(set(archs)) == LABELLED[space] == len(api)
        assert api.metrics == (Metric.VAL_ACCURACY,) and api.default_metric is Metric.VAL_ACCURACY
        sample = api.sample(20, seed=1)
        assert set(sample) <= set(archs) and sample == api.sample(20, seed=1)
        with pytest.raises(nasplug.NasplugError, match="larger than the"):
            api.sample(LABELLED[space] + 1)
        with pytest.raises(nasplug.errors.MetricNotAvailableError):
            api.query(archs[0], Metric.TEST_ACCURACY)


def test_every_row_of_the_shared_table_is_answered():
    path = _shared_table()
    if path is None:
        pytest.skip("no ../shared/data/benchmarks/suite_zero_extra.csv (set NASPLUG_DATA)")
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1770
    for row in rows:
        space, task = row["search_space"], row["task"]
        api = nasplug.get_dataset_api(space, task)  # packaged copy
        assert api.query(_spec(space, row["naslib_arch"])) == float(row["val_accuracy"])
        user = nasplug.get_dataset_api(space, task, data_dir=path.parents[1])  # the user's file
        assert user.query(_spec(space, row["naslib_arch"])) == float(row["val_accuracy"])


def test_unlabelled_cell_and_other_task_are_clear_errors():
    api = nasplug.get_dataset_api("nasbench201", "svhn")
    unlabelled = next(a for a in nasplug.get_dataset_api("nasbench201", "cifar10").architectures()
                      if a not in set(api.architectures()))
    with pytest.raises(nasplug.errors.DataError, match="not one of the 199 architectures"):
        api.query(unlabelled)
    with pytest.raises(nasplug.NasplugError, match="get_dataset_api"):
        api.query(api.architectures()[0], dataset="ninapro")


@pytest.mark.parametrize("task_key, naslib_key, params, flops", NASLIB_COUNTS)
def test_params_and_flops_equal_naslibs(task_key, naslib_key, params, flops):
    space, task = task_key.split("/")
    ss = nasplug.get_search_space(space, dataset=task)
    g = ss.clone()
    g.set_spec(_spec(space, naslib_key))
    g.parse()
    assert count_parameters(g) == pytest.approx(params, abs=1e-9)
    assert count_flops(g, (1, *ss.input_shape)) == pytest.approx(flops, abs=1e-9)


def test_tnb_table_tuples_are_naslib_graph_encoded():
    """Read as official digits, NASLib's tuple would give other networks (counts differ) and put
    the chance-level cells on ordinary architectures; read as NASLib's graph tuple, the two
    chance-level cells of every task are exactly the two whose output is cut off."""
    ss = nasplug.get_search_space("transbench101_micro", dataset="svhn")
    g = ss.clone()
    g.set_spec((0, 3, 1, 0, 2, 3))  # the NASLib key taken as digits: wrong
    assert count_parameters(g) != pytest.approx(2.173258, abs=1e-6)
    assert digits_to_naslib_graph(naslib_graph_to_digits((0, 3, 1, 0, 2, 3))) == (0, 3, 1, 0, 2, 3)
    from nasplug_tnb101.encoding import EDGES, parse_arch

    def cut_off(arch) -> bool:  # no path of non-zero edges from the cell input to its output
        live = {0}
        for (u, v), digit in sorted(zip(EDGES, parse_arch(arch)), key=lambda e: e[0][1]):
            if u in live and digit != 0:
                live.add(v)
        return 3 not in live

    for task in TASKS:
        api = nasplug.get_dataset_api("transbench101_micro", task)
        floor = min(api.query(a) for a in api.architectures())
        at_floor = {a for a in api.architectures() if api.query(a) == floor}
        assert len(at_floor) == 2
        assert {a for a in api.architectures() if cut_off(a)} == at_floor
    for arch in at_floor:  # and their networks' output does not depend on the input
        net = ss.clone()
        net.set_spec(arch)
        net.parse()
        net.eval()
        out = net(torch.randn(3, 3, 32, 32))
        assert torch.allclose(out, out[:1].expand_as(out))


def test_nasplug_list_and_eval_show_the_tasks(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from nasplug.cli import cli

    listed = json.loads(CliRunner().invoke(cli, ["list", "--json"], catch_exceptions=False).stdout)
    for kind, field in (("search_spaces", "datasets"), ("benchmarks", "tasks")):
        for entry in listed[kind]:
            if entry["name"] in SPACES:
                assert set(TASKS) <= set(entry[field]), entry
    assert {d["name"]: d["distribution"] for d in listed["datasets"]}["ninapro"] == "nasplug-nb360"
    # no images of these data sets here: the data-free proxy runs on the input shape
    monkeypatch.setenv("NASPLUG_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "r.json"
    res = CliRunner().invoke(cli, ["eval", "--predictor", "params", "--benchmark", "nasbench201/ninapro",
                                   "--test-size", "6", "--data-dir", str(tmp_path), "--output", str(out)],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "nasbench201/ninapro" in res.stdout and "1x16x52" in res.stdout
    summary = json.loads(out.read_text())["summary"][0]
    assert summary["task"] == "nasbench201/ninapro" and summary["n_scored"] == 6
