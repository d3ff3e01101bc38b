"""l2_norm against NASLib's computation (sum of layer.weight.norm()), plus the contract."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasplug.zerocost import ScoringError
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_l2_norm import L2NormPredictor


def reference_l2_norm(model: nn.Module) -> float:
    """NASLib: get_layer_metric_array(net, lambda l: l.weight.norm()) summed."""
    return float(sum(m.weight.detach().norm() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))))


@pytest.mark.parametrize("make", [tiny_classifier, tiny_autoencoder])
def test_l2_norm_matches_naslib(make):
    model = make()
    assert L2NormPredictor().query(model) == pytest.approx(reference_l2_norm(model), rel=1e-6)


def test_l2_norm_is_the_norm_not_its_square():
    model = nn.Sequential(nn.Conv2d(1, 1, 1, bias=True), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        model[0].weight.fill_(3.0)
        model[0].bias.fill_(100.0)  # biases are not counted
        model[1].weight.copy_(torch.tensor([[3.0, 4.0]]))
    assert L2NormPredictor().query(model) == pytest.approx(3.0 + 5.0)


def test_l2_norm_contract_data_free_and_metadata():
    pred = L2NormPredictor()
    assert pred.name == pred.method_type == "l2_norm"
    assert not pred.requires_data
    check_proxy(pred, tiny_classifier(), tiny_batch())
    model = tiny_classifier()
    assert pred.query(model) == pred.query(model, [tiny_batch()])  # the batch is not read


def test_l2_norm_depends_on_the_weights():
    assert L2NormPredictor().query(tiny_classifier(seed=1)) != L2NormPredictor().query(tiny_classifier(seed=2))


def test_l2_norm_refuses_a_model_without_weight_layers():
    with pytest.raises(ScoringError, match="no Conv2d or Linear"):
        L2NormPredictor().query(nn.Sequential(nn.ReLU()))
