"""plain (Abdelfattah et al., ICLR 2021; NASLib ``measures/plain.py``).

Per weight: ``dL/dw * w`` for the task loss ``L`` on one batch, BatchNorm in
training mode, summed (with its sign: no absolute value, unlike snip) over every
Conv2d and Linear weight. Units of the loss (a first-order estimate of the loss
change when every weight is removed, with the sign flipped); no transformation.
NASLib reports it as is: it ranks NAS-Bench-201 cells *negatively* against
accuracy (NAS-Bench-Suite-Zero: rho -0.25 to -0.28), and nasplug keeps NASLib's
sign so its numbers compare with the published ones.
"""

from __future__ import annotations

from nasplug.zerocost import ZeroCostPredictor


class PlainPredictor(ZeroCostPredictor):
    """plain: sum of dL/dw * w over Conv2d/Linear weights."""

    name = "plain"
    description = "Sum of gradient times weight, dL/dw * w (Abdelfattah et al. 2021)"
    in_place = True  # reads weights, never writes them: no deep copy needed
    passes = frozenset({"weight_grads"})  # the task-loss backward, shared with snip, grad_norm, ...

    def compute(self, ctx) -> float:
        grads = ctx.task_weight_grads()
        return ctx.sum_layers(g * w for g, w in zip(grads, ctx.weights))
