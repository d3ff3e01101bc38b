"""Synflow (Tanaka et al., NeurIPS 2020), as a zero-cost proxy (Abdelfattah et al., ICLR 2021).

Per weight: ``|w * dR/dw|`` with ``R = sum(f(1))``, the summed output of the
network evaluated in float64 on one all-ones input sample, with every parameter
replaced by its absolute value and BatchNorm disabled; summed over every
Conv2d and Linear weight. The score is then log-transformed as NASLib's
``ZeroCost.query`` does (``log(s)`` for ``s > 0``, ``0`` for ``s == 0``), so it
is on the scale of NAS-Bench-Suite-Zero's published synflow values; pass
``log=False`` for the raw sum. Monotone: the ranking is the same either way.
"""

from __future__ import annotations

import math
from typing import Any

from nasplug.zerocost import ZeroCostPredictor


class SynflowPredictor(ZeroCostPredictor):
    """Synflow: data-independent, BN off, |params|, float64, all-ones input of one sample."""

    name = "synflow"
    description = "Synaptic flow (Tanaka et al. 2020), log-transformed as NASLib"
    requires_data = False  # only the input shape is read from the loader
    batchnorm = False
    dtype = "float64"

    def __init__(self, method_type: str | None = None, log: bool = True, **kwargs: Any) -> None:
        super().__init__(method_type=method_type, **kwargs)
        self.log = bool(log)

    def compute(self, ctx) -> float:
        import torch

        with torch.no_grad():
            # every parameter and buffer to its absolute value (the copy is thrown away)
            for tensor in ctx.net.state_dict().values():
                if tensor.is_floating_point():
                    tensor.abs_()
        ones = torch.ones((1, *ctx.input_shape), dtype=torch.float64, device=ctx.device)
        grads = ctx.weight_grads(ctx.forward(ones).sum())
        return ctx.sum_layers((w * g).abs() for w, g in zip(ctx.weights, grads))

    def transform(self, value: float) -> float:
        if not self.log or value == 0.0:
            return value
        return math.log(value) if value > 0 else -math.log(-value)
