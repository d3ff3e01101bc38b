"""nasplug plugin: the ``l2_norm`` zero-cost proxy (summed L2 norm of the weights).

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {"L2NormPredictor": "nasplug_l2_norm.predictor"})


__all__ = ["L2NormPredictor"]
