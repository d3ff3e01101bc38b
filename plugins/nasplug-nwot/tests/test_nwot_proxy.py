"""nwot against NASLib's computation (ReLU hooks, two Gram matrices, np.linalg.slogdet), failures, contract."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from nasplug.errors import DataError
from nasplug.zerocost import NASLIB_FAILURE_SCORE, ScoringError
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_nwot import NwotPredictor


def reference_nwot(model: nn.Module, x: torch.Tensor) -> float:
    """NASLib's hook (on a copy, training mode): K += c c^T + (1 - c)(1 - c)^T, then slogdet."""
    net = copy.deepcopy(model).train()
    n = x.shape[0]
    K = np.zeros((n, n))

    def hook(module, inp, out):
        nonlocal K
        c = (inp[0].reshape(n, -1) > 0).double()
        K = K + (c @ c.t()).numpy() + ((1.0 - c) @ (1.0 - c).t()).numpy()

    for m in net.modules():
        if "ReLU" in type(m).__name__:
            m.register_forward_hook(hook)
    with torch.no_grad():
        net(x)
    return float(np.linalg.slogdet(K)[1])


class WithLeaky(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.act = nn.LeakyReLU(0.2)
        self.fc = nn.Linear(6 * 64, 10)

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).flatten(1))


class SharedInput(nn.Module):
    """One tensor feeds two ReLUs (a NAS-Bench-201 node feeding two ReLU-Conv-BN edges),
    then an in-place ReLU changes a tensor a later ReLU reads again."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.a, self.b = nn.ReLU(), nn.ReLU()
        self.c = nn.ReLU(inplace=True)
        self.fc = nn.Linear(4 * 64, 10)

    def forward(self, x):
        h = self.conv(x) - 0.1
        y = self.a(h) + self.b(h)
        h2 = h * 1.0
        self.c(h2)          # in place: h2's version changes
        return self.fc((y + self.a(h2)).flatten(1))


@pytest.mark.parametrize("make", [tiny_classifier, tiny_autoencoder, WithLeaky, SharedInput])
def test_nwot_matches_naslib(make):
    model = make()
    x, y = tiny_batch(n=6)
    expected = reference_nwot(model, x)
    assert NwotPredictor().query(model, [(x, y)]) == pytest.approx(expected, rel=1e-9)


def test_nwot_contract_and_metadata():
    pred = NwotPredictor()
    assert pred.name == pred.method_type == "nwot"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    model = tiny_classifier()
    x, y = tiny_batch()
    assert pred.query(model, [(x, y)]) == pred.query(model, [(x, torch.zeros_like(y))])  # labels unread


def test_nwot_singular_kernel_follows_the_failure_contract():
    model = tiny_classifier()
    x, y = tiny_batch(n=6)
    x[3] = x[1]  # a repeated image: two equal rows of K
    with pytest.raises(ScoringError, match="singular"):
        NwotPredictor().query(model, [(x, y)])
    assert math.isnan(NwotPredictor(on_failure="nan").query(model, [(x, y)]))
    assert NwotPredictor(on_failure="naslib").query(model, [(x, y)]) == NASLIB_FAILURE_SCORE


def test_nwot_refuses_a_model_without_rectifiers_and_a_batch_of_one():
    with pytest.raises(ScoringError, match="no ReLU"):
        NwotPredictor().query(nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 10)), [tiny_batch()])
    with pytest.raises(DataError):
        NwotPredictor().query(tiny_classifier(), [tiny_batch(n=1)])
