"""l2_norm (NAS-Bench-Suite-Zero; NASLib ``measures/l2_norm.py``).

``score = sum over Conv2d/Linear layers of ||W||_2``: the Frobenius (L2) norm of each
layer's weight tensor, *not* squared, summed over the layers. Biases, BatchNorm and
any other parameter are not counted. It reads the weights as they are: no batch, no
forward pass, no mode change and no copy (NASLib: ``copy_net=False``). Units: those
of the weights; no transformation. The score depends on the initial weights (the
same architecture scores differently for another weight seed).
"""

from __future__ import annotations

from nasplug.zerocost import ScoringError, ZeroCostPredictor


class L2NormPredictor(ZeroCostPredictor):
    """l2_norm: sum of the L2 norms of the Conv2d/Linear weight tensors."""

    name = "l2_norm"
    description = "Sum of the L2 norms of the Conv2d/Linear weights (NAS-Bench-Suite-Zero)"
    requires_data = False
    needs_input_shape = False
    copy_model = False  # only reads the weights
    passes = frozenset({"weights"})  # no pass at all: scored beside the others on the same model

    def compute(self, ctx) -> float:
        import torch

        if not ctx.layers:
            raise ScoringError(self.method_type, "the model has no Conv2d or Linear layer")
        total = 0.0
        for w in ctx.weights:
            total += float(torch.linalg.vector_norm(w.detach(), dtype=torch.float64))
        return total
