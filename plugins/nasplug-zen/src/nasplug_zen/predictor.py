"""Zen-NAS score (Lin et al., ICCV 2021), as NASLib computes it (``measures/zen.py``).

With every Conv2d and Linear weight redrawn from N(0, 1) (biases 0) and every
BatchNorm2d/GroupNorm affine weight 1 and bias 0 (NASLib's
``network_weight_gaussian_init``), BatchNorm in training mode and its running
statistics those of a freshly built network (mean 0, variance 1), two inputs of
the batch's shape are drawn from N(0, 1), ``x1`` and ``x2``, and

    delta = mean over samples of sum_chw |F(x1) - F(x1 + gamma * x2)|
    score = log(delta) + sum over BatchNorm2d layers of log sqrt(mean(running_var))

where ``F`` is the pre-head feature map (below), ``gamma`` = ``mixup_gamma``
(1e-2) and ``running_var`` each BatchNorm2d's running variance after the two
forward passes (momentum 0.1: the BN-variance correction that undoes the
normalisation the expressivity measure would otherwise ignore). ``repeat`` > 1
averages ``repeat`` such draws (NASLib's default 1). Units: none (log);
no transformation; higher = better.

The pre-head feature map: ``graph.forward_before_global_avg_pool(x)`` when the
model defines it (NASLib's name); otherwise the input of the model's global
average pooling (``nn.AdaptiveAvgPool2d``, its last call: the NAS-Bench-201 head's
BN-ReLU output, the NAS-Bench-301 cells' output, the TransNAS-Bench-101
classification heads); otherwise, for a model with no global pooling (the
TransNAS-Bench-101 dense decoders), the input of the last Conv2d called, which is
what NASLib's ``_forward_before_last_conv`` takes there.

The batch is not read: only its size and shape (without a loader, the search
space's ``input_shape`` and ``batch_size``, default 64, NASLib's batch). The
weights are redrawn on the caller's model itself and put back exactly afterwards,
also after a failure (cheaper than a deep copy). An output that does not depend on
the input (``delta = 0``, e.g. a NAS-Bench-201 cell cut by ``none`` ops) has no log:
``ScoringError``, as is an infinite or NaN score.
"""

from __future__ import annotations

import math
from typing import Any

from nasplug.errors import NasplugError
from nasplug.zerocost import ScoringError, ZeroCostPredictor

#: Zen-NAS's perturbation scale (NASLib ``mixup_gamma``)
MIXUP_GAMMA = 1e-2
#: NAS-Bench-Suite-Zero's batch size, for queries without a loader
DEFAULT_BATCH_SIZE = 64


class ZenPredictor(ZeroCostPredictor):
    """zen: log E|F(x) - F(x + gamma x')| plus the BatchNorm log-std correction (Zen-NAS)."""

    name = "zen"
    description = "Zen-NAS score: Gaussian-perturbation response, BN-variance corrected (Lin et al. 2021)"
    requires_data = False  # Gaussian inputs: only the batch's shape is read
    in_place = True  # the weights it redraws are put back (see the module docstring)

    def __init__(self, method_type: str | None = None, mixup_gamma: float = MIXUP_GAMMA, repeat: int = 1,
                 batch_size: int = DEFAULT_BATCH_SIZE, **kwargs: Any) -> None:
        super().__init__(method_type=method_type, **kwargs)
        if int(repeat) < 1 or int(batch_size) < 1:
            raise NasplugError("zen: repeat and batch_size must be at least 1")
        self.mixup_gamma = float(mixup_gamma)
        self.repeat = int(repeat)
        self.batch_size = int(batch_size)

    def compute(self, ctx) -> float:
        import torch

        net = ctx.net
        n = int(ctx.inputs.shape[0]) if ctx.inputs is not None else self.batch_size
        shape = (n, *ctx.input_shape)
        dtype = next((p.dtype for p in net.parameters() if p.is_floating_point()), torch.float32)
        scores = []
        with torch.no_grad(), redrawn_weights(net):
            norms = fresh_running_stats(net)
            for _ in range(self.repeat):
                gaussian_init(net)
                x1 = torch.randn(shape, device=ctx.device, dtype=dtype)
                x2 = torch.randn(shape, device=ctx.device, dtype=dtype)
                out = pre_head_features(net, x1)
                mixed = pre_head_features(net, x1 + self.mixup_gamma * x2)
                delta = float((out - mixed).abs().flatten(1).sum(1, dtype=torch.float64).mean())
                if not delta > 0:
                    raise ScoringError(self.method_type, f"the pre-head feature map does not respond to "
                                       f"its input (mean |difference| {delta}): the output does not "
                                       "depend on the input")
                log_bn = sum(0.5 * math.log(float(m.running_var.double().mean())) for m in norms)
                scores.append(math.log(delta) + log_bn)
        return sum(scores) / len(scores)


def gaussian_init(net) -> None:
    """NASLib's ``network_weight_gaussian_init``: N(0, 1) conv/linear weights, zero biases,
    unit/zero BatchNorm2d and GroupNorm affine parameters (in place, under no_grad)."""
    from torch import nn

    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class redrawn_weights:
    """Context manager: every floating-point parameter of ``net`` is put back on exit."""

    def __init__(self, net) -> None:
        self.net = net
        self.saved: list = []

    def __enter__(self):
        self.saved = [(p, p.detach().clone()) for p in self.net.parameters() if p.is_floating_point()]
        return self.net

    def __exit__(self, *exc) -> None:
        import torch

        with torch.no_grad():
            for p, value in self.saved:
                p.copy_(value)
        self.saved = []


def fresh_running_stats(net) -> list:
    """Give every BatchNorm2d of ``net`` the running statistics of a new layer (mean 0,
    variance 1, tracking on) and return those layers. Only for a network in the
    scoring state, which puts each layer's own statistics back afterwards."""
    import torch
    from torch import nn

    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in norms:
        ref = m.weight if m.weight is not None else next(iter(net.parameters()), None)
        kw = {"device": ref.device if ref is not None else None}
        dtype = ref.dtype if ref is not None else torch.float32
        m.track_running_stats = True
        m.running_mean = torch.zeros(m.num_features, dtype=dtype, **kw)
        m.running_var = torch.ones(m.num_features, dtype=dtype, **kw)
        m.num_batches_tracked = torch.tensor(0, dtype=torch.long, **kw)
    return norms


def pre_head_features(net, x):
    """The feature map ``net``'s head pools, for input ``x`` (see the module docstring)."""
    from torch import nn

    own = getattr(net, "forward_before_global_avg_pool", None)
    if callable(own):
        return own(x)
    pools = [m for m in net.modules() if isinstance(m, nn.AdaptiveAvgPool2d)]
    targets = pools or [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    if not targets:
        raise ScoringError("zen", "the model has no global average pooling and no Conv2d: "
                           "no pre-head feature map")
    seen: list = []

    def record(module, args) -> None:
        seen.append(args[0])

    handles = [m.register_forward_pre_hook(record) for m in targets]
    try:
        net(x)
    finally:
        for h in handles:
            h.remove()
    if not seen:
        raise ScoringError("zen", "the forward pass never reached the pooling/convolution layers")
    return seen[-1]
