"""The shared zero-cost machinery (nasplug.zerocost): contract, failures, loss, batch, seeding."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from nasplug.errors import DataError
from nasplug.zerocost import NASLIB_FAILURE_SCORE, ScoringError, ZeroCostPredictor, is_failure
from nasplug.zerocost.conformance import (
    assert_unchanged,
    check_proxy,
    snapshot,
    tiny_autoencoder,
    tiny_batch,
    tiny_classifier,
)
from nasplug.zerocost.engine import first_batch, primary_output, select_loss, weight_layers


class LossValue(ZeroCostPredictor):
    """A minimal proxy: the task loss on the batch (exercises copy, mode, loss, batch)."""

    name = "lossvalue"

    def compute(self, ctx):
        return ctx.loss().item()


class Snipish(ZeroCostPredictor):
    name = "snipish"

    def compute(self, ctx):
        grads = ctx.weight_grads(ctx.loss())
        return ctx.sum_layers((g * w).abs() for g, w in zip(grads, ctx.weights))


class Vandal(ZeroCostPredictor):
    """Mutates everything it is handed: the scoring copy must absorb it."""

    name = "vandal"

    def compute(self, ctx):
        with torch.no_grad():
            for p in ctx.net.parameters():
                p.mul_(2.0)
        ctx.net.eval()
        ctx.loss().backward()
        ctx.net.register_forward_hook(lambda *a: None)
        return 1.0


def test_scoring_copy_absorbs_every_change():
    model = tiny_classifier()
    model.eval()
    model(torch.randn(2, 3, 8, 8)).sum().backward()  # existing grads must survive untouched
    before = snapshot(model)
    assert Vandal().query(model, [tiny_batch()]) == 1.0
    assert_unchanged(before, model)


class InPlaceSnipish(Snipish):
    name = "inplacesnipish"
    in_place = True


class InPlaceFailing(ZeroCostPredictor):
    name = "inplacefailing"
    in_place = True

    def compute(self, ctx):
        assert ctx.net.training and all(p.requires_grad and p.grad is None for p in ctx.net.parameters())
        ctx.loss()
        raise RuntimeError("midway")


def _model_with_state():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 10))
    model(torch.randn(4, 3, 8, 8)).sum().backward()  # grads and BN statistics to keep
    model.eval()
    model[4].bias.requires_grad_(False)  # a frozen parameter stays frozen
    return model


def test_in_place_scoring_restores_the_model_and_matches_the_copy():
    model, batch = _model_with_state(), tiny_batch()
    before = snapshot(model)
    score = InPlaceSnipish().query(model, [batch])
    assert_unchanged(before, model)
    assert model[1].track_running_stats and model[1].running_mean is not None
    assert score == Snipish().query(model, [batch])  # the deep-copy path gives the same number
    with pytest.raises(ScoringError, match="midway"):
        InPlaceFailing().query(model, [batch])
    assert_unchanged(before, model)  # restored after a failure too
    assert model[1].track_running_stats


def test_scores_in_training_mode_with_batch_statistics():
    model = tiny_classifier().eval()
    x, y = tiny_batch()
    expected = nn.CrossEntropyLoss()(tiny_classifier().train()(x), y).item()
    assert LossValue().query(model, [(x, y)]) == pytest.approx(expected, rel=1e-6)
    assert not model.training


def test_loss_comes_from_get_loss_fn_else_cross_entropy():
    assert isinstance(select_loss(tiny_classifier()), nn.CrossEntropyLoss)
    assert isinstance(select_loss(tiny_autoencoder()), nn.L1Loss)
    x, _ = tiny_batch()
    expected = nn.L1Loss()(tiny_autoencoder().train()(x), x).item()
    assert LossValue().query(tiny_autoencoder(), [(x, x)]) == pytest.approx(expected, rel=1e-6)


def test_first_batch_accepts_loaders_pairs_and_tensors():
    x, y = tiny_batch()
    for loader in ([(x, y)], (x, y), iter([(x, y), (x + 1, y)]), [[x, y]]):
        got = first_batch(loader)
        assert torch.equal(got[0], x) and torch.equal(got[1], y)
    assert first_batch(x)[1] is None and first_batch(None) is None
    with pytest.raises(DataError):
        first_batch([])


def test_missing_data_is_a_data_error_not_a_cell_failure():
    with pytest.raises(DataError, match="needs data"):
        Snipish().query(tiny_classifier())
    with pytest.raises(DataError, match="targets"):
        Snipish().query(tiny_classifier(), [tiny_batch()[0]])


def test_weight_layers_are_conv2d_and_linear_in_module_order():
    names = [type(m).__name__ for m in weight_layers(tiny_classifier())]
    assert names == ["Conv2d", "Conv2d", "Linear"]


def test_primary_output_of_tuples():
    t = torch.ones(2)
    assert primary_output(t) is t and primary_output((None, t, t + 1)) is t
    with pytest.raises(TypeError):
        primary_output({"out": t})


class Exploding(nn.Module):
    def __init__(self, value):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 10)
        self.value = value

    def forward(self, x):
        if self.value is None:
            raise RuntimeError("shape mismatch somewhere\nsecond line")
        return self.fc(x.flatten(1)) * self.value


@pytest.mark.parametrize("value,reason", [(None, "RuntimeError: shape mismatch somewhere"),
                                          (float("inf"), "score is"), (float("nan"), "score is")])
def test_failures_raise_scoring_error_or_the_chosen_value(value, reason):
    model, batch = Exploding(value), tiny_batch()
    with pytest.raises(ScoringError, match=reason) as info:
        Snipish().query(model, [batch])
    assert info.value.proxy == "snipish"
    if value is None:
        assert isinstance(info.value.__cause__, RuntimeError)
    assert math.isnan(Snipish(on_failure="nan").query(model, [batch]))
    assert Snipish(on_failure="naslib").query(model, [batch]) == NASLIB_FAILURE_SCORE
    assert is_failure(float("nan")) and is_failure(NASLIB_FAILURE_SCORE) and not is_failure(0.5)


class Noisy(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(3 * 8 * 8, 10))

    def forward(self, x):
        return self.net(x)


def test_seeded_randomness_is_reproducible_and_private():
    model, batch = Noisy(), tiny_batch()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a = Snipish(seed=0).query(model, [batch])
    assert torch.equal(state, torch.get_rng_state())
    assert Snipish(seed=0).query(model, [batch]) == a
    assert Snipish(seed=1).query(model, [batch]) != a


def test_check_proxy_catches_a_proxy_that_mutates_the_caller():
    class Leaky(ZeroCostPredictor):
        name = "leaky"
        copy_model = False

        def compute(self, ctx):
            ctx.loss().backward()
            return 1.0

    with pytest.raises(AssertionError, match="changed"):
        check_proxy(Leaky(), tiny_classifier(), tiny_batch())


def test_bad_on_failure_option():
    with pytest.raises(Exception, match="on_failure"):
        Snipish(on_failure="ignore")


def test_proxy_plugins_register_without_importing_torch():
    names = "synflow,snip,grasp,fisher,jacov,grad_norm,flops,params"
    code = ("import sys, nasplug; r = nasplug.get_registry(); "
            "print(sorted(r.names('predictors'))); print('torch' in sys.modules)")
    env = dict(os.environ, NASPLUG_LOAD_PLUGINS=names)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    listed, torch_loaded = out.stdout.strip().splitlines()
    assert torch_loaded == "False"
    assert listed == str(sorted(names.split(",")))
