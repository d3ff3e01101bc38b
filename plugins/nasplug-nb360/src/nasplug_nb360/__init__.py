"""nasplug-nb360: NAS-Bench-Suite-Zero's three NAS-Bench-360 tasks (SVHN, NinaPro DB5, Spherical CIFAR-100).

Datasets ``svhn``, ``ninapro`` and ``scifar100`` (:mod:`.datasets`, file formats in
:mod:`.formats`), the tasks' shapes and classes (:mod:`.tasks`) and the ground-truth
table reader the search-space plugins build their benchmarks on (:mod:`.ground_truth`).
Import-light: torch is imported only when a batch is made.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "TASKS": "nasplug_nb360.tasks",
    "TASK_NAMES": "nasplug_nb360.tasks",
    "task_spec": "nasplug_nb360.tasks",
    "SVHNDataset": "nasplug_nb360.datasets",
    "NinaProDataset": "nasplug_nb360.datasets",
    "SphericalCifar100Dataset": "nasplug_nb360.datasets",
    "fetch_svhn": "nasplug_nb360.datasets",
    "SuiteZeroExtraBenchmark": "nasplug_nb360.ground_truth",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = list(_LAZY)
