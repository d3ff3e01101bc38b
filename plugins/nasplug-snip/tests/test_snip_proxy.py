"""snip against NASLib's weight-mask computation, plus the zero-cost contract."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_snip import SnipPredictor


def reference_snip(model: nn.Module, batch, loss_fn) -> float:
    """|dL/dmask| with w_eff = w * mask at mask = 1 (NASLib), in training mode."""
    net = copy.deepcopy(model).train()
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    for m in layers:
        m.weight_mask = nn.Parameter(torch.ones_like(m.weight))
        m.weight.requires_grad = False
        if isinstance(m, nn.Conv2d):
            m.forward = (lambda m: lambda x: F.conv2d(x, m.weight * m.weight_mask, m.bias, m.stride,
                                                      m.padding, m.dilation, m.groups))(m)
        else:
            m.forward = (lambda m: lambda x: F.linear(x, m.weight * m.weight_mask, m.bias))(m)
    loss_fn(net(batch[0]), batch[1]).backward()
    return sum(float(m.weight_mask.grad.abs().sum()) for m in layers)


@pytest.mark.parametrize("make,classes,loss", [(tiny_classifier, 10, nn.CrossEntropyLoss()),
                                               (tiny_autoencoder, None, nn.L1Loss())])
def test_snip_matches_naslib_weight_mask(make, classes, loss):
    model, batch = make(), tiny_batch(num_classes=classes)
    expected = reference_snip(model, batch, loss)
    assert expected > 0
    assert SnipPredictor().query(model, [batch]) == pytest.approx(expected, rel=1e-5)


def test_snip_contract_and_metadata():
    pred = SnipPredictor()
    assert pred.name == pred.method_type == "snip"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))


def test_snip_depends_on_the_batch():
    model = tiny_classifier()
    assert SnipPredictor().query(model, [tiny_batch(seed=1)]) != SnipPredictor().query(model, [tiny_batch(seed=2)])
