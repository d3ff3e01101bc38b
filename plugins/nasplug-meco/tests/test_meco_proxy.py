"""meco against the authors' hook computation (corrcoef, NaN -> 0, eig), variants and the contract."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from nasplug.errors import DataError
from nasplug.zerocost import ScoringError
from nasplug.zerocost.conformance import check_proxy, tiny_batch, tiny_classifier
from nasplug_meco import MecoPredictor
from nasplug_meco.predictor import min_correlation_eigenvalue


def reference_meco(model: nn.Module, x: torch.Tensor, every_module: bool) -> float:
    """The authors' get_score: a hook per module, data_output[0] -> (C, -1), corrcoef, eig, min."""
    net = copy.deepcopy(model).train()
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.track_running_stats = False
            m.running_mean = m.running_var = None
    results = []

    def hook(module, inp, out):
        fea = out[0].detach().double()
        fea = fea.reshape(fea.shape[0], -1).numpy()
        with np.errstate(all="ignore"):
            corr = np.corrcoef(fea) if fea.shape[1] > 1 else np.full((fea.shape[0],) * 2, np.nan)
        corr = np.nan_to_num(np.atleast_2d(corr), nan=0.0, posinf=0.0, neginf=0.0)
        results.append(float(np.min(np.real(np.linalg.eig(corr)[0]))))

    modules = [m for _, m in net.named_modules()] if every_module else \
        [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for m in modules:
        m.register_forward_hook(hook)
    with torch.no_grad():
        net(x)
    return float(sum(r for r in results if np.isfinite(r)))


@pytest.mark.parametrize("modules", ["layers", "all"])
def test_meco_matches_the_authors_computation(modules):
    model, (x, _) = tiny_classifier(), tiny_batch(n=4, size=8)
    expected = reference_meco(model, x[:1], every_module=modules == "all")
    assert expected != 0
    assert MecoPredictor(modules=modules).query(model, [tiny_batch(n=4, size=8)]) == pytest.approx(expected, abs=1e-9)


def test_meco_uses_one_sample_and_no_label():
    model = tiny_classifier()
    x, y = tiny_batch(n=4)
    first = MecoPredictor().query(model, [(x, y)])
    assert MecoPredictor().query(model, [(x[:1], y[:1] * 0)]) == first
    assert MecoPredictor().query(model, [(x[1:], y[1:])]) != first


def test_min_eigenvalue_known_cases():
    # two perfectly correlated channels: correlation [[1, 1], [1, 1]] -> eigenvalues 0 and 2
    f = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    assert min_correlation_eigenvalue(f) == pytest.approx(0.0, abs=1e-12)
    # uncorrelated channels -> identity -> 1
    g = torch.tensor([[1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0]])
    assert min_correlation_eigenvalue(g) == pytest.approx(1.0)
    # a constant channel has no correlation: its row and column are 0, so lambda_min = 0
    h = torch.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 0.0]])
    assert min_correlation_eigenvalue(h) == pytest.approx(0.0, abs=1e-12)
    assert min_correlation_eigenvalue(torch.ones(4, 1)) == 0.0


def test_meco_opt_scales_a_seeded_subset():
    gen = torch.Generator().manual_seed(0)
    f = torch.randn(16, 30, generator=gen)
    sub = min_correlation_eigenvalue(f, channels=8, generator=torch.Generator().manual_seed(3))
    index = torch.randperm(16, generator=torch.Generator().manual_seed(3))[:8]
    assert sub == pytest.approx(min_correlation_eigenvalue(f[index]) * 2.0)
    # fewer channels than 8: every channel, no scaling
    assert min_correlation_eigenvalue(f[:5], channels=8) == pytest.approx(min_correlation_eigenvalue(f[:5]))


def test_meco_contract_options_and_failures():
    for kwargs in ({}, {"modules": "all"}, {"variant": "opt"}, {"samples": 2}):
        check_proxy(MecoPredictor(**kwargs), tiny_classifier(), tiny_batch())
    with pytest.raises(DataError):
        MecoPredictor(modules="some")
    with pytest.raises(DataError):
        MecoPredictor(variant="fast")
    with pytest.raises(DataError):
        MecoPredictor(samples=0)

    class OneByOne(nn.Module):  # a BatchNorm on a 1x1 map: one sample cannot run in training mode
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 8)
            self.bn = nn.BatchNorm2d(4)

        def forward(self, x):
            return self.bn(self.conv(x)).flatten(1)

    with pytest.raises(ScoringError, match="samples=2"):
        MecoPredictor().query(OneByOne(), [tiny_batch(n=4, size=8)])
    assert isinstance(MecoPredictor(samples=2).query(OneByOne(), [tiny_batch(n=4, size=8)]), float)
