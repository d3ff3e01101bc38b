"""nasplug plugin: the ``zen`` zero-cost proxy (Zen-NAS (Gaussian-perturbation response, BN-variance corrected)).

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {"ZenPredictor": "nasplug_zen.predictor"})


__all__ = ["ZenPredictor"]
