"""Jacobian covariance (Mellor et al. 2020, first version of "NAS without training"),
as a zero-cost proxy (Abdelfattah et al., ICLR 2021) and as NASLib computes it.

``J`` is the gradient of the summed network output with respect to the input
batch (one row per sample, flattened; BatchNorm in training mode, as NASLib),
``C`` the correlation matrix of its rows and ``v`` the eigenvalues of ``C``:
``score = -sum(log(v + 1e-5) + 1 / (v + 1e-5))``. Works for any output shape
(logits or images). The eigenvalues are computed with a symmetric solver
(``torch.linalg.eigvalsh`` in float64; NASLib uses NumPy's ``eig``, same values
up to rounding).
A network whose input gradient is constant for a sample (its output does not
depend on its input) has no correlation matrix: a ``ScoringError`` (NASLib
scores those ``-1e8``). No transformation.
"""

from __future__ import annotations

from nasplug.errors import DataError
from nasplug.zerocost import ScoringError, ZeroCostPredictor

#: the regulariser of the eigenvalues (Mellor et al.; NASLib ``k``)
EIGENVALUE_EPSILON = 1e-5


class JacovPredictor(ZeroCostPredictor):
    """jacov: -sum(log(v + k) + 1/(v + k)) over eigenvalues of corr(dsum(f(x))/dx)."""

    name = "jacov"
    description = "Jacobian covariance score (Mellor et al. 2020)"
    in_place = True  # reads weights, never writes them: no deep copy needed
    passes = frozenset({"input_jacobian"})  # the Jacobian backward over the shared forward

    def compute(self, ctx) -> float:
        import torch

        inputs = ctx.require_inputs()
        if inputs.shape[0] < 2:
            raise DataError("jacov needs a batch of at least 2 samples")
        jac = ctx.input_jacobian()
        # float64, in torch rather than NumPy: NumPy's BLAS threads would keep spinning
        # after the eigensolver and slow down the convolutions of the next query
        jac = jac.reshape(jac.shape[0], -1).detach().double()
        corr = torch.corrcoef(jac)
        if not bool(torch.isfinite(corr).all()):
            raise ScoringError(self.method_type, "the input gradient is constant for some sample "
                               "(the output does not depend on the input)")
        v = torch.linalg.eigvalsh(corr)
        k = EIGENVALUE_EPSILON
        return float(-(torch.log(v + k) + 1.0 / (v + k)).sum())
