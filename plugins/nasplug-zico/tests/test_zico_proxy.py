"""zico against the authors' computation (``.grad`` per batch, ``np.std``), options and the contract."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from nasplug.errors import DataError
from nasplug.zerocost.conformance import check_proxy, tiny_autoencoder, tiny_batch, tiny_classifier
from nasplug_zico import ZicoPredictor
from nasplug_zico.predictor import zico_from_gradients


def reference_zico(model: nn.Module, batch, loss_fn, parts: int = 2) -> float:
    """The authors' getzico/caculate_zico: zero_grad, forward, backward, copy .grad, per batch."""
    net = copy.deepcopy(model).train()
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.track_running_stats = False
            m.running_mean = m.running_var = None
    grads: dict[str, list] = {}
    for x, y in zip(torch.tensor_split(batch[0], parts), torch.tensor_split(batch[1], parts)):
        net.zero_grad()
        loss_fn(net(x), y).backward()
        for name, mod in net.named_modules():
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                grads.setdefault(name, []).append(mod.weight.grad.detach().reshape(-1).double().numpy().copy())
    total = 0.0
    for g in grads.values():
        g = np.array(g)
        std = np.std(g, axis=0)
        nz = np.nonzero(std)[0]
        s = np.sum(np.mean(np.abs(g), axis=0)[nz] / std[nz])
        if s != 0:
            total += np.log(s)
    return float(total)


@pytest.mark.parametrize("make,classes,loss", [(tiny_classifier, 10, nn.CrossEntropyLoss()),
                                               (tiny_autoencoder, None, nn.L1Loss())])
def test_zico_matches_the_authors_computation(make, classes, loss):
    model, batch = make(), tiny_batch(n=8, num_classes=classes)
    expected = reference_zico(model, batch, loss)
    assert math.isfinite(expected) and expected != 0
    assert ZicoPredictor().query(model, [batch]) == pytest.approx(expected, rel=1e-6)


def test_zico_with_more_batches_matches_too():
    model, batch = tiny_classifier(), tiny_batch(n=12)
    got = ZicoPredictor(num_batches=3).query(model, [batch])
    assert got == pytest.approx(reference_zico(model, batch, nn.CrossEntropyLoss(), parts=3), rel=1e-6)


def test_zico_formula_on_known_gradients():
    # two batches, one layer of two weights: |g| means (1, 2), stds (1, 0): only the first counts
    g1 = [torch.tensor([0.0, 2.0])]
    g2 = [torch.tensor([2.0, 2.0])]
    assert zico_from_gradients([g1, g2]) == pytest.approx(math.log(1.0 / 1.0))
    # a layer whose gradient never varies adds nothing
    assert zico_from_gradients([[torch.ones(3)], [torch.ones(3)]]) == 0.0
    with pytest.raises(ValueError):
        zico_from_gradients([g1])


def test_zico_contract_and_metadata():
    pred = ZicoPredictor()
    assert pred.name == pred.method_type == "zico"
    check_proxy(pred, tiny_classifier(), tiny_batch())
    check_proxy(pred, tiny_autoencoder(), tiny_batch(num_classes=None))


def test_zico_bad_input_is_one_clear_error():
    with pytest.raises(DataError, match="at least 2"):
        ZicoPredictor().query(tiny_classifier(), [tiny_batch(n=1)])
    with pytest.raises(DataError, match="num_batches"):
        ZicoPredictor(num_batches=1)
    with pytest.raises(DataError, match="targets"):
        ZicoPredictor().query(tiny_classifier(), tiny_batch()[0])
