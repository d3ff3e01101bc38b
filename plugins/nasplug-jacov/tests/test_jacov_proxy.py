"""jacov against NASLib's computation (x.grad, corrcoef, eig), failures, and the contract."""

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
from nasplug_jacov import JacovPredictor


def reference_jacov(model: nn.Module, x: torch.Tensor) -> float:
    net = copy.deepcopy(model).train()
    x = x.clone().requires_grad_(True)
    y = net(x)
    y.backward(torch.ones_like(y))
    jac = x.grad.reshape(x.shape[0], -1).numpy()
    v, _ = np.linalg.eig(np.corrcoef(jac))
    k = 1e-5
    return float(np.real(-np.sum(np.log(v + k) + 1.0 / (v + k))))


@pytest.mark.parametrize("make,classes", [(tiny_classifier, 10), (tiny_autoencoder, None)])
def test_jacov_matches_naslib(make, classes):
    model, batch = make(), tiny_batch(num_classes=classes)
    assert JacovPredictor().query(model, [batch]) == pytest.approx(reference_jacov(model, batch[0]), rel=1e-6)


def test_jacov_contract_and_metadata():
    pred = JacovPredictor()
    assert pred.name == pred.method_type == "jacov"
    check_proxy(pred, tiny_classifier(), tiny_batch())


class ConstantOutput(nn.Module):
    """The output does not depend on the input (a NAS-Bench-201 cell of 'none' ops)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)) * 0.0)


def test_jacov_failure_is_reported_per_the_contract():
    model, batch = ConstantOutput(), tiny_batch()
    with pytest.raises(ScoringError, match="jacov"):
        JacovPredictor().query(model, [batch])
    assert math.isnan(JacovPredictor(on_failure="nan").query(model, [batch]))
    assert JacovPredictor(on_failure="naslib").query(model, [batch]) == NASLIB_FAILURE_SCORE


def test_jacov_needs_two_samples():
    with pytest.raises(DataError):
        JacovPredictor().query(tiny_classifier(), [tiny_batch(n=1)])
