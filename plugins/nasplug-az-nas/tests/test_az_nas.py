"""az_nas: components against the authors' algorithm, the rank aggregation, and the population contract."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from scipy.stats import rankdata
from torch import nn

import nasplug
from nasplug.errors import NasplugError
from nasplug.population import CellOutcome, PopulationContext, cell_components, score_population
from nasplug.zerocost.conformance import tiny_batch
from nasplug_az_nas import AzNasPredictor, rank_aggregate
from nasplug_az_nas import components as C
from nasplug_az_nas.predictor import kaiming_init, stage_modules


class Staged(nn.Module):
    """stem -> stages (one of them strided) -> head: AZ-NAS's features are the stem's and each stage's."""

    def __init__(self, seed: int = 0, identity_stage: bool = False):
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            self.stem = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6))
            self.stages = nn.ModuleList([
                nn.Sequential(nn.ReLU(), nn.Conv2d(6, 6, 3, padding=1), nn.BatchNorm2d(6)),
                nn.Identity() if identity_stage else nn.Sequential(nn.ReLU(), nn.Conv2d(6, 6, 1), nn.BatchNorm2d(6)),
                nn.Sequential(nn.ReLU(), nn.Conv2d(6, 12, 3, stride=2, padding=1), nn.BatchNorm2d(12)),
            ])
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(12, 10))

    def forward(self, x):
        x = self.stem(x)
        for s in self.stages:
            x = s(x)
        return self.head(x)


