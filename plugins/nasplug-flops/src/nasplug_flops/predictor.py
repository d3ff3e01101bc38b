"""FLOPs of the network for one input sample, in MFLOPs, counted as NASLib counts them.

The count is :func:`nasplug.counting.count_flops` (the one counter every nasplug
part uses, matching NASLib's ``get_model_stats(...).Flops / 1e6`` exactly on
NAS-Bench-201) for an input of one sample of the batch's shape (NASLib sets the
batch dimension to 1). Data-free: only the input shape is read from the loader
(or ``graph.input_shape``). No transformation.
"""

from __future__ import annotations

from nasplug.zerocost import ZeroCostPredictor


class FlopsPredictor(ZeroCostPredictor):
    """flops: MFLOPs of one forward pass on one input sample."""

    name = "flops"
    description = "Forward FLOPs of one sample, in MFLOPs (as NASLib)"
    requires_data = False
    copy_model = False  # counting reads the model without changing it

    def compute(self, ctx) -> float:
        from nasplug.counting import count_flops

        return float(count_flops(ctx.net, (1, *ctx.input_shape)))
