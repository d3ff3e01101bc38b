"""nasplug hooks of nasplug-tnb101 (import-light: no torch here)."""

from __future__ import annotations

from nasplug import LazyClass, hookimpl

from .tasks import TASK_NAMES


def _nb360_tasks() -> tuple[str, ...]:
    """NAS-Bench-Suite-Zero's NAS-Bench-360 tasks, listed when nasplug-nb360 (their datasets
    and table reader) is installed; else none."""
    from importlib.util import find_spec

    if find_spec("nasplug_nb360") is None:
        return ()
    from nasplug_nb360.tasks import TASK_NAMES as NB360_TASKS

    return NB360_TASKS


@hookimpl
def register_search_spaces(register):
    register(LazyClass("nasplug_tnb101.search_space:TransBench101SearchSpaceMicro",
                       name="transbench101_micro", datasets=TASK_NAMES + _nb360_tasks(),
                       description="TransNAS-Bench-101 micro cell space (4,096 cells), 7 Taskonomy tasks"))
    register(LazyClass("nasplug_tnb101.macro_search_space:TransBench101SearchSpaceMacro",
                       name="transbench101_macro", datasets=TASK_NAMES,
                       description="TransNAS-Bench-101 macro skeleton space (3,256 architectures), "
                                   "7 Taskonomy tasks"))


@hookimpl
def register_benchmarks(register):
    from .macro_benchmark import TransNASBench101MacroBenchmark  # torch-free module

    register(TransNASBench101MacroBenchmark)
    if _nb360_tasks():  # also the three NAS-Bench-360 tasks (torch-free module)
        from .nb360_benchmark import TransNASBench101MicroAllTasks

        register(TransNASBench101MicroAllTasks)
        return
    from .benchmark import TransNASBench101MicroBenchmark  # torch-free module

    register(TransNASBench101MicroBenchmark)


@hookimpl
def register_datasets(register):
    from .data import DATASET_CLASSES  # torch is imported only when a batch is made

    for task in TASK_NAMES:
        register(DATASET_CLASSES[task])
