"""Hook implementations of the ``l2_norm`` plugin (import-light: no torch here)."""

from __future__ import annotations

from nasplug import hookimpl


@hookimpl
def register_predictors(register):
    from .predictor import L2NormPredictor

    register(L2NormPredictor)
