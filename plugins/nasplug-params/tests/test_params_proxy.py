"""params: NASLib's published parameter counts (millions) for real NAS-Bench-201 cells,
through the predictor itself."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

import nasplug
from nasplug.counting import count_parameters
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_params import ParamsPredictor

#: cells per dataset checked by default; NASPLUG_FULL_COUNTS=1 checks all 491 x 3
#: (benchmarks/bench_proxies.py --check-counts does too)
SUBSET = 15
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


def naslib_sample() -> dict:
    env = os.environ.get("NASPLUG_DATA")
    for base in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[3].parent / "shared" / "data"]:
        path = base / "naslib" / "zc_nasbench201_sample.json"
        if path.is_file():
            return json.loads(path.read_text())["nasbench201"]
    pytest.skip("no naslib/zc_nasbench201_sample.json (set NASPLUG_DATA)")


def test_params_equal_naslib_on_nasbench201():
    data = naslib_sample()
    try:
        spaces = {d: nasplug.get_search_space("nasbench201", dataset=d) for d in DATASETS}
    except nasplug.NasplugError as exc:
        pytest.skip(f"nasbench201 not installed: {exc}")
    predictor = ParamsPredictor()
    mismatches = []
    for dataset in DATASETS:
        keys = sorted(data[dataset])
        if not os.environ.get("NASPLUG_FULL_COUNTS"):
            keys = random.Random(f"params-{dataset}").sample(keys, SUBSET)
        for key in keys:
            graph = spaces[dataset].clone()
            graph.set_spec(key)
            graph.parse()
            got = predictor.query(graph)  # data-free
            if got != data[dataset][key]["params"]:
                mismatches.append((dataset, key, got, data[dataset][key]["params"]))
    assert not mismatches, mismatches[:5]


def test_params_is_the_core_count_in_millions():
    model = tiny_classifier()
    expected = count_parameters(model)
    assert expected == sum(p.numel() for p in model.parameters()) / 1e6
    assert ParamsPredictor().query(model) == expected
    assert ParamsPredictor().query(model, [tiny_batch()]) == expected


def test_params_contract_and_metadata():
    pred = ParamsPredictor()
    assert pred.name == pred.method_type == "params" and not pred.requires_data
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))
