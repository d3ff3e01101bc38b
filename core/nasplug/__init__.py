"""nasplug: a plugin-based framework for zero-cost neural architecture search.

Importing ``nasplug`` loads no plugin and no torch; heavy names (``Graph``) are
imported on first use.
"""

from __future__ import annotations

from .errors import (
    ArchitectureError,
    DataError,
    DuplicateNameError,
    MetricNotAvailableError,
    NasplugError,
    PluginLoadError,
    UnknownNameError,
)
from .lazy import lazy_exports
from .metrics import Metric
from .plugins import get_plugin_manager, get_registry, hookimpl
from .predictor import Predictor

__version__ = "0.1.0"

_LAZY = {
    "Graph": "nasplug.graph",
    "Benchmark": "nasplug.benchmark",
    "get_search_space": "nasplug.api",
    "get_dataset_api": "nasplug.api",
    "get_predictor": "nasplug.api",
    "ZeroCost": "nasplug.api",
    "get_data_dir": "nasplug.config",
    "LazyClass": "nasplug.lazy",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "ArchitectureError", "DataError", "DuplicateNameError", "Metric", "MetricNotAvailableError",
    "NasplugError", "PluginLoadError", "Predictor", "UnknownNameError", "get_plugin_manager",
    "get_registry", "hookimpl", "__version__", *_LAZY,
]
