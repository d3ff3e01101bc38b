"""EPE-NAS (Lopes et al., 2021), as NASLib computes it (``measures/epe_nas.py``).

``J`` is the gradient of the summed network output with respect to the input
batch (one flattened row per sample; BatchNorm in training mode), the same
Jacobian as jacov. The samples are grouped by class label ``c``; for each class
with ``n_c`` samples, ``C_c`` is the correlation matrix of its rows and

    s_c = sum_ij log(|C_c[i, j]| + 1e-5)            (divided by n_c when K > 100)

where ``K`` is the number of network outputs (logits). Then

- ``K <= 100``: ``score = sum_c |s_c|``;
- ``K > 100``:  ``score = sum_c sum_c' |s_c - s_c'| / m``, ``m`` the number of
  classes in the batch with at least two samples (a class seen once has no
  correlation matrix and is left out, as NASLib's ``len()`` of a 0-d array fails;
  with no class seen twice the score is NASLib's empty sum, 0: give a batch large
  enough to hold repeated classes, e.g. NASLib's 32 or more for ImageNet16-120).

A class seen once under ``K <= 100`` counts ``|log(1 + 1e-5)|`` (NASLib's
``corrcoef`` of one row is 1). Units: none (log-correlations); no transformation;
higher = better, as NASLib reports it.

Correlations of a class are a block of the correlation matrix of the whole batch
(a correlation only involves its two rows), so one ``torch.corrcoef`` in float64
serves every class; NASLib calls NumPy per class, same values up to rounding.

Refusals: EPE-NAS needs class labels and class logits. A task whose output is not
``(batch, classes)`` (dense prediction: segmentation, images) or whose targets are
not classes (regression, e.g. TransNAS-Bench-101 room_layout) raises a
``ScoringError`` saying so; NASLib scores those ``-1e8`` (its exception handler) or,
for room_layout, the argmax of the regression target. Soft targets (probability
rows, TransNAS-Bench-101 class_scene/class_object) use their argmax, as NASLib.
A sample whose input gradient is constant (output independent of the input) makes
the correlation undefined: ``ScoringError`` (NASLib: NaN, then -1e8).
"""

from __future__ import annotations

from nasplug.errors import DataError
from nasplug.zerocost import ScoringError, ZeroCostPredictor

#: the regulariser inside the log (EPE-NAS; NASLib ``k``)
EPSILON = 1e-5
#: above this many outputs NASLib switches from sum |s_c| to the pairwise form
PAIRWISE_ABOVE_CLASSES = 100


class EpeNasPredictor(ZeroCostPredictor):
    """epe_nas: per-class correlation of input Jacobians (Lopes et al. 2021)."""

    name = "epe_nas"
    description = "Per-class correlation of input Jacobians (EPE-NAS, Lopes et al. 2021)"
    in_place = True  # reads weights, never writes them: no deep copy needed
    passes = frozenset({"input_jacobian"})  # the Jacobian backward, shared with jacov

    def compute(self, ctx) -> float:
        ctx.require_inputs()
        if ctx.targets is None:
            raise DataError("epe_nas needs class labels: give a loader of (inputs, targets) batches")
        y = ctx.task_output()
        if y.dim() != 2:
            raise ScoringError(self.method_type, f"needs class logits (batch, classes) but the model outputs "
                               f"shape {tuple(y.shape)} (a dense-prediction task has no per-sample class)")
        labels = class_labels(ctx.targets, y.shape[1], self.method_type)
        jac = ctx.input_jacobian()
        jac = jac.reshape(jac.shape[0], -1).double()
        return epe_score(jac, labels, n_classes=y.shape[1], name=self.method_type)


def class_labels(targets, n_outputs: int, name: str = "epe_nas"):
    """Integer class labels from ``targets``: hard labels, or the argmax of soft ones.

    Refuses (``ScoringError``) targets that are not classes: floats that are not
    probability rows (regression), or labels outside ``0..n_outputs-1``.
    """
    import torch

    t = targets.detach()
    if t.dim() == 2 and t.shape[1] == n_outputs and t.is_floating_point():
        rows = t.sum(dim=1)
        if bool((t >= 0).all()) and bool(torch.allclose(rows, torch.ones_like(rows), atol=1e-3)):
            return t.argmax(dim=1)
        raise ScoringError(name, "needs class labels but the targets are real-valued, not class "
                           "probabilities (a regression task)")
    if t.dim() != 1 or t.is_floating_point() or t.is_complex():
        raise ScoringError(name, f"needs class labels but the targets have shape {tuple(t.shape)} "
                           f"and dtype {t.dtype} (not one class per sample)")
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= n_outputs):
        raise ScoringError(name, f"class labels outside 0..{n_outputs - 1}")
    return t


def epe_score(jac, labels, n_classes: int, name: str = "epe_nas") -> float:
    """The EPE-NAS score of input Jacobian rows ``jac`` (float64, one per sample) (module docstring)."""
    import torch

    if jac.shape[0] != labels.shape[0]:
        raise ValueError("one label per Jacobian row expected")
    pairwise = n_classes > PAIRWISE_ABOVE_CLASSES
    corr = torch.corrcoef(jac) if jac.shape[0] > 1 else jac.new_ones((1, 1))
    per_class = []
    for c in torch.unique(labels).tolist():
        rows = (labels == c).nonzero().flatten()
        n = rows.numel()
        if n == 1:
            if pairwise:  # NASLib: len() of a 0-d correlation raises; the class is skipped
                continue
            # NASLib's corrcoef of a single row: 1, or NaN when the row is constant
            constant = bool((jac[rows[0]] == jac[rows[0], 0]).all())
            s = torch.tensor(float("nan") if constant else 1.0 + EPSILON, dtype=torch.float64).log()
        else:
            block = corr.index_select(0, rows).index_select(1, rows)
            s = torch.log(block.abs() + EPSILON).sum()
            if pairwise:
                s = s / n
        per_class.append(s)
    if not per_class:
        # K > 100 and no class seen twice: NASLib's sum over no class, 0
        return 0.0
    s = torch.stack(per_class)
    if not bool(torch.isfinite(s).all()):
        raise ScoringError(name, "the input gradient is constant for some sample "
                           "(the output does not depend on the input)")
    if pairwise:
        return float((s[:, None] - s[None, :]).abs().sum() / len(per_class))
    return float(s.abs().sum())
