"""synflow against a direct NASLib-style computation, plus the zero-cost contract."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_synflow import SynflowPredictor


def reference_synflow(model: nn.Module, input_shape) -> float:
    """NASLib's recipe: copy, BN forward -> identity, float64, |state|, ones input, sum backward."""
    net = copy.deepcopy(model).double()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.forward = lambda x: x
    with torch.no_grad():
        for value in net.state_dict().values():
            value.abs_()
    net.zero_grad()
    net(torch.ones((1, *input_shape), dtype=torch.float64)).sum().backward()
    total = 0.0
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m.weight.grad is not None:
            total += float((m.weight.detach() * m.weight.grad).abs().sum())
    return total


@pytest.mark.parametrize("make", [tiny_classifier, tiny_autoencoder])
def test_synflow_matches_reference_and_naslib_log(make):
    model, batch = make(), tiny_batch()
    raw = reference_synflow(model, batch[0].shape[1:])
    assert raw > 0
    assert SynflowPredictor(log=False).query(model, [batch]) == pytest.approx(raw, rel=1e-12)
    assert SynflowPredictor().query(model, [batch]) == pytest.approx(math.log(raw), rel=1e-12)


def test_synflow_contract_and_metadata():
    pred = SynflowPredictor()
    assert pred.name == pred.method_type == "synflow"
    check_proxy(pred, tiny_classifier(), tiny_batch())


def test_synflow_ignores_batch_content_and_batchnorm():
    model = tiny_classifier()
    a = SynflowPredictor().query(model, [tiny_batch(seed=1)])
    b = SynflowPredictor().query(model, [tiny_batch(seed=2)])
    assert a == b
    for m in model.modules():  # BN is disabled: its parameters and statistics do not matter
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.mul_(3.0)
            m.running_var.mul_(7.0)
    assert SynflowPredictor().query(model, [tiny_batch(seed=1)]) == a


def test_synflow_without_loader_uses_input_shape():
    model = tiny_classifier()
    model.input_shape = (3, 8, 8)
    assert SynflowPredictor().query(model) == SynflowPredictor().query(model, [tiny_batch()])


def test_synflow_log_transform_of_zero_is_zero():
    assert SynflowPredictor().transform(0.0) == 0.0
    assert SynflowPredictor().transform(math.e) == pytest.approx(1.0)
