"""fisher against a hook-based NASLib-style computation, plus the zero-cost contract."""

from __future__ import annotations

import copy

import pytest
from torch import nn

from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_fisher import FisherPredictor


def reference_fisher(model: nn.Module, batch, loss_fn) -> float:
    """Identity after each Conv2d/Linear with a backward hook; channel value broadcast to weights."""
    net = copy.deepcopy(model).train()
    layers = [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    fisher = {}

    def wrap(layer):
        original = layer.forward
        ident = nn.Identity()

        def hook(module, grad_input, grad_output):
            act, grad = layer.acts.pop().detach(), grad_output[0].detach()  # last call first
            g = (act * grad).sum(dim=list(range(2, act.dim()))) if act.dim() > 2 else act * grad
            fisher[layer] = fisher.get(layer, 0) + g.pow(2).mean(0).mul(0.5)

        ident.register_full_backward_hook(hook)
        layer.acts = []

        def forward(x):
            act = ident(original(x))
            layer.acts.append(act)
            return act
        layer.forward = forward

    for layer in layers:
        wrap(layer)
    loss_fn(net(batch[0]), batch[1]).backward()
    total = 0.0
    for layer in layers:
        per_weight = fisher[layer].abs().reshape(-1, *([1] * (layer.weight.dim() - 1))).expand_as(layer.weight)
        total += float(per_weight.sum())
    return total


@pytest.mark.parametrize("make,classes,loss", [(tiny_classifier, 10, nn.CrossEntropyLoss()),
                                               (tiny_autoencoder, None, nn.L1Loss())])
def test_fisher_matches_reference(make, classes, loss):
    model, batch = make(), tiny_batch(num_classes=classes)
    expected = reference_fisher(model, batch, loss)
    assert expected > 0
    assert FisherPredictor().query(model, [batch]) == pytest.approx(expected, rel=1e-5)


def test_fisher_contract_and_metadata():
    pred = FisherPredictor()
    assert pred.name == pred.method_type == "fisher"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))


def test_fisher_layer_used_twice_counts_both_calls():
    shared = nn.Conv2d(3, 3, 3, padding=1)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 10))
    batch = tiny_batch()
    expected = reference_fisher(model, batch, nn.CrossEntropyLoss())
    assert FisherPredictor().query(model, [batch]) == pytest.approx(expected, rel=1e-5)
