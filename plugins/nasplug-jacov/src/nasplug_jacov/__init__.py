"""nasplug plugin: the ``jacov`` zero-cost proxy (Jacobian covariance (jacov)).

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "JacovPredictor":
        from .predictor import JacovPredictor

        return JacovPredictor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["JacovPredictor"]
