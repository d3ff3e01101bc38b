"""NASWOT (Mellor et al., ICML 2021, "Neural Architecture Search without Training",
second version), as NASLib computes it (``measures/nwot.py``).

For every call of a rectifier module (torch's ``ReLU``, ``ReLU6``, ``LeakyReLU``,
``PReLU``, ``RReLU``: NASLib hooks every torch module whose class name contains
"ReLU") during one forward pass of the batch, BatchNorm in training mode, the
binary code ``c_i = [x_i > 0]`` of each sample's flattened pre-activation ``x_i``
adds to the ``N x N`` kernel

    K[i, j] += c_i . c_j + (1 - c_i) . (1 - c_j)   (= units - Hamming(c_i, c_j))

and ``score = log |det K|`` (NASLib: ``np.linalg.slogdet``, the log-determinant
without its sign; ``K`` is positive semi-definite). Units: none (log of a count);
no transformation; higher = better. The targets are not read.

Each call adds ``(D + z z^T) / 2`` with ``z = 2c - 1`` (one matrix product instead
of NASLib's two; the same integers), accumulated in float64; a tensor that feeds
several rectifiers (unchanged in between) has its term computed once and added once
per call, as NASLib counts it. Forward only, under ``torch.no_grad``.

Failure contract: a singular kernel (two samples with identical codes in every
rectifier, e.g. a duplicated image or a network whose output does not depend on
the input; NASLib: ``-inf``, then -1e8) and a model with no rectifier module are
``ScoringError`` with that reason. The batch must hold at least two samples.
"""

from __future__ import annotations

from collections import OrderedDict

from nasplug.errors import DataError
from nasplug.zerocost import ScoringError, ZeroCostPredictor

#: names of torch.nn's rectifier modules (NASLib: class name contains "ReLU")
RECTIFIERS = ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "RReLU")
#: float32 sums of +-1 products are exact below this many units per call
_EXACT_FLOAT32 = 2 ** 24
#: rectifier inputs remembered, to add a tensor's term again without recomputing it
_RECENT = 8


def code_kernel(pre):
    """``c c^T + (1 - c)(1 - c)^T`` in float64 for the codes ``c = [pre > 0]`` of rows ``pre``."""
    import torch

    units = pre.shape[1]
    dtype = torch.float32 if units < _EXACT_FLOAT32 else torch.float64
    z = (pre > 0).to(dtype).mul_(2).sub_(1)
    return (z @ z.T).double().add_(units).mul_(0.5)


def rectifier_types() -> tuple[type, ...]:
    from torch import nn

    return tuple(getattr(nn, name) for name in RECTIFIERS if hasattr(nn, name))


class NwotPredictor(ZeroCostPredictor):
    """nwot: log |det K| of the kernel of binary ReLU codes over the batch (NASWOT)."""

    name = "nwot"
    description = "Log-determinant of the binary ReLU-code kernel (NASWOT, Mellor et al. 2021)"
    in_place = True  # forward only, writes nothing: no deep copy needed
    #: watches the forward pass it shares with the other proxies of the cell (no autograd
    #: when no proxy of the cell needs gradients)
    passes = frozenset({"forward"})

    def observe_task_forward(self, ctx):
        """Pre-hooks on every rectifier that add each call's code kernel to ``ctx.records``."""
        import contextlib

        import torch

        @contextlib.contextmanager
        def observing():
            x = ctx.require_inputs()
            n = int(x.shape[0])
            state = ctx.records[self.method_type] = {"kernel": None, "calls": 0, "error": None}
            if n < 2:
                yield
                return
            kernel = torch.zeros((n, n), dtype=torch.float64, device=ctx.device)
            # the same tensor often feeds several rectifiers (a NAS-Bench-201 node feeds every
            # ReLU-Conv-BN edge leaving it): its term is computed once per version
            recent: OrderedDict[int, tuple] = OrderedDict()

            def add_codes(module, args) -> None:
                pre = args[0]
                if pre.shape[0] != n:  # recorded, not raised: the pass is shared with other proxies
                    state["error"] = state["error"] or (f"a {type(module).__name__} saw a batch of "
                                                        f"{pre.shape[0]}, not the {n} samples")
                    return
                hit = recent.get(id(pre))
                if hit is not None and hit[0] is pre and hit[1] == pre._version:
                    term = hit[2]
                else:
                    term = code_kernel(pre.detach().reshape(n, -1))
                    recent[id(pre)] = (pre, pre._version, term)  # the reference keeps id() unique
                    if len(recent) > _RECENT:
                        recent.popitem(last=False)
                kernel.add_(term)
                state["calls"] += 1

            types = rectifier_types()
            handles = [m.register_forward_pre_hook(add_codes) for m in ctx.net.modules()
                       if isinstance(m, types)]
            try:
                yield
            finally:
                for h in handles:
                    h.remove()
                recent.clear()
                state["kernel"] = kernel

        return observing()

    def compute(self, ctx) -> float:
        import torch

        x = ctx.require_inputs()
        if int(x.shape[0]) < 2:
            raise DataError("nwot needs a batch of at least 2 samples")
        ctx.task_output()  # the shared forward pass, seen by observe_task_forward
        state = ctx.records[self.method_type]
        if state["error"]:
            raise ScoringError(self.method_type, state["error"])
        if state["calls"] == 0:
            raise ScoringError(self.method_type, "the model has no ReLU module (no activation codes)")
        sign, logdet = torch.linalg.slogdet(state["kernel"])
        if float(sign) <= 0 or not bool(torch.isfinite(logdet)):
            raise ScoringError(self.method_type, "the kernel of ReLU codes is singular (two samples "
                               "share every code: a repeated input, or an output independent of the input)")
        return float(logdet)
