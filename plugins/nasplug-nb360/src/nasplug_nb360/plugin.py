"""Hook implementations of nasplug-nb360: datasets ``svhn``, ``ninapro``, ``scifar100`` (no torch here).

The tasks themselves belong to the search spaces' benchmarks (``nasbench201``,
``nasbench301``, ``transbench101_micro``), which list them when this
distribution is installed.
"""

from __future__ import annotations

from nasplug import hookimpl


@hookimpl
def register_datasets(register):
    from .datasets import DATASET_CLASSES  # torch is imported only when a batch is made

    for cls in DATASET_CLASSES.values():
        register(cls)
