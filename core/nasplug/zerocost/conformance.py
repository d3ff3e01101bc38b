"""Checks every zero-cost proxy should pass, and tiny models to run them on.

For proxy authors (``nasplug-*`` plugins and your own): ::

    from nasplug.zerocost.conformance import check_proxy, tiny_classifier, tiny_batch
    check_proxy(MyPredictor(), tiny_classifier(), tiny_batch())

``check_proxy`` asserts the :mod:`nasplug.zerocost` contract: a finite float,
the same score twice for the same model, batch and seed, and a model (weights,
gradients, BN buffers, train/eval flags, requires_grad) and global RNG state left
exactly as they were (the same snapshot as :class:`nasplug.testing.PredictorConformance`
uses: :mod:`nasplug.testing.snapshot`). Imports torch.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from ..testing import snapshot as _snapshot


class TinyClassifier(nn.Module):
    """Conv-BN-ReLU x2, global pooling, Linear: a 10-class image classifier for tests."""

    def __init__(self, channels: int = 8, num_classes: int = 10, in_channels: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1, bias=True), nn.BatchNorm2d(channels), nn.ReLU(),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))


class TinyAutoencoder(nn.Module):
    """A dense-prediction model (image out) whose loss comes from ``get_loss_fn`` (L1)."""

    def __init__(self, channels: int = 6, in_channels: int = 3) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, in_channels, 3, padding=1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def get_loss_fn(self) -> nn.Module:
        return nn.L1Loss()


def tiny_classifier(seed: int = 0, **kwargs: Any) -> TinyClassifier:
    """A seeded :class:`TinyClassifier` (with non-trivial BN running statistics)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TinyClassifier(**kwargs)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.1, 0.1)
    return model


def tiny_autoencoder(seed: int = 0, **kwargs: Any) -> TinyAutoencoder:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TinyAutoencoder(**kwargs)


def tiny_batch(n: int = 8, size: int = 8, num_classes: int | None = 10, seed: int = 0):
    """``(inputs, targets)``: ``n`` random 3x``size``x``size`` images and class labels
    (``num_classes=None``: the targets are the inputs, for autoencoders)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, size, size, generator=gen)
    y = x.clone() if num_classes is None else torch.randint(0, num_classes, (n,), generator=gen)
    return x, y


def snapshot(model: nn.Module) -> dict:
    """Everything a proxy must leave alone (:func:`nasplug.testing.snapshot.take`)."""
    return _snapshot.take(model)


def assert_unchanged(before: dict, model: nn.Module) -> None:
    """Assert ``model`` is exactly as in the ``before`` snapshot (the differences are the message)."""
    changes = _snapshot.differences(before, model, limit=None)
    assert not changes, "; ".join(changes)


def check_proxy(predictor: Any, model: nn.Module, batch: tuple) -> float:
    """Assert the zero-cost contract for ``predictor`` on ``model`` and ``batch``; return the score."""
    before = snapshot(model)
    rng = torch.get_rng_state()
    first = predictor.query(model, [batch])
    assert isinstance(first, float) and math.isfinite(first), f"score {first!r} is not a finite float"
    assert_unchanged(before, model)
    assert torch.equal(rng, torch.get_rng_state()), "the global torch RNG state changed"
    second = predictor.query(model, [batch])
    assert second == first, f"two queries gave {first!r} and {second!r}"
    return first
