"""Zero-cost proxies: the machinery every proxy plugin shares.

A proxy plugin subclasses :class:`ZeroCostPredictor` and implements only
:meth:`ZeroCostPredictor.compute`, the part that is specific to it. Everything
else lives here, once:

- **a scoring copy**: ``query`` deep-copies the model, so the caller's graph
  (weights, ``.grad``, BN running statistics, train/eval flags, requires_grad)
  is never changed and nothing carries over from one query to the next.
  Proxies that only read weights (``in_place = True``: snip, grad_norm, grasp,
  fisher, jacov) skip the copy: they score the caller's model itself and
  every flag, ``.grad`` and BN statistic is put back afterwards, even when
  scoring fails (a deep copy of a NAS-Bench-201 network costs about as much as
  a quarter of a jacov query);
- **mode**: the copy is put in training mode (BN normalises with batch
  statistics), as NASLib scores a freshly built network; proxies that set
  ``batchnorm = False`` (synflow) get BN layers that act as the identity;
- **the batch**: the first ``(inputs, targets)`` batch of ``dataloader``,
  used whole in one pass (NASLib's ``dataload='random'``,
  ``num_imgs_or_batches=1``, ``split_data=1``);
- **the loss**: ``graph.get_loss_fn()`` when the model provides it, else
  cross-entropy;
- **the layers**: every ``torch.nn.Conv2d`` and ``torch.nn.Linear`` (subclasses
  included), in ``model.modules()`` order, as NASLib's ``get_layer_metric_array``;
- **per-layer bookkeeping**: gradients of a loss with respect to those weights
  (zeros for a weight the loss does not reach), per-layer sums in float64;
- **seeding**: the computation runs under ``torch.random.fork_rng`` seeded with
  ``seed`` (default 0), so the same model, batch and seed give the same score
  and the caller's global RNG state is untouched;
- **failure**: see below.

Failure contract
----------------
``query`` returns a finite ``float``, higher meaning a better predicted
architecture, or raises :class:`ScoringError` (a :class:`nasplug.NasplugError`)
when the proxy cannot score this architecture: the computation raised, or the
score is NaN or infinite (e.g. jacov of a network whose output does not depend
on its input). Callers that score many cells catch ``ScoringError`` per cell
and record that cell as failed. Errors about the caller's inputs (a
``DataError`` from the loader, an empty loader) are raised as themselves.
``ZeroCostPredictor(on_failure="nan")`` returns ``float('nan')`` instead, and
``on_failure="naslib"`` returns NASLib's ``-1e8`` (:data:`NASLIB_FAILURE_SCORE`).

This module is import-light (no torch); the torch part is
:mod:`nasplug.zerocost.engine`, imported on the first query.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from ..errors import NasplugError
from ..predictor import Predictor

#: the score NASLib's ``ZeroCost.query`` returns for a NaN/inf score
NASLIB_FAILURE_SCORE = -1e8

_ON_FAILURE = ("raise", "nan", "naslib")


class ScoringError(NasplugError):
    """A proxy could not score one architecture (exception, NaN or inf).

    ``proxy`` is the proxy's name and ``reason`` a one-line cause; the original
    exception, if any, is chained as ``__cause__``.
    """

    def __init__(self, proxy: str, reason: str) -> None:
        super().__init__(f"{proxy}: cannot score this architecture: {reason}")
        self.proxy = proxy
        self.reason = reason


class ZeroCostPredictor(Predictor):
    """Base class of zero-cost proxies (see the module docstring for the contract).

    Class attributes a proxy sets:

    ``name``
        the registered name, also the ``method_type``.
    ``requires_data``
        False for proxies that need no real batch (synflow, flops, params);
        they still read the input shape from ``dataloader`` when one is given.
    ``batchnorm``
        False to make every BatchNorm layer of the scoring copy the identity.
    ``copy_model``
        False for proxies that only read the model (flops, params): ``compute``
        then receives the caller's model and must not change it.
    ``in_place``
        True for proxies that run the model in training mode and take
        gradients but never write a weight (no in-place change of
        ``.data``, no masks): ``compute`` gets the caller's model, switched
        to the scoring state (training mode, every parameter requiring grad,
        no ``.grad``, BN without running statistics) and restored afterwards,
        instead of a deep copy. Ignored when ``batchnorm`` is False or
        ``dtype`` is set (those need a copy).
    ``dtype``
        ``"float64"`` to score a double-precision copy (synflow).
    ``needs_input_shape``
        False for proxies that need neither data nor the input shape (params).

    Options (constructor keywords): ``seed`` (int, default 0) and
    ``on_failure`` (``"raise"`` default, ``"nan"`` or ``"naslib"``).
    """

    requires_data = True
    batchnorm = True
    copy_model = True
    in_place = False
    dtype: str | None = None
    needs_input_shape = True

    def __init__(self, method_type: str | None = None, seed: int = 0,
                 on_failure: str = "raise", **kwargs: Any) -> None:
        super().__init__(method_type=method_type, **kwargs)
        if on_failure not in _ON_FAILURE:
            raise NasplugError(f"on_failure must be one of {', '.join(_ON_FAILURE)}, got {on_failure!r}")
        self.seed = int(seed)
        self.on_failure = on_failure

    # -- what a proxy implements -------------------------------------------
    def compute(self, ctx: Any) -> float:
        """The proxy's raw score from a :class:`nasplug.zerocost.engine.ScoringContext`."""
        raise NotImplementedError(f"{type(self).__name__}.compute is not implemented")

    def transform(self, value: float) -> float:
        """Map the finite raw score to the reported one (identity by default)."""
        return value

    # -- the Predictor API ---------------------------------------------------
    def query(self, graph: Any, dataloader: Iterable | None = None) -> float:
        """Score ``graph`` on the first batch of ``dataloader`` (see the failure contract)."""
        from .engine import score

        try:
            return score(self, graph, dataloader)
        except ScoringError:
            if self.on_failure == "raise":
                raise
            return float("nan") if self.on_failure == "nan" else NASLIB_FAILURE_SCORE


def is_failure(value: Any) -> bool:
    """True for a score a store should record as failed (None, NaN, inf, NASLib's -1e8)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return True
    return not math.isfinite(value) or value == NASLIB_FAILURE_SCORE


_LAZY = {"ScoringContext", "score", "weight_layers", "scoring_copy", "first_batch", "select_loss",
         "primary_output"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'nasplug.zerocost' has no attribute {name!r}")


__all__ = ["NASLIB_FAILURE_SCORE", "ScoringError", "ZeroCostPredictor", "is_failure", *sorted(_LAZY)]
