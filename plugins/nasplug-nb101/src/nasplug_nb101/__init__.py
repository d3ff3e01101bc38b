"""nasplug-nb101: the NAS-Bench-101 search space and benchmark for nasplug.

Import-light: torch is imported only when a torch-backed name is first used.

>>> import nasplug
>>> ss = nasplug.get_search_space("nasbench101", dataset="cifar10")
>>> g = ss.build({"matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]],
...               "ops": ["input", "conv3x3-bn-relu", "output"]})
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

from .spec import (
    AVAILABLE_OPS,
    CONV1X1,
    CONV3X3,
    INPUT,
    MAX_EDGES,
    MAX_VERTICES,
    MAXPOOL3X3,
    NASLIB_OPS,
    OUTPUT,
    Cell,
    from_naslib_tuple,
    hash_module,
    is_hash,
    is_valid,
    make_cell,
    mutate,
    neighbours,
    parse_spec,
    prune,
    random_cell,
    spec_hash,
    to_naslib_tuple,
    vertex_channels,
)

__version__ = "0.1.0"

_LAZY = {
    "NasBench101SearchSpace": "nasplug_nb101.search_space",
    "NasBench101Benchmark": "nasplug_nb101.benchmark",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


def convert_spec_to_tuple(spec) -> tuple[int, ...]:
    """NASLib's name of :func:`to_naslib_tuple`."""
    return to_naslib_tuple(spec)


def convert_tuple_to_spec(tup) -> dict:
    """NASLib's name: ``{"matrix", "ops"}`` of a NASLib tuple."""
    return from_naslib_tuple(tup).spec()


__all__ = [
    "AVAILABLE_OPS", "CONV1X1", "CONV3X3", "INPUT", "MAX_EDGES", "MAX_VERTICES", "MAXPOOL3X3",
    "NASLIB_OPS", "OUTPUT", "Cell", "convert_spec_to_tuple", "convert_tuple_to_spec",
    "from_naslib_tuple", "hash_module", "is_hash", "is_valid", "make_cell", "mutate", "neighbours",
    "parse_spec", "prune", "random_cell", "spec_hash", "to_naslib_tuple", "vertex_channels", *_LAZY,
]
