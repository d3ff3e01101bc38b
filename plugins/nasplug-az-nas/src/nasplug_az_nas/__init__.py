"""nasplug plugin: the ``az_nas`` population predictor (AZ-NAS, Lee & Ham, CVPR 2024).

Import-light: the classes are imported on first access; torch only when a
model is scored.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"


__getattr__, __dir__ = lazy_exports(__name__, {
    "AzNasPredictor": "nasplug_az_nas.predictor",
    "AzNasComponents": "nasplug_az_nas.predictor",
    "rank_aggregate": "nasplug_az_nas.components",
})


__all__ = ["AzNasComponents", "AzNasPredictor", "rank_aggregate"]
