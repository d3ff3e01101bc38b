"""nasplug plugin: the ``zico`` zero-cost proxy (ZiCo, Li et al., ICLR 2023).

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {"ZicoPredictor": "nasplug_zico.predictor"})


__all__ = ["ZicoPredictor"]
