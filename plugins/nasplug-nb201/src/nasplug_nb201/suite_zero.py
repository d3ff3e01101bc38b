"""NAS-Bench-Suite-Zero's NAS-Bench-360 tasks on NAS-Bench-201: ``svhn``, ``ninapro``, ``scifar100`` (no torch).

Registered only when ``nasplug-nb360`` (their datasets and table reader) is
installed. Ground truth: the ``nasbench201`` rows of ``suite_zero_extra.csv``
(199 trained cells per task, validation accuracy %), keyed by NASLib's compact
tuple, which is this plugin's tuple too; :meth:`architectures` lists the
official strings. The network for each task is :class:`NasBench201SearchSpace`
built for its input shape and classes (``graph.NB360_DATASETS``).
"""

from __future__ import annotations

from typing import Any

from nasplug_nb360.ground_truth import SuiteZeroExtraBenchmark
from nasplug_nb360.tasks import TASK_NAMES as EXTRA_TASKS

from . import conversions as conv
from .benchmark import TASKS, NasBench201Benchmark


class NasBench201SuiteZeroBenchmark(SuiteZeroExtraBenchmark):
    """One NAS-Bench-360 task of NAS-Bench-201 (``Metric.VAL_ACCURACY``, labelled cells only)."""

    name = "nasbench201"
    search_space = "nasbench201"
    table_space = "nasbench201"
    #: where the packaged ``data/suite_zero_extra.csv.gz`` (this space's rows) is
    package, distribution = "nasplug_nb201", "nasplug-nb201"

    def from_naslib(self, text: str) -> tuple[tuple[int, ...], str]:
        ops = conv.to_op_indices(text)
        return ops, conv.op_indices_to_str(ops)

    def key(self, arch: Any) -> tuple[int, ...]:
        return conv.to_op_indices(arch)

    def to_string(self, key: tuple[int, ...]) -> str:
        return conv.op_indices_to_str(key)


class NasBench201AllTasks(NasBench201Benchmark):
    """The registered ``nasbench201`` benchmark: NAS-Bench-201's three tasks and the three of NAS-Bench-360.

    ``NasBench201AllTasks("svhn")`` returns a :class:`NasBench201SuiteZeroBenchmark`;
    the other tasks are :class:`NasBench201Benchmark` as before.
    """

    tasks = tuple(TASKS) + tuple(EXTRA_TASKS)

    def __new__(cls, task: str = "cifar10", *args: Any, **kwargs: Any):
        if task in EXTRA_TASKS:
            return NasBench201SuiteZeroBenchmark(task, *args, **kwargs)
        return super().__new__(cls)


__all__ = ["EXTRA_TASKS", "NasBench201AllTasks", "NasBench201SuiteZeroBenchmark"]
