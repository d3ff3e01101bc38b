"""nasplug plugin: the ``nwot`` zero-cost proxy (NASWOT (log-determinant of the ReLU-code kernel)).

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {"NwotPredictor": "nasplug_nwot.predictor"})


__all__ = ["NwotPredictor"]
