"""nasplug hooks of nasplug-tnb101 (import-light: no torch here)."""

from __future__ import annotations

from nasplug import LazyClass, hookimpl

from .tasks import TASK_NAMES


@hookimpl
def register_search_spaces(register):
    register(LazyClass("nasplug_tnb101.search_space:TransBench101SearchSpaceMicro",
                       name="transbench101_micro", datasets=TASK_NAMES,
                       description="TransNAS-Bench-101 micro cell space (4,096 cells), 7 Taskonomy tasks"))


@hookimpl
def register_benchmarks(register):
    from .benchmark import TransNASBench101MicroBenchmark  # torch-free module

    register(TransNASBench101MicroBenchmark)


@hookimpl
def register_datasets(register):
    from .data import DATASET_CLASSES  # torch is imported only when a batch is made

    for task in TASK_NAMES:
        register(DATASET_CLASSES[task])
