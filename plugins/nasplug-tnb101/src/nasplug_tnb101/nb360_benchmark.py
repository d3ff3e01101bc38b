"""Ground truth of the NAS-Bench-360 tasks on the micro space (no torch; needs ``nasplug-nb360``).

The ``transbench101_micro`` rows of ``suite_zero_extra.csv``: 192 cells per task,
validation accuracy (%), converted from NASLib's graph encoding to the official
digits (:mod:`nasplug_tnb101.nb360`); :meth:`architectures` lists official strings.
"""

from __future__ import annotations

from typing import Any

from nasplug.errors import ArchitectureError
from nasplug_nb360.ground_truth import SuiteZeroExtraBenchmark
from nasplug_nb360.tasks import TASK_NAMES as EXTRA_TASKS

from . import encoding
from .benchmark import TransNASBench101MicroBenchmark
from .nb360 import naslib_graph_to_digits


class TransNASBench101MicroSuiteZeroBenchmark(SuiteZeroExtraBenchmark):
    """One NAS-Bench-360 task of the micro space (``Metric.VAL_ACCURACY``, labelled cells only)."""

    name = "transbench101_micro"
    search_space = "transbench101_micro"
    table_space = "transbench101_micro"
    #: where the packaged ``data/suite_zero_extra.csv.gz`` (this space's rows) is
    package, distribution = "nasplug_tnb101", "nasplug-tnb101"

    def from_naslib(self, text: str) -> tuple[tuple[int, ...], str]:
        try:
            digits = naslib_graph_to_digits(text)
        except ArchitectureError as exc:
            raise ArchitectureError(f"{text!r} is not a NASLib graph op-index tuple ({exc})") from None
        return digits, encoding.to_arch_str(digits)

    def key(self, arch: Any) -> tuple[int, ...]:
        return encoding.parse_arch(arch)

    def to_string(self, key: tuple[int, ...]) -> str:
        return encoding.to_arch_str(key)


class TransNASBench101MicroAllTasks(TransNASBench101MicroBenchmark):
    """The registered ``transbench101_micro`` benchmark: seven Taskonomy tasks and three of NAS-Bench-360.

    ``TransNASBench101MicroAllTasks("svhn")`` returns a
    :class:`TransNASBench101MicroSuiteZeroBenchmark`; Taskonomy tasks are
    :class:`TransNASBench101MicroBenchmark` as before.
    """

    tasks = tuple(TransNASBench101MicroBenchmark.tasks) + tuple(EXTRA_TASKS)

    def __new__(cls, task: str = "class_scene", *args: Any, **kwargs: Any):
        if task in EXTRA_TASKS:
            return TransNASBench101MicroSuiteZeroBenchmark(task, *args, **kwargs)
        return super().__new__(cls)


__all__ = ["EXTRA_TASKS", "TransNASBench101MicroAllTasks", "TransNASBench101MicroSuiteZeroBenchmark"]
