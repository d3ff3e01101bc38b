"""Fisher (Theis et al. 2018; Turner et al., ICLR 2020), as a zero-cost proxy
(Abdelfattah et al., ICLR 2021), computed as NASLib computes it.

For the output activation ``a`` of every Conv2d/Linear layer (NASLib hooks an
identity right after the layer) and ``g = dL/da`` for the task loss ``L`` on one
batch (BatchNorm in training mode): per sample ``n`` and channel ``k``,
``s_nk = sum over spatial positions of a * g``; the channel's saliency is
``0.5 * mean_n s_nk^2``. NASLib broadcasts each channel's value to every weight
of that channel before summing, so a layer contributes
``sum_k saliency_k * (weight.numel() / out_channels)``; so does this one.
No transformation.
"""

from __future__ import annotations

from nasplug.zerocost import ZeroCostPredictor


class FisherPredictor(ZeroCostPredictor):
    """fisher: per-channel activation x gradient saliency, summed over the weights."""

    name = "fisher"
    description = "Per-channel Fisher saliency of Conv2d/Linear outputs (Turner et al. 2020)"
    in_place = True  # reads weights, never writes them: no deep copy needed
    passes = frozenset({"activation_grads"})  # the task-loss backward, shared with snip, ...

    def compute(self, ctx) -> float:
        import torch

        saliency: dict[int, torch.Tensor] = {}
        for index, act, grad in ctx.task_activation_grads():
            if grad is None:  # this call's output does not reach the loss
                continue
            prod = act * grad
            per_channel = prod.sum(dim=tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
            value = per_channel.pow(2).mean(0).mul(0.5)
            saliency[index] = saliency[index] + value if index in saliency else value
        per_layer = []
        for index, value in saliency.items():
            weight = ctx.layers[index].weight
            per_layer.append(value.abs() * (weight.numel() // weight.shape[0]))
        return ctx.sum_layers(per_layer)
