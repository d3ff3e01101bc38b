"""nasplug-tnb101: the TransNAS-Bench-101 micro search space for nasplug.

Import-light: torch is imported only when a torch-backed name is first used.

>>> import nasplug
>>> ss = nasplug.get_search_space("transbench101_micro", dataset="jigsaw")
>>> g = ss.clone(); g.set_spec("64-41414-1_02_210"); g.parse()
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

from .encoding import (
                       ARCH_PREFIX,
                       EDGES,
                       NUM_ARCHITECTURES,
                       OP_NAMES,
                       all_architectures,
                       arch_index,
                       convert_op_indices_micro_to_str,
                       convert_str_to_op_indices,
                       from_index,
                       is_valid,
                       iter_architectures,
                       mutate,
                       neighbours,
                       parse_arch,
                       random_architecture,
                       to_arch_str,
                       to_op_indices,
)
from .tasks import TASK_NAMES, TASKS

__version__ = "0.1.0"

_LAZY = {
    "TransBench101SearchSpaceMicro": "nasplug_tnb101.search_space",
    "convert_naslib_to_transbench101_micro": "nasplug_tnb101.search_space",
    "TransNASBench101MicroBenchmark": "nasplug_tnb101.benchmark",
    "get_loss_fn": "nasplug_tnb101.losses",
    "SoftTargetCrossEntropy": "nasplug_tnb101.losses",
    "DATASET_CLASSES": "nasplug_tnb101.data",
    "TaskonomyTaskDataset": "nasplug_tnb101.data",
    "TransBench101SearchSpaceMacro": "nasplug_tnb101.macro_search_space",
    "convert_naslib_to_transbench101_macro": "nasplug_tnb101.macro_search_space",
    "TransNASBench101MacroBenchmark": "nasplug_tnb101.macro_benchmark",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "ARCH_PREFIX", "EDGES", "NUM_ARCHITECTURES", "OP_NAMES", "TASKS", "TASK_NAMES",
    "all_architectures", "arch_index", "convert_op_indices_micro_to_str",
    "convert_str_to_op_indices", "from_index", "is_valid", "iter_architectures", "mutate",
    "neighbours", "parse_arch", "random_architecture", "to_arch_str", "to_op_indices", *_LAZY,
]
