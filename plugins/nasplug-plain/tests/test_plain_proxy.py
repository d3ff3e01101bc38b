"""plain against NASLib's computation (loss.backward(), weight.grad * weight), plus the contract."""

from __future__ import annotations

import copy
import math

import pytest
from torch import nn

from nasplug.zerocost import NASLIB_FAILURE_SCORE, ScoringError
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_plain import PlainPredictor


def reference_plain(model: nn.Module, batch, loss_fn) -> float:
    net = copy.deepcopy(model).train()
    net.zero_grad()
    loss_fn(net(batch[0]), batch[1]).backward()
    return float(sum((m.weight.grad * m.weight.detach()).sum() for m in net.modules()
                     if isinstance(m, (nn.Conv2d, nn.Linear))))


@pytest.mark.parametrize("make,classes,loss", [(tiny_classifier, 10, nn.CrossEntropyLoss()),
                                               (tiny_autoencoder, None, nn.L1Loss())])
def test_plain_matches_naslib(make, classes, loss):
    model, batch = make(), tiny_batch(num_classes=classes)
    expected = reference_plain(model, batch, loss)
    assert PlainPredictor().query(model, [batch]) == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_plain_keeps_the_sign():
    """Not snip: the signed sum, which differs from the sum of absolute values."""
    model, batch = tiny_classifier(), tiny_batch()
    net = copy.deepcopy(model).train()
    nn.CrossEntropyLoss()(net(batch[0]), batch[1]).backward()
    absolute = sum(float((m.weight.grad * m.weight).abs().sum()) for m in net.modules()
                   if isinstance(m, (nn.Conv2d, nn.Linear)))
    assert abs(PlainPredictor().query(model, [batch])) < absolute


def test_plain_contract_and_metadata():
    pred = PlainPredictor()
    assert pred.name == pred.method_type == "plain"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))


class NanOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 10)

    def forward(self, x):
        return self.fc(x.flatten(1)) * float("nan")


def test_plain_nan_follows_the_failure_contract():
    model, batch = NanOutput(), tiny_batch()
    with pytest.raises(ScoringError, match="plain"):
        PlainPredictor().query(model, [batch])
    assert math.isnan(PlainPredictor(on_failure="nan").query(model, [batch]))
    assert PlainPredictor(on_failure="naslib").query(model, [batch]) == NASLIB_FAILURE_SCORE
