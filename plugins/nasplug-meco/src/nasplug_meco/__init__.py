"""nasplug plugin: the ``meco`` zero-cost proxy.

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {"MecoPredictor": "nasplug_meco.predictor"})


__all__ = ["MecoPredictor"]
