"""Hook implementations of the ``az_nas`` plugin (import-light: no torch here)."""

from __future__ import annotations

from nasplug import hookimpl


@hookimpl
def register_predictors(register):
    from .predictor import AzNasPredictor

    register(AzNasPredictor)
