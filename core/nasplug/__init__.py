"""nasplug: a plugin-based framework for zero-cost neural architecture search.

Importing ``nasplug`` loads no plugin and no torch; heavy names (``Graph``) are
imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .errors import (ArchitectureError, DataError, DuplicateNameError, MetricNotAvailableError,
                     NasplugError, PluginLoadError, UnknownNameError)
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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nasplug' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ArchitectureError", "DataError", "DuplicateNameError", "Metric", "MetricNotAvailableError",
    "NasplugError", "PluginLoadError", "Predictor", "UnknownNameError", "get_plugin_manager",
    "get_registry", "hookimpl", "__version__", *_LAZY,
]
