"""Parameter and FLOP counts: NASLib's numbers, from real networks, and the generic counter."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
import torch
from torch import nn

from nasplug.counting import count_flops, count_parameters, model_stats
from nasplug_nb201 import NasBench201SearchSpace

torch.set_num_threads(1)

#: every cell and dataset of the sample file (491 x 3) is checked, about a minute here;
#: NASPLUG_NB201_QUICK_COUNTS=1 checks only this many seeded cells per dataset
#: (benchmarks/bench_nb201.py --check-counts does the full check outside pytest).
SUBSET = 25


def _sample_file() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    for base in ([Path(env)] if env else []) + [Path(__file__).resolve().parents[3] / ".." / "shared" / "data"]:
        path = base / "naslib" / "zc_nasbench201_sample.json"
        if path.is_file():
            return path
    pytest.skip("no zc_nasbench201_sample.json (set NASPLUG_DATA)")


def _entries():
    data = json.loads(_sample_file().read_text())["nasbench201"]
    out = []
    for dataset in ("cifar10", "cifar100", "ImageNet16-120"):
        keys = sorted(data[dataset])
        if os.environ.get("NASPLUG_NB201_QUICK_COUNTS"):
            keys = random.Random(dataset).sample(keys, SUBSET)
            if dataset == "cifar100":
                keys.append("(4, 3, 3, 3, 2, 3)")  # the issue's example
        out += [(dataset, k, data[dataset][k]["params"], data[dataset][k]["flops"]) for k in keys]
    return out


@pytest.fixture(scope="module")
def spaces():
    return {d: NasBench201SearchSpace(dataset=d) for d in ("cifar10", "cifar100", "ImageNet16-120")}


def test_issue_example(spaces):
    g = spaces["cifar100"].build((4, 3, 3, 3, 2, 3))
    assert count_parameters(g) == pytest.approx(0.434196, abs=1e-12)
    assert count_flops(g, (1, 3, 32, 32)) == pytest.approx(62.508352, abs=1e-12)


def test_params_and_flops_equal_naslib(spaces):
    mismatches = []
    for dataset, key, params, flops in _entries():
        ss = spaces[dataset]
        g = ss.build(key)
        stats = model_stats(g, (1, *ss.input_shape), static=False)  # a real forward pass
        if model_stats(g, (1, *ss.input_shape)) != stats:  # the structural count (static_stats)
            mismatches.append((dataset, key, "static_stats differs", model_stats(g, (1, *ss.input_shape)), stats))
        got = (stats["params"] / 1e6, stats["flops"] / 1e6)
        # NASLib stores params/1e6 and flops/1e6 as floats: integers counts must agree exactly
        if round(got[0] * 1e6) != round(params * 1e6) or round(got[1] * 1e6) != round(flops * 1e6):
            mismatches.append((dataset, key, got, (params, flops)))
        assert count_parameters(g) == stats["params"] / 1e6
    assert not mismatches, mismatches[:5]


def test_static_stats_only_for_what_it_can_count(spaces):
    ss = spaces["cifar10"]
    g = ss.build((2, 3, 4, 0, 1, 3))
    assert g.static_stats((1, 3, 32, 32)) == model_stats(g, (1, 3, 32, 32), static=False)
    assert g.static_stats((1, 3, 16, 16)) is None  # another input size: counted by a forward pass
    assert model_stats(g, (1, 3, 16, 16)) == model_stats(g, (1, 3, 16, 16), static=False)
    assert ss.static_stats((1, 3, 32, 32)) is None  # nothing chosen or parsed yet
    g.edges[2, 3]["op"].edge_1_2 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.Dropout())
    g.edges[2, 3]["op"]._ops[0] = g.edges[2, 3]["op"].edge_1_2
    assert g.static_stats((1, 3, 32, 32)) is None  # a layer whose shape rule it does not know


def test_counts_do_not_run_the_network(spaces):
    g = spaces["ImageNet16-120"].build((3, 2, 4, 0, 1, 2))
    calls = []
    g.register_forward_pre_hook(lambda module, args: calls.append(module))
    expected = model_stats(g, (1, 3, 16, 16), static=False)
    assert len(calls) == 1  # the reference count runs one forward pass
    assert count_flops(g, torch.zeros(4, 3, 16, 16)) == expected["flops"] / 1e6
    assert count_parameters(g, (1, 3, 16, 16)) == expected["params"] / 1e6
    assert len(calls) == 1  # the structural count runs none


def test_counting_leaves_the_model_as_it_was(spaces):
    g = spaces["cifar10"].build((2, 3, 4, 0, 2, 3))
    g.train()
    state = {k: v.clone() for k, v in g.state_dict().items()}
    count_flops(g, torch.randn(8, 3, 32, 32))
    assert g.training and all(m.training for m in g.modules())
    assert all(torch.equal(state[k], v) for k, v in g.state_dict().items())
    assert all(p.grad is None for p in g.parameters())
    assert not any(m._forward_hooks for m in g.modules())


class _Scaled(nn.Module):
    """A non-leaf module owning a parameter: tensorwatch (and so NASLib) ignores it."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Identity()
        self.scale = nn.Parameter(torch.ones(7))

    def forward(self, x):
        return self.inner(x)


class _Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=True)
        self.bn = nn.BatchNorm2d(4, affine=False)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2)
        self.gap = nn.AdaptiveAvgPool2d(2)
        self.scaled = _Scaled()
        self.fc = nn.Linear(16, 5)
        self.unused = nn.Linear(3, 3)

    def forward(self, x):
        x = self.pool(self.relu(self.bn(self.conv(x))))
        x = self.gap(self.scaled(self.up(x)))
        return self.fc(x.flatten(1))


def test_generic_counter_rules():
    model = _Toy()
    # conv 9*3*4*64 + bias 4*64; bn 256; relu 256; maxpool 4*16*4; upsample 8*8 (per image, no channels);
    # adaptive pool 4 planes * 4 windows * (4+1)*(4+1); linear 16*5
    expected_flops = 6912 + 256 + 256 + 256 + 256 + 64 + 400 + 80
    stats = model_stats(model, (5, 3, 8, 8))  # batch is set to 1, as NASLib does
    assert stats == {"params": 112 + 85, "flops": expected_flops}
    assert count_flops(model, torch.randn(2, 3, 8, 8)) == expected_flops / 1e6
    assert count_parameters(model, (1, 3, 8, 8)) == 197 / 1e6  # only leaves that ran
    assert count_parameters(model) == (112 + 85 + 12) / 1e6  # every leaf's own parameters
