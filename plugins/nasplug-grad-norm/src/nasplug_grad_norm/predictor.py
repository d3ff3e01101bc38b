"""Gradient norm, as a zero-cost proxy (Abdelfattah et al., ICLR 2021).

The Euclidean (Frobenius) norm of ``dL/dw`` of each Conv2d and Linear weight
tensor for the task loss ``L`` on one batch, BatchNorm in training mode,
summed over the layers. No transformation.
"""

from __future__ import annotations

from nasplug.zerocost import ZeroCostPredictor


class GradNormPredictor(ZeroCostPredictor):
    """grad_norm: sum over Conv2d/Linear layers of ||dL/dW||_2."""

    name = "grad_norm"
    description = "Sum of per-layer gradient norms (Abdelfattah et al. 2021)"
    in_place = True  # reads weights, never writes them: no deep copy needed
    passes = frozenset({"weight_grads"})  # the task-loss backward, shared with snip, fisher, ...

    def compute(self, ctx) -> float:
        grads = ctx.task_weight_grads()
        return ctx.sum_layers(g.norm() for g in grads)
