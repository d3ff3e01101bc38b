"""zen against NASLib's computation (compute_zen_score on a fresh copy), failures, contract."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from nasplug.zerocost import NASLIB_FAILURE_SCORE, ScoringError
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_zen import ZenPredictor


def input_of(module_of):
    """A feature map: the input of ``module_of(net)`` during ``net(x)`` (NASLib's hooks)."""
    def feature_map(net, x):
        seen = []
        handle = module_of(net).register_forward_hook(lambda m, args, out: seen.append(args[0]))
        net(x)
        handle.remove()
        return seen[0]
    return feature_map


def reference_zen(model: nn.Module, shape, feature_map, seed=0, mixup_gamma=1e-2) -> float:
    """NASLib's measures/zen.py on a copy of ``model`` as freshly built (BN statistics reset)."""
    net = copy.deepcopy(model).train()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():  # network_weight_gaussian_init
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                if m.weight is None:
                    continue
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
        x1 = torch.randn(size=list(shape))
        x2 = torch.randn(size=list(shape))
        out = feature_map(net, x1)
        mixed = feature_map(net, x1 + mixup_gamma * x2)
        score = torch.mean(torch.sum(torch.abs(out - mixed), dim=[1, 2, 3]))
        log_bn = 0.0
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                log_bn += torch.log(torch.sqrt(torch.mean(m.running_var)))
        return float(torch.log(score) + log_bn)


before_pool = input_of(lambda net: net.pool)


@pytest.mark.parametrize("seed", [0, 3])
def test_zen_matches_naslib(seed):
    model = tiny_classifier()  # its BN running statistics are not those of a fresh network
    x, y = tiny_batch(n=8)
    expected = reference_zen(model, x.shape, before_pool, seed=seed)
    assert ZenPredictor(seed=seed).query(model, [(x, y)]) == pytest.approx(expected, rel=1e-5)


def test_zen_without_global_pooling_uses_the_input_of_the_last_conv():
    model = tiny_autoencoder()
    x, _ = tiny_batch(n=6)
    expected = reference_zen(model, x.shape, input_of(lambda net: net.body[-1]))
    assert ZenPredictor().query(model, [(x, x)]) == pytest.approx(expected, rel=1e-5)


class WithOwnFeatureMap(nn.Module):
    """A model that says where its pre-head feature map is (NASLib's method name)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 10)

    def forward_before_global_avg_pool(self, x):
        self.forward(x)
        return self.a(x)  # deliberately not the pooled map

    def forward(self, x):
        return self.fc(self.pool(self.b(self.a(x))).flatten(1))


def test_zen_uses_forward_before_global_avg_pool_when_the_model_has_it():
    model = WithOwnFeatureMap()
    x, y = tiny_batch(n=6)
    expected = reference_zen(model, x.shape, lambda net, x: net.forward_before_global_avg_pool(x))
    assert ZenPredictor().query(model, [(x, y)]) == pytest.approx(expected, rel=1e-5)
    assert expected != pytest.approx(reference_zen(model, x.shape, before_pool), rel=1e-3)


def test_zen_reads_only_the_batch_shape_and_runs_without_data():
    model = tiny_classifier()
    x, y = tiny_batch(n=8)
    pred = ZenPredictor()
    assert not pred.requires_data
    assert pred.query(model, [(x, y)]) == pred.query(model, [(torch.zeros_like(x), y)])
    model.input_shape = (3, 8, 8)
    assert ZenPredictor(batch_size=8).query(model) == pred.query(model, [(x, y)])


def test_zen_contract_and_metadata():
    pred = ZenPredictor()
    assert pred.name == pred.method_type == "zen"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))


class ConstantFeatures(nn.Module):
    """The pooled map does not depend on the input (a cell cut by 'none' ops)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(self.pool(self.bn(self.conv(x)) * 0.0).flatten(1))


def test_zen_output_independent_of_the_input_follows_the_failure_contract():
    model, batch = ConstantFeatures(), tiny_batch()
    with pytest.raises(ScoringError, match="does not depend on the input"):
        ZenPredictor().query(model, [batch])
    assert math.isnan(ZenPredictor(on_failure="nan").query(model, [batch]))
    assert ZenPredictor(on_failure="naslib").query(model, [batch]) == NASLIB_FAILURE_SCORE
    before = [p.detach().clone() for p in model.parameters()]
    ZenPredictor(on_failure="nan").query(model, [batch])  # the weights it redrew are put back
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
