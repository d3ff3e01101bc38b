"""MeCo: the minimum eigenvalue of the Pearson correlation of feature maps.

Jiang, Wang and Bie, NeurIPS 2023 (the MeCo definition of the method section;
equation number not re-checked against the PDF here)::

    MeCo = sum over layers i of  lambda_min( P(f_i(x)) )

``f_i(x)`` is layer ``i``'s feature map of ONE input sample ``x``, a
``C x (H*W)`` matrix (one row per channel), ``P`` its ``C x C`` Pearson
correlation matrix (rows as variables) and ``lambda_min`` the smallest
eigenvalue. One forward pass, no labels, no backward. The paper's protocol
on NAS-Bench-201: batch of 1 (the first sample of the given batch; BatchNorm
in training mode normalises over that sample's pixels), network weights as
built.

Options:

``modules``
    ``"layers"`` (default: the paper's "each layer": every Conv2d and Linear
    output) or ``"all"`` (the authors' code: a forward hook on *every* module
    of ``named_modules()``, the network itself, cells, ReLU, BatchNorm and
    container outputs included).
``variant``
    ``"meco"`` (default) or ``"opt"`` (MeCo_opt, the paper's optimised variant and
    the authors' ``meco_opt``: per module, the correlation of 8 channels drawn
    at random (seeded), its lambda_min scaled by ``C / 8``; all channels when
    ``C < 8``).
``samples``
    how many samples of the batch to use (default 1, the paper). The feature
    map of the first one is scored; the others only shape BatchNorm statistics.
    A network with a BatchNorm layer on a 1x1 map (TransNAS-Bench-101's heads)
    cannot run one sample in training mode: such a cell raises a ``ScoringError``
    that says to use ``samples=2``.

Undefined correlations (a constant channel, a 1x1 map, a Linear output of one
value per channel) are 0, and so is an eigenvalue of such rows, as the authors'
code does (``corr[isnan] = 0``). Eigenvalues with ``torch.linalg.eigvalsh`` in
float64 (the matrix is symmetric; the authors use the general ``eig``, the
same values up to rounding). Higher = better; no transformation.
"""

from __future__ import annotations

from nasplug.errors import DataError
from nasplug.zerocost import ScoringError, ZeroCostPredictor

MODULES = ("layers", "all")
VARIANTS = ("meco", "opt")
#: channels MeCo_opt samples per layer
OPT_CHANNELS = 8


def min_correlation_eigenvalue(feature, channels: int | None = None, generator=None) -> float:
    """lambda_min of the channel correlation of one sample's feature map ``feature`` (C x ...).

    ``channels``: MeCo_opt's random subset size (the result is scaled by
    ``C / channels``); None uses every channel. NaN correlations count as 0.
    """
    import torch

    fea = feature.detach().reshape(feature.shape[0], -1).double()
    n = fea.shape[0]
    scale = 1.0
    if channels is not None and n > channels:
        index = torch.randperm(n, generator=generator, device="cpu")[:channels].to(fea.device)
        fea = fea[index]
        scale = n / channels
    if fea.shape[1] < 2:  # one value per channel: no correlation at all (the authors' NaN -> 0)
        return 0.0
    if fea.shape[0] < 2:
        return 1.0  # the correlation of one variable with itself
    corr = torch.nan_to_num(torch.corrcoef(fea), nan=0.0, posinf=0.0, neginf=0.0)
    return float(torch.linalg.eigvalsh(corr).min()) * scale


class MecoPredictor(ZeroCostPredictor):
    """meco: sum over layers of lambda_min(corrcoef(feature map of one sample))."""

    name = "meco"
    description = "MeCo: minimum eigenvalue of feature-map correlation (Jiang et al., NeurIPS 2023)"
    in_place = True  # one forward pass; nothing written

    def __init__(self, method_type: str | None = None, modules: str = "layers", variant: str = "meco",
                 samples: int = 1, **kwargs) -> None:
        super().__init__(method_type=method_type, **kwargs)
        if modules not in MODULES:
            raise DataError(f"meco: modules must be one of {', '.join(MODULES)}, got {modules!r}")
        if variant not in VARIANTS:
            raise DataError(f"meco: variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
        if int(samples) < 1:
            raise DataError(f"meco: samples must be at least 1, got {samples}")
        self.modules, self.variant, self.samples = modules, variant, int(samples)

    def compute(self, ctx) -> float:
        import math

        import torch
        from torch import nn

        from nasplug.zerocost import primary_output

        x = ctx.require_inputs()[: self.samples]
        channels = OPT_CHANNELS if self.variant == "opt" else None
        generator = torch.Generator().manual_seed(self.seed) if channels else None
        values: list[float] = []

        def hook(module: nn.Module, args, output) -> None:
            try:
                out = primary_output(output)
            except TypeError:
                return
            if out.dim() < 2:
                return
            values.append(min_correlation_eigenvalue(out[0], channels, generator))

        targets = ctx.layers if self.modules == "layers" else [m for _, m in ctx.net.named_modules()]
        handles = [m.register_forward_hook(hook) for m in targets]
        try:
            with torch.no_grad():
                ctx.forward(x)
        except ValueError as exc:
            if "more than 1 value per channel" not in str(exc):
                raise
            raise ScoringError(self.method_type, f"{x.shape[0]} sample(s) leave a BatchNorm layer one "
                               "value per channel (a 1x1 map in training mode); use samples=2") from exc
        finally:
            for h in handles:
                h.remove()
        return float(sum(v for v in values if math.isfinite(v)))
