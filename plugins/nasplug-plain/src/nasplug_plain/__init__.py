"""nasplug plugin: the ``plain`` zero-cost proxy (plain (sum of gradient times weight)).

Import-light: the predictor class is imported on first access and imports
torch only when it scores a model.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {"PlainPredictor": "nasplug_plain.predictor"})


__all__ = ["PlainPredictor"]
