"""grad_norm against loss.backward() and .grad norms, plus the zero-cost contract."""

from __future__ import annotations

import copy

import pytest
from torch import nn

from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_grad_norm import GradNormPredictor


def reference_grad_norm(model: nn.Module, batch, loss_fn) -> float:
    net = copy.deepcopy(model).train()
    net.zero_grad()
    loss_fn(net(batch[0]), batch[1]).backward()
    return sum(float(m.weight.grad.norm()) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


@pytest.mark.parametrize("make,classes,loss", [(tiny_classifier, 10, nn.CrossEntropyLoss()),
                                               (tiny_autoencoder, None, nn.L1Loss())])
def test_grad_norm_matches_reference(make, classes, loss):
    model, batch = make(), tiny_batch(num_classes=classes)
    expected = reference_grad_norm(model, batch, loss)
    assert expected > 0
    assert GradNormPredictor().query(model, [batch]) == pytest.approx(expected, rel=1e-5)


def test_grad_norm_contract_and_metadata():
    pred = GradNormPredictor()
    assert pred.name == pred.method_type == "grad_norm"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))
