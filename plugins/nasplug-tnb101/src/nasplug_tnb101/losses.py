"""Per-task training losses, as TransNAS-Bench-101 trains and NASLib scores (torch).

=================  ==========================================================
class_scene,       soft-target cross-entropy on teacher probabilities
class_object       (TransNAS-Bench-101 / NASLib ``SoftmaxCrossEntropyWithLogits``)
jigsaw             cross-entropy over the 1,000 permutation classes
segmentsemantic    per-pixel cross-entropy over 17 classes
room_layout        mean squared error of the 9 numbers
normal,            L1 (mean absolute error) of the image
autoencoder
=================  ==========================================================
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .tasks import task_info


class SoftTargetCrossEntropy(nn.Module):
    """``-(target * log(softmax(logits) + eps)).sum(-1).mean()`` with ``eps = 1e-5``.

    ``target`` is a probability vector per sample (Taskonomy's class labels are a
    teacher network's probabilities over the selected classes). Integer class
    indices are accepted too and treated as one-hot targets.
    """

    eps = 1e-5

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if not target.is_floating_point():
            target = F.one_hot(target.long(), logits.shape[-1]).to(logits.dtype)
        log_probs = torch.log(F.softmax(logits, dim=-1) + self.eps)
        return -(target * log_probs).sum(dim=-1).mean()


class PixelCrossEntropy(nn.CrossEntropyLoss):
    """Cross-entropy of ``[N, 17, H, W]`` logits against ``[N, H, W]`` class maps."""

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return super().forward(logits, target.long())


def get_loss_fn(task: str) -> nn.Module:
    """The loss module of ``task``."""
    kind = task_info(task).loss
    if kind == "soft_cross_entropy":
        return SoftTargetCrossEntropy()
    if kind == "cross_entropy":
        return nn.CrossEntropyLoss()
    if kind == "pixel_cross_entropy":
        return PixelCrossEntropy()
    if kind == "mse":
        return nn.MSELoss()
    return nn.L1Loss()
