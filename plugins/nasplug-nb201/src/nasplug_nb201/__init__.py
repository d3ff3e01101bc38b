"""NAS-Bench-201 for nasplug: search space ``nasbench201`` and its benchmark.

Import-light: torch is imported only when a torch-backed name (the search space)
is first used. Conversions between the compact tuple, the official string and
the integer index live in :mod:`nasplug_nb201.conversions` (no torch).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "NasBench201SearchSpace": "nasplug_nb201.graph",
    "NasBench201Cell": "nasplug_nb201.graph",
    "NasBench201Benchmark": "nasplug_nb201.benchmark",
    "convert_naslib_to_str": "nasplug_nb201.conversions",
    "convert_naslib_to_op_indices": "nasplug_nb201.conversions",
    "convert_op_indices_to_naslib": "nasplug_nb201.conversions",
    "convert_op_indices_to_str": "nasplug_nb201.conversions",
    "convert_str_to_op_indices": "nasplug_nb201.conversions",
    "to_op_indices": "nasplug_nb201.conversions",
    "to_str": "nasplug_nb201.conversions",
    "to_index": "nasplug_nb201.conversions",
    "index_to_op_indices": "nasplug_nb201.conversions",
    "op_indices_to_index": "nasplug_nb201.conversions",
    "all_op_indices": "nasplug_nb201.conversions",
    "neighbours": "nasplug_nb201.conversions",
    "is_valid_arch": "nasplug_nb201.conversions",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nasplug_nb201' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = list(_LAZY)
