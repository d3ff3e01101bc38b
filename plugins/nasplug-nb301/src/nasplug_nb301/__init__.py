"""DARTS / NAS-Bench-301 for nasplug: search space ``nasbench301`` and its benchmark.

Import-light: torch is imported only when a torch-backed name (the search space,
the network) is first used. Encodings and conversions live in
:mod:`nasplug_nb301.encoding` (no torch).
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "NasBench301SearchSpace": "nasplug_nb301.search_space",
    "DartsNetwork": "nasplug_nb301.network",
    "NasBench301Benchmark": "nasplug_nb301.benchmark",
    "OPS": "nasplug_nb301.encoding",
    "Genotype": "nasplug_nb301.encoding",
    "validate_compact": "nasplug_nb301.encoding",
    "normalize_compact": "nasplug_nb301.encoding",
    "compact_to_str": "nasplug_nb301.encoding",
    "parse_arch_string": "nasplug_nb301.encoding",
    "compact_to_genotype": "nasplug_nb301.encoding",
    "genotype_to_compact": "nasplug_nb301.encoding",
    "compact_to_config": "nasplug_nb301.encoding",
    "config_to_compact": "nasplug_nb301.encoding",
    "to_compact": "nasplug_nb301.encoding",
    "random_compact": "nasplug_nb301.encoding",
    "mutate_compact": "nasplug_nb301.encoding",
    "neighbours": "nasplug_nb301.encoding",
    # NASLib's names
    "convert_compact_to_genotype": "nasplug_nb301.encoding:compact_to_genotype",
    "convert_genotype_to_compact": "nasplug_nb301.encoding:genotype_to_compact",
    "convert_compact_to_config": "nasplug_nb301.encoding:compact_to_config",
    "convert_config_to_compact": "nasplug_nb301.encoding:config_to_compact",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = list(_LAZY)
