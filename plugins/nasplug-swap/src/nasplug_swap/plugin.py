"""Hook implementations of the ``swap`` plugin (import-light: no torch here)."""

from __future__ import annotations

from nasplug import hookimpl


@hookimpl
def register_predictors(register):
    from .predictor import SwapPredictor

    register(SwapPredictor)
