"""flops: NASLib's published MFLOPs for real NAS-Bench-201 cells, through the predictor itself."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
import torch

import nasplug
from nasplug.counting import count_flops
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_flops import FlopsPredictor

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


def test_flops_equal_naslib_on_nasbench201():
    data = naslib_sample()
    try:
        spaces = {d: nasplug.get_search_space("nasbench201", dataset=d) for d in DATASETS}
    except nasplug.NasplugError as exc:
        pytest.skip(f"nasbench201 not installed: {exc}")
    predictor = FlopsPredictor()
    mismatches = []
    for dataset in DATASETS:
        keys = sorted(data[dataset])
        if not os.environ.get("NASPLUG_FULL_COUNTS"):
            keys = random.Random(f"flops-{dataset}").sample(keys, SUBSET)
        for key in keys:
            graph = spaces[dataset].clone()
            graph.set_spec(key)
            graph.parse()
            # the loader's batch only gives the input shape (NASLib uses batch size 1)
            inputs = torch.zeros(8, *spaces[dataset].input_shape)
            got = predictor.query(graph, [(inputs, torch.zeros(8, dtype=torch.long))])
            if got != data[dataset][key]["flops"]:
                mismatches.append((dataset, key, got, data[dataset][key]["flops"]))
    assert not mismatches, mismatches[:5]


def test_flops_is_the_core_count_for_one_sample_in_mflops():
    model, batch = tiny_classifier(), tiny_batch(n=8)
    expected = count_flops(model, (1, 3, 8, 8))
    assert expected > 0
    assert FlopsPredictor().query(model, [batch]) == expected
    model.input_shape = (3, 8, 8)  # data-free: the model's declared input shape
    assert FlopsPredictor().query(model) == expected


def test_flops_contract_and_metadata():
    pred = FlopsPredictor()
    assert pred.name == pred.method_type == "flops" and not pred.requires_data
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))


def test_flops_without_any_shape_is_a_data_error():
    with pytest.raises(nasplug.DataError, match="input shape"):
        FlopsPredictor().query(tiny_classifier())
