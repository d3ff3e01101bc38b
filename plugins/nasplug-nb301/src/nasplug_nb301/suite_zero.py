"""NAS-Bench-Suite-Zero's NAS-Bench-360 tasks on NAS-Bench-301: ``svhn``, ``ninapro``, ``scifar100`` (no torch).

Registered only when ``nasplug-nb360`` (their datasets and table reader) is
installed. Ground truth: the ``nasbench301`` rows of ``suite_zero_extra.csv``
(199 trained DARTS cells per task, validation accuracy %), in NASLib's compact
encoding (this plugin's too; op indices into ``max_pool_3x3, avg_pool_3x3,
skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5``).
:meth:`architectures` lists their canonical strings as written in the table.
The network for each task is :class:`NasBench301SearchSpace` (C = 32, 8 cells,
no auxiliary head) built for its input shape and classes
(``search_space.NB360_DATASETS``), as NASLib scored them.
"""

from __future__ import annotations

from typing import Any

from nasplug_nb360.ground_truth import SuiteZeroExtraBenchmark
from nasplug_nb360.tasks import TASK_NAMES as EXTRA_TASKS

from . import encoding as enc
from .benchmark import TASKS, NasBench301Benchmark


class NasBench301SuiteZeroBenchmark(SuiteZeroExtraBenchmark):
    """One NAS-Bench-360 task of NAS-Bench-301 (``Metric.VAL_ACCURACY``, labelled cells only)."""

    name = "nasbench301"
    search_space = "nasbench301"
    table_space = "nasbench301"
    #: where the packaged ``data/suite_zero_extra.csv.gz`` (this space's rows) is
    package, distribution = "nasplug_nb301", "nasplug-nb301"

    def from_naslib(self, text: str) -> tuple[Any, str]:
        compact = enc.parse_arch_string(text)
        return enc.normalize_compact(compact), enc.compact_to_str(compact)

    def key(self, arch: Any) -> Any:
        return enc.normalize_compact(NasBench301Benchmark._compact(arch))

    def to_string(self, key: Any) -> str:
        return enc.compact_to_str(key)


class NasBench301AllTasks(NasBench301Benchmark):
    """The registered ``nasbench301`` benchmark: CIFAR-10 and the three NAS-Bench-360 tasks.

    ``NasBench301AllTasks("svhn")`` returns a :class:`NasBench301SuiteZeroBenchmark`;
    ``cifar10`` is :class:`NasBench301Benchmark` as before.
    """

    tasks = tuple(TASKS) + tuple(EXTRA_TASKS)

    def __new__(cls, task: str = "cifar10", *args: Any, **kwargs: Any):
        if task in EXTRA_TASKS:
            return NasBench301SuiteZeroBenchmark(task, *args, **kwargs)
        return super().__new__(cls)


__all__ = ["EXTRA_TASKS", "NasBench301AllTasks", "NasBench301SuiteZeroBenchmark"]
