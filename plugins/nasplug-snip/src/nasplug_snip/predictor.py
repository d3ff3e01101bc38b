"""SNIP (Lee et al., ICLR 2019), as a zero-cost proxy (Abdelfattah et al., ICLR 2021).

Per weight: ``|dL/dw * w|`` (connection sensitivity) for the task loss ``L`` on
one batch, BatchNorm in training mode; summed over every Conv2d and Linear
weight. No transformation.
"""

from __future__ import annotations

from nasplug.zerocost import ZeroCostPredictor


class SnipPredictor(ZeroCostPredictor):
    """SNIP: sum of |dL/dw * w| over Conv2d/Linear weights."""

    name = "snip"
    description = "Connection sensitivity |dL/dw * w| (Lee et al. 2019)"
    in_place = True  # reads weights, never writes them: no deep copy needed
    passes = frozenset({"weight_grads"})  # the task-loss backward, shared with grad_norm, fisher, ...

    def compute(self, ctx) -> float:
        grads = ctx.task_weight_grads()
        return ctx.sum_layers((g * w).abs() for g, w in zip(grads, ctx.weights))
