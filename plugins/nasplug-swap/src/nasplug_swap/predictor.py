"""SWAP: the number of distinct sample-wise activation patterns.

Peng, Song, Fayek, Ciesielski and Chang, ICLR 2024 (SWAP-Score and its
regularised form, method section; equation numbers not re-checked against the
PDF here). For a batch of ``B`` samples, every ReLU unit (one position of one
channel of a ReLU output on a 4-D feature map) has a *sample-wise pattern*: the
``B``-bit vector telling on which samples it is active (output > 0). Then::

    SWAP = | { pattern of u : u a ReLU unit of the network } |        (distinct patterns)
    regularised SWAP = SWAP * exp( -(P - mu)^2 / sigma )

with ``P`` the parameter count in thousands (the authors'
``count_parameters``: every parameter, / 1e3) and ``mu``, ``sigma`` chosen by
the user for the wanted model size. ReLUs: every ``torch.nn.ReLU`` called on a
4-D input, as the authors' hooks. One forward pass without gradients,
BatchNorm in training mode. Higher = better; no transformation.

Options: ``mu`` and ``sigma`` (both or neither: the regularised score);
``init="gaussian"`` re-draws the weights as the authors' code does before
scoring (Conv2d/Linear weights N(0, 1), biases 0, BatchNorm weight 1 and bias 0;
on a scoring copy, seeded) and ``repeats`` averages that many draws (the
authors' script: 32); the default scores the model's own weights once.

Patterns are packed into 64-bit integers (62 samples per word) and counted
with ``torch.unique``, which gives the same count as the authors'
``torch.unique(sign(A).T, dim=0)`` on the ``units x samples`` matrix without
building it.
"""

from __future__ import annotations

import math

from nasplug.errors import DataError
from nasplug.zerocost import ZeroCostPredictor

#: samples packed into one int64 word (bit 62 and the sign bit stay clear)
BITS_PER_WORD = 62
INITS = (None, "gaussian")


def pack_patterns(active):
    """``active``: bool (B, units) -> int64 (units, words): each unit's B-bit pattern."""
    import torch

    b = active.shape[0]
    words = []
    for start in range(0, b, BITS_PER_WORD):
        block = active[start:start + BITS_PER_WORD].to(torch.int64)
        shifts = torch.arange(block.shape[0], dtype=torch.int64, device=block.device).view(-1, 1)
        words.append((block << shifts).sum(dim=0))
    return torch.stack(words, dim=1)


def count_patterns(codes) -> int:
    """Distinct rows of the packed patterns ``codes`` (units, words)."""
    import torch

    if codes.shape[0] == 0:
        return 0
    if codes.shape[1] == 1:
        return int(torch.unique(codes[:, 0]).numel())
    return int(torch.unique(codes, dim=0).shape[0])


def regular_factor(params: int, mu: float, sigma: float) -> float:
    """exp(-(P - mu)^2 / sigma), P = ``params`` / 1e3 (the authors' ``cal_regular_factor``)."""
    return math.exp(-((params / 1e3 - mu) ** 2) / sigma)


def gaussian_init(net) -> None:
    """The authors' ``network_weight_gaussian_init``: N(0, 1) weights, zero biases, BN (1, 0)."""
    import torch
    from torch import nn

    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


class SwapPredictor(ZeroCostPredictor):
    """swap: distinct sample-wise ReLU activation patterns (optionally size-regularised)."""

    name = "swap"
    description = "SWAP: sample-wise activation patterns (Peng et al., ICLR 2024)"

    def __init__(self, method_type: str | None = None, mu: float | None = None,
                 sigma: float | None = None, init: str | None = None, repeats: int = 1,
                 **kwargs) -> None:
        super().__init__(method_type=method_type, **kwargs)
        if (mu is None) != (sigma is None):
            raise DataError("swap: give both mu and sigma (the regularised SWAP) or neither")
        if sigma is not None and float(sigma) <= 0:
            raise DataError(f"swap: sigma must be positive, got {sigma}")
        if init not in INITS:
            raise DataError(f"swap: init must be 'gaussian' or None, got {init!r}")
        if int(repeats) < 1 or (init is None and int(repeats) != 1):
            raise DataError("swap: repeats must be 1 without init, at least 1 with init='gaussian'")
        self.mu = None if mu is None else float(mu)
        self.sigma = None if sigma is None else float(sigma)
        self.init, self.repeats = init, int(repeats)
        # the model's own weights are only read; a re-draw needs a scoring copy
        self.in_place = init is None

    def compute(self, ctx) -> float:
        import torch
        from torch import nn

        x = ctx.require_inputs()
        if x.shape[0] < 2:
            raise DataError("swap needs a batch of at least 2 samples")
        relus = [m for m in ctx.net.modules() if isinstance(m, nn.ReLU)]
        codes: list[torch.Tensor] = []

        def hook(module, args, output) -> None:
            if args and isinstance(args[0], torch.Tensor) and args[0].dim() == 4:
                codes.append(pack_patterns(output.detach().reshape(output.shape[0], -1) > 0))

        scores = []
        handles = [m.register_forward_hook(hook) for m in relus]
        try:
            for _ in range(self.repeats):
                if self.init == "gaussian":
                    gaussian_init(ctx.net)
                codes.clear()
                with torch.no_grad():
                    ctx.forward(x)
                scores.append(count_patterns(torch.cat(codes)) if codes else 0)
        finally:
            for h in handles:
                h.remove()
        value = float(sum(scores)) / len(scores)
        if self.mu is not None:
            params = sum(p.numel() for p in ctx.net.parameters())
            value *= regular_factor(params, self.mu, self.sigma)
        return value
