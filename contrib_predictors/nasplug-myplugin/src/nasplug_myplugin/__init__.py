"""nasplug-myplugin: the NASLib tutorial's sample submission as an installable plugin.

Import-light: nothing here imports torch; ``MyPluginPredictor`` is imported on
first access.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in {"MyPluginPredictor", "count_parameters"}:
        from . import predictor

        return getattr(predictor, name)
    raise AttributeError(f"module 'nasplug_myplugin' has no attribute {name!r}")


__all__ = ["MyPluginPredictor", "count_parameters", "__version__"]
