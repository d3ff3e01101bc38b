"""Hook implementations: the ``nasbench301`` search space and benchmark.

Import-light: both classes are registered as :class:`nasplug.LazyClass`
stand-ins, so ``nasplug list`` imports neither torch nor the table reader.
"""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.lazy import LazyClass

DATASETS = ("cifar10",)


def _nb360_tasks() -> tuple[str, ...]:
    """NAS-Bench-Suite-Zero's NAS-Bench-360 tasks, listed when nasplug-nb360 (their datasets
    and table reader) is installed; else none."""
    from importlib.util import find_spec

    if find_spec("nasplug_nb360") is None:
        return ()
    from nasplug_nb360.tasks import TASK_NAMES

    return TASK_NAMES


@hookimpl
def register_search_spaces(register):
    register(LazyClass("nasplug_nb301.search_space:NasBench301SearchSpace", name="nasbench301",
                       datasets=DATASETS + _nb360_tasks(),
                       description="DARTS / NAS-Bench-301 cell search space (normal + reduction cell)"))


@hookimpl
def register_benchmarks(register):
    extra = _nb360_tasks()
    target = "nasplug_nb301.suite_zero:NasBench301AllTasks" if extra else "nasplug_nb301.benchmark:NasBench301Benchmark"
    register(LazyClass(target, name="nasbench301",
                       search_space="nasbench301", tasks=DATASETS + extra,
                       description="NAS-Bench-301 CIFAR-10 validation accuracy of 1,218 labelled cells "
                                   "(benchmarks/nb301_labeled.csv); optional surrogate for any cell"))
