"""ZiCo: zero-shot NAS via the inverse coefficient of variation on gradients.

Li, Yang, Bhardwaj and Marculescu, ICLR 2023 (the ZiCo definition, Sec. 3; equation
number not re-checked against the PDF here)::

    ZiCo = sum over layers l of  log( sum over weights w of layer l  of  E[|g_w|] / sqrt(Var[g_w]) )

where ``g_w`` is the gradient of the task loss with respect to ``w`` and the
mean and variance run over *mini-batches*: the batch is split into
``num_batches`` consecutive equal parts (default 2, the paper's and the
authors' code's two batches), each part gets its own forward pass (BatchNorm
in training mode with that part's statistics) and its own backward pass, and
the per-part gradients give the statistics. Standard deviation with ``1/k``
(NumPy's default, as the authors' ``np.std``); weights whose gradient does not
vary across the parts are left out of the inner sum, and a layer whose inner
sum is 0 (no such weight) adds nothing, both as the authors' code does.
Layers: every Conv2d and Linear weight (the shared engine's layer walk, as
the authors' ``getgrad``). Higher = better; no transformation.

Units: a sum of natural logarithms of dimensionless ratios.
"""

from __future__ import annotations

import math

from nasplug.errors import DataError
from nasplug.zerocost import ZeroCostPredictor

#: mini-batches the paper and the authors' code use (two batches of 64 on NAS-Bench-201)
DEFAULT_NUM_BATCHES = 2


def zico_from_gradients(per_batch: list[list]) -> float:
    """ZiCo of per-batch gradients: ``per_batch[k][l]`` is batch ``k``'s gradient of layer ``l``.

    Pure function (torch tensors in, float out): the paper's formula with the
    authors' handling of zero variance. Accumulated in float64.
    """
    import torch

    if len(per_batch) < 2:
        raise ValueError("ZiCo needs the gradients of at least 2 batches")
    total = 0.0
    for layer_grads in zip(*per_batch):
        g = torch.stack([t.detach().reshape(-1).double() for t in layer_grads])
        std = g.std(dim=0, unbiased=False)
        mean_abs = g.abs().mean(dim=0)
        keep = std != 0
        inner = float((mean_abs[keep] / std[keep]).sum())
        if inner != 0.0:
            total += math.log(inner)
    return total


class ZicoPredictor(ZeroCostPredictor):
    """zico: sum_l log(sum_w mean|g_w| / std(g_w)) over ``num_batches`` parts of the batch."""

    name = "zico"
    description = "ZiCo: inverse coefficient of variation of gradients (Li et al., ICLR 2023)"
    in_place = True  # reads weights, never writes them: no deep copy needed

    def __init__(self, method_type: str | None = None, num_batches: int = DEFAULT_NUM_BATCHES,
                 **kwargs) -> None:
        super().__init__(method_type=method_type, **kwargs)
        if int(num_batches) < 2:
            raise DataError(f"zico: num_batches must be at least 2, got {num_batches}")
        self.num_batches = int(num_batches)

    def compute(self, ctx) -> float:
        import torch

        inputs = ctx.require_inputs()
        if ctx.targets is None:
            raise DataError("zico needs targets: give a loader of (inputs, targets) batches")
        k = self.num_batches
        if inputs.shape[0] < k:
            raise DataError(f"zico splits the batch into {k} mini-batches: give a batch of at least "
                            f"{k} samples (the paper: {k} x 64)")
        per_batch = []
        for x, y in zip(torch.tensor_split(inputs, k), torch.tensor_split(ctx.targets, k)):
            loss = ctx.loss_fn(ctx.forward(x), y)
            per_batch.append(ctx.weight_grads(loss))
        return zico_from_gradients(per_batch)
