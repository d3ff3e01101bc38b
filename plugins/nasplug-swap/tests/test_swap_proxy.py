"""swap against the authors' computation (sign of every ReLU output, unique columns), options, contract."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from nasplug.errors import DataError
from nasplug.zerocost.conformance import check_proxy, tiny_batch, tiny_classifier
from nasplug_swap import SwapPredictor
from nasplug_swap.predictor import count_patterns, gaussian_init, pack_patterns, regular_factor


def reference_swap(model: nn.Module, x: torch.Tensor) -> int:
    """The authors' SWAP.forward: ReLU outputs (4-D inputs) -> sign -> (units, samples) -> unique rows."""
    net = copy.deepcopy(model).train()
    feats = []

    def hook(module, inp, out):
        if len(inp[0].size()) == 4:
            feats.append(out.detach())

    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(hook)
    with torch.no_grad():
        net(x)
    acts = torch.cat([f.view(x.size(0), -1) for f in feats], 1)
    return int(torch.unique(torch.sign(acts).T, dim=0).size(0))


def test_swap_matches_the_authors_computation():
    model, batch = tiny_classifier(), tiny_batch(n=8)
    expected = reference_swap(model, batch[0])
    assert expected > 1
    assert SwapPredictor().query(model, [batch]) == expected


@pytest.mark.parametrize("samples", [3, 16, 62, 63, 130])
def test_packed_patterns_count_like_unique_columns(samples):
    gen = torch.Generator().manual_seed(samples)
    active = torch.rand(samples, 3000, generator=gen) > 0.8
    expected = torch.unique(active.T.to(torch.int8), dim=0).shape[0]
    assert count_patterns(pack_patterns(active)) == expected


def test_regularised_swap_is_the_authors_factor():
    model, batch = tiny_classifier(), tiny_batch(n=8)
    raw = SwapPredictor().query(model, [batch])
    params = sum(p.numel() for p in model.parameters())
    mu, sigma = 0.5, 2.0
    assert regular_factor(params, mu, sigma) == pytest.approx(math.exp(-((params / 1e3 - mu) ** 2) / sigma))
    assert SwapPredictor(mu=mu, sigma=sigma).query(model, [batch]) == pytest.approx(
        raw * regular_factor(params, mu, sigma))


def test_gaussian_init_repeats_average_seeded_draws():
    model, batch = tiny_classifier(), tiny_batch(n=8)
    scores = []
    with torch.random.fork_rng():
        torch.manual_seed(0)  # the engine seeds its scoring RNG with seed=0
        for _ in range(3):
            net = copy.deepcopy(model)
            gaussian_init(net)
            scores.append(reference_swap(net, batch[0]))
    assert SwapPredictor(init="gaussian", repeats=3).query(model, [batch]) == pytest.approx(sum(scores) / 3)


def test_swap_contract_options_and_failures():
    for kwargs in ({}, {"mu": 1.0, "sigma": 1.0}, {"init": "gaussian", "repeats": 2}):
        check_proxy(SwapPredictor(**kwargs), tiny_classifier(), tiny_batch())
    with pytest.raises(DataError, match="both"):
        SwapPredictor(mu=1.0)
    with pytest.raises(DataError):
        SwapPredictor(mu=1.0, sigma=0.0)
    with pytest.raises(DataError):
        SwapPredictor(repeats=4)
    with pytest.raises(DataError, match="at least 2"):
        SwapPredictor().query(tiny_classifier(), [tiny_batch(n=1)])
