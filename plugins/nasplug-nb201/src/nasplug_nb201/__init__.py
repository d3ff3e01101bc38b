"""NAS-Bench-201 for nasplug: search space ``nasbench201`` and its benchmark.

Import-light: torch is imported only when a torch-backed name (the search space)
is first used. Conversions between the compact tuple, the official string and
the integer index live in :mod:`nasplug_nb201.conversions` (no torch).
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = list(_LAZY)
