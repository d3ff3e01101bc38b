"""epe_nas against NASLib's computation (x.grad, per-class np.corrcoef), refusals, failures, contract."""

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
from nasplug_epe_nas import EpeNasPredictor


def reference_epe_nas(model: nn.Module, x: torch.Tensor, labels: np.ndarray) -> float:
    """NASLib's steps: x.grad of sum(y), rows grouped per label, np.corrcoef per group."""
    net = copy.deepcopy(model).train()
    x = x.clone().requires_grad_(True)
    y = net(x)
    y.backward(torch.ones_like(y))
    jac = x.grad.reshape(x.shape[0], -1).numpy().astype(np.float64)
    n_classes, k = y.shape[-1], 1e-5
    groups: dict = {}
    for row, label in zip(jac, labels):
        groups.setdefault(int(label), []).append(row)
    per_class = {}
    for c, rows in groups.items():
        if len(rows) == 1:
            if n_classes > 100:
                continue  # NASLib: len() of the 0-d correlation raises, the class is skipped
            per_class[c] = np.log(1.0 + k)
            continue
        corrs = np.corrcoef(np.vstack(rows))
        s = np.sum(np.log(np.abs(corrs) + k))
        per_class[c] = s / len(corrs) if n_classes > 100 else s
    if n_classes <= 100:
        return float(sum(abs(s) for s in per_class.values()))
    score = sum(abs(a - b) for a in per_class.values() for b in per_class.values())
    return float(score / len(per_class)) if per_class else 0.0


def batch_with_repeats(n=16, classes=10, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, 8, 8, generator=gen)
    y = torch.randint(0, classes, (n,), generator=gen)
    return x, y


@pytest.mark.parametrize("classes", [10, 120])
def test_epe_nas_matches_naslib(classes):
    model = tiny_classifier(num_classes=classes)
    x, y = batch_with_repeats(n=24, classes=4 if classes > 100 else classes)  # repeated classes
    expected = reference_epe_nas(model, x, y.numpy())
    assert expected > 0
    assert EpeNasPredictor().query(model, [(x, y)]) == pytest.approx(expected, rel=1e-6)


def test_epe_nas_soft_targets_use_their_argmax():
    model = tiny_classifier()
    x, y = batch_with_repeats()
    soft = torch.softmax(torch.randn(len(y), 10, generator=torch.Generator().manual_seed(3)), dim=1)
    hard = soft.argmax(dim=1)
    assert EpeNasPredictor().query(model, [(x, soft)]) == EpeNasPredictor().query(model, [(x, hard)])


def test_epe_nas_contract_and_metadata():
    pred = EpeNasPredictor()
    assert pred.name == pred.method_type == "epe_nas"
    check_proxy(pred, tiny_classifier(), batch_with_repeats())


def test_epe_nas_refuses_dense_and_regression_tasks_with_a_reason():
    with pytest.raises(ScoringError, match="class logits"):
        EpeNasPredictor().query(tiny_autoencoder(), [tiny_batch(num_classes=None)])
    x, _ = tiny_batch()
    regression = torch.randn(len(x), 10)  # real-valued targets (room_layout-like)
    with pytest.raises(ScoringError, match="regression"):
        EpeNasPredictor().query(tiny_classifier(), [(x, regression)])


def test_epe_nas_refuses_a_transnas_dense_task():
    nasplug = pytest.importorskip("nasplug")
    try:
        space = nasplug.get_search_space("transbench101_micro", dataset="autoencoder")
    except nasplug.NasplugError as exc:
        pytest.skip(f"TransNAS-Bench-101 not installed: {exc}")
    dataset = nasplug.get_registry().get("datasets", "autoencoder")(synthetic=True, resolution=32)
    batch = dataset.get_batch(4, seed=0)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        space.sample_random_architecture(seed=0)
        space.parse()
    with pytest.raises(ScoringError, match="class logits"):
        EpeNasPredictor().query(space, [batch])


class ConstantOutput(nn.Module):
    """The output does not depend on the input (a NAS-Bench-201 cell of 'none' ops)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(self.conv(x).mean((2, 3)) * 0.0)


def test_epe_nas_failure_is_reported_per_the_contract():
    model, batch = ConstantOutput(), batch_with_repeats()
    with pytest.raises(ScoringError, match="does not depend on the input"):
        EpeNasPredictor().query(model, [batch])
    assert math.isnan(EpeNasPredictor(on_failure="nan").query(model, [batch]))
    assert EpeNasPredictor(on_failure="naslib").query(model, [batch]) == NASLIB_FAILURE_SCORE


def test_epe_nas_needs_labels():
    with pytest.raises(DataError):
        EpeNasPredictor().query(tiny_classifier(), [torch.randn(4, 3, 8, 8)])
