"""AZ-NAS's per-cell components and its rank aggregation, as pure functions.

Lee and Ham, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture
Search", CVPR 2024, Sec. 3 (expressivity, progressivity, trainability,
complexity; non-linear ranking aggregation). Equation numbers are not
re-checked against the PDF here; the definitions follow the paper's text and
the authors' ``NB201/ZeroShotProxy/compute_az_nas_score.py``.

``features`` are the feature maps the network produces stage by stage (on
NAS-Bench-201: the stem's output and every cell's, the residual reduction
blocks included: 18 maps), each ``(B, C, H, W)``.
"""

from __future__ import annotations

from typing import Sequence

#: the authors' epsilon in the entropy and in the trainability score
ENTROPY_EPS = 1e-8
SPECTRAL_EPS = 1e-6
#: trainability of a network with a stage that passes the gradient through unchanged
#: (an all-skip cell): the authors' -inf, as a finite value that ranks below every other
IDENTITY_TRAINABILITY = -1e12


def feature_expressivity(feature) -> float:
    """Entropy of the normalised eigenvalues of the channel covariance of ``feature``.

    ``feature`` (B, C, H, W) is read as ``B*H*W`` samples of ``C`` channels,
    centred, covariance ``X^T X / n``; ``p = s / sum(s)`` for its eigenvalues
    ``s`` and the score is ``-sum p log(p + 1e-8)`` (float64). Eigenvalues that
    rounding makes slightly negative are clipped at 0 (the authors' code then
    takes the log of a negative number and the cell becomes NaN -> -inf).
    """
    import torch

    c = feature.shape[1]
    x = feature.detach().double().movedim(1, -1).reshape(-1, c)
    x = x - x.mean(dim=0, keepdim=True)
    sigma = x.T @ x / x.shape[0]
    s = torch.linalg.eigvalsh(sigma).clamp_min(0.0)
    total = s.sum()
    if not bool(total > 0):
        return 0.0  # a constant feature map: no spread in any direction
    p = s / total
    return float(-(p * torch.log(p + ENTROPY_EPS)).sum())


def expressivity_and_progressivity(per_feature: Sequence[float]) -> tuple[float, float]:
    """``(sum of the per-stage expressivities, min of their increase from stage to stage)``."""
    if len(per_feature) < 2:
        raise ValueError("AZ-NAS needs at least 2 feature maps (progressivity is a difference)")
    steps = [b - a for a, b in zip(per_feature[:-1], per_feature[1:])]
    return float(sum(per_feature)), float(min(steps))


def pair_trainability(g_in, g_out) -> float:
    """Trainability of one stage from the gradient ``g_out`` at its output and ``g_in`` at its input.

    With ``M = g_in^T g_out / (B*H*W)`` (channels of the input x channels of the
    output; an input of higher resolution is pixel-unshuffled to the output's)
    (an upsampling stage: the output's gradient unshuffled to the input's) and
    ``s`` its largest singular value: ``-s - 1/(s + 1e-6) + 2`` (0 at
    ``s = 1``, the ideal; lower elsewhere). ``None`` when the stage passes the
    gradient through unchanged (the caller treats it as the worst).
    """
    import torch
    from torch import nn

    if g_in is None:
        g_in = torch.zeros(g_out.shape[0], 1, g_out.shape[2], g_out.shape[3],
                           dtype=g_out.dtype, device=g_out.device)
    if g_in.shape == g_out.shape and bool(torch.equal(g_in, g_out)):
        return None
    if g_in.shape[2] > g_out.shape[2]:
        g_in = nn.functional.pixel_unshuffle(g_in, g_in.shape[2] // g_out.shape[2])
    elif g_in.shape[2] < g_out.shape[2]:
        # an upsampling stage (a dense-prediction decoder; not in the paper, whose
        # networks only downsample): the output's gradient is unshuffled instead
        g_out = nn.functional.pixel_unshuffle(g_out, g_out.shape[2] // g_in.shape[2])
    bo, co, ho, wo = g_out.shape
    a = g_in.double().movedim(1, -1).reshape(-1, g_in.shape[1])
    b = g_out.double().movedim(1, -1).reshape(-1, co)
    mat = a.T @ b / (bo * ho * wo)
    s = float(torch.linalg.svdvals(mat).max())
    return -s - 1.0 / (s + SPECTRAL_EPS) + 2.0


def trainability(pair_scores: Sequence[float | None]) -> float:
    """Mean of the per-stage scores; :data:`IDENTITY_TRAINABILITY` if any stage is an identity."""
    if not pair_scores:
        raise ValueError("AZ-NAS needs at least one pair of consecutive feature maps")
    if any(s is None for s in pair_scores):
        return IDENTITY_TRAINABILITY
    return float(sum(pair_scores) / len(pair_scores))


def rank_aggregate(matrix) -> list[float]:
    """AZ-NAS's non-linear ranking aggregation over a population.

    ``matrix``: one row per architecture, one column per component (higher =
    better in each). Each column is ranked ascending over the rows (ties get
    their average rank, ``scipy.stats.rankdata``), and an architecture's score
    is ``sum over components of log(rank / N)``, ``N`` the population size:
    every term is <= 0 and a low rank in any one component costs much more
    than a high rank elsewhere gains.
    """
    import numpy as np
    from scipy.stats import rankdata

    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] == 0:
        raise ValueError("rank_aggregate needs a non-empty (architectures x components) matrix")
    n = m.shape[0]
    ranks = rankdata(m, axis=0)
    return [float(v) for v in np.log(ranks / n).sum(axis=1)]


__all__ = ["IDENTITY_TRAINABILITY", "expressivity_and_progressivity", "feature_expressivity",
           "pair_trainability", "rank_aggregate", "trainability"]

