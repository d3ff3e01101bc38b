"""Hook implementations of the ``zico`` plugin (import-light: no torch here)."""

from __future__ import annotations

from nasplug import hookimpl


@hookimpl
def register_predictors(register):
    from .predictor import ZicoPredictor

    register(ZicoPredictor)