def reference_components(model: nn.Module, batch) -> dict:
    """The authors' compute_nas_score (NB201), step by step, with the engine's RNG order."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        net = copy.deepcopy(model).train()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.track_running_stats = False
                m.running_mean = m.running_var = None
        kaiming_init(net)
        x = torch.randn(batch[0].shape)
        feats = [net.stem(x)]
        for s in net.stages:
            feats.append(s(feats[-1]))
        scores = []
        for f in feats:
            b, c, h, w = f.size()
            f2 = f.detach().double().permute(0, 2, 3, 1).reshape(b * h * w, c)
            f2 = f2 - f2.mean(dim=0, keepdim=True)
            s = torch.linalg.eigvalsh(f2.T @ f2 / f2.size(0))
            p = s / s.sum()
            scores.append(float((-p * torch.log(p + 1e-8)).sum()))
        scores = np.array(scores)
        tr = []
        for i in reversed(range(1, len(feats))):
            g_out = (torch.bernoulli(torch.ones_like(feats[i]) * 0.5) - 0.5) * 2
            g_in = torch.autograd.grad(feats[i], feats[i - 1], g_out, retain_graph=True)[0]
            if g_out.size() == g_in.size() and torch.all(g_in == g_out):
                tr.append(-np.inf)
                continue
            if g_out.size(2) != g_in.size(2):
                g_in = nn.PixelUnshuffle(g_in.size(2) // g_out.size(2))(g_in)
            bo, co, ho, wo = g_out.size()
            mat = g_in.double().permute(0, 2, 3, 1).reshape(-1, g_in.size(1)).T @ \
                g_out.double().permute(0, 2, 3, 1).reshape(-1, co) / (bo * ho * wo)
            smax = torch.linalg.svdvals(mat).max().item()
            tr.append(-smax - 1 / (smax + 1e-6) + 2)
    return {"expressivity": float(scores.sum()), "progressivity": float(np.min(scores[1:] - scores[:-1])),
            "trainability": float(np.mean(tr))}


def test_components_match_the_authors_algorithm():
    model, batch = Staged(), tiny_batch(n=8, size=8)
    got = AzNasPredictor().query_components(model, [batch])
    expected = reference_components(model, batch)
    for name in ("expressivity", "progressivity", "trainability"):
        assert got[name] == pytest.approx(expected[name], rel=1e-6, abs=1e-9), name
    flops = nasplug.counting.model_stats(model, (1, 3, 8, 8))["flops"]
    assert got["complexity"] == float(flops) > 0


def test_an_identity_stage_ranks_last_in_trainability():
    got = AzNasPredictor().query_components(Staged(identity_stage=True), [tiny_batch(n=8, size=8)])
    assert got["trainability"] == C.IDENTITY_TRAINABILITY
    assert math.isinf(reference_components(Staged(identity_stage=True), tiny_batch(n=8, size=8))["trainability"])


def test_stage_modules_of_nasbench201_are_the_authors_cell_features():
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    net = space.build("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|")
    seen = []
    handles = [m.register_forward_hook(lambda m, a, o: seen.append(o.dim())) for m in stage_modules(net)]
    with torch.no_grad():
        net(torch.randn(2, 3, 32, 32))
    for h in handles:
        h.remove()
    assert seen.count(4) == 18  # stem + 15 cells + 2 residual blocks; the head's output is 2-D


def test_rank_aggregate_is_sum_of_log_rank_over_n():
    m = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 1.0], [0.5, 2.0]])
    expected = [sum(math.log(rankdata(m[:, j])[i] / 4) for j in range(2)) for i in range(4)]
    assert rank_aggregate(m) == pytest.approx(expected)
    assert max(rank_aggregate(m)) <= 0
    # the log punishes one bad rank more than a good one rewards: (4, 1) loses to (2.5, 2.5)
    balanced = rank_aggregate([[4, 1], [2.5, 2.5], [1, 4], [2, 2]])
    assert balanced[1] > balanced[0]
    with pytest.raises(ValueError):
        rank_aggregate(np.zeros((0, 4)))


def test_population_contract_end_to_end():
    """Components per cell (through cell_components), combined once over the evaluated set."""
    predictor = AzNasPredictor()
    models = {f"cell{i}": Staged(seed=i) for i in range(5)}
    models["cell5"] = Staged(seed=5, identity_stage=True)
    batch = [tiny_batch(n=8, size=8)]
    calls = []

    def scorer(pred, cells):
        out = {}
        for c in cells:
            calls.append(c)
            try:
                out[c] = CellOutcome(components=cell_components(pred, models[c], batch))
            except NasplugError as exc:
                out[c] = CellOutcome(error=str(exc))
        return out

    context = PopulationContext(search_space="toy", dataset="toy")
    result = score_population(predictor, context, list(models), scorer)
    assert sorted(calls) == sorted(models) and not result.errors
    comps = [predictor.query_components(models[c], batch) for c in models]
    expected = rank_aggregate([[p[n] for n in C_NAMES] for p in comps])
    assert [result.scores[c] for c in models] == pytest.approx(expected)
    with pytest.raises(NasplugError, match="population"):
        predictor.query(models["cell0"], batch)


C_NAMES = ("expressivity", "progressivity", "trainability", "complexity")


def test_options_and_errors():
    real = AzNasPredictor(inputs="batch", init=None).query_components(Staged(), [tiny_batch(n=8, size=8)])
    default = AzNasPredictor().query_components(Staged(), [tiny_batch(n=8, size=8)])
    assert real["complexity"] == default["complexity"] and real["expressivity"] != default["expressivity"]
    with pytest.raises(NasplugError):
        AzNasPredictor(inputs="noise")
    with pytest.raises(NasplugError):
        AzNasPredictor(init="xavier")

    class Flat(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3 * 8 * 8, 10)

        def forward(self, x):
            return self.fc(x.flatten(1))

    with pytest.raises(NasplugError, match="at least 2"):
        AzNasPredictor().query_components(Flat(), [tiny_batch(n=8, size=8)])


def test_an_upsampling_stage_is_scored():
    """Dense-prediction decoders upsample: the output's gradient is unshuffled to the input's size."""
    g_in = torch.ones(2, 4, 4, 4)
    g_out = torch.ones(2, 3, 8, 8)
    value = C.pair_trainability(g_in, g_out)
    assert value is not None and math.isfinite(value)
