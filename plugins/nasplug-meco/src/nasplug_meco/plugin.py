"""Hook implementations of the ``meco`` plugin (import-light: no torch here)."""

from __future__ import annotations

from nasplug import hookimpl


@hookimpl
def register_predictors(register):
    from .predictor import MecoPredictor

    register(MecoPredictor)
