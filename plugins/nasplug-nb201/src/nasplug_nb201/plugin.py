"""Hook implementations: the ``nasbench201`` search space and benchmark.

Import-light: both classes are registered as :class:`nasplug.LazyClass`
stand-ins, so ``nasplug list`` imports neither torch nor the table reader.
"""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.lazy import LazyClass

#: Dataset names, as NAS-Bench-201 and NASLib spell them.
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


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
    register(LazyClass("nasplug_nb201.graph:NasBench201SearchSpace", name="nasbench201",
                       datasets=DATASETS + _nb360_tasks(),
                       description="NAS-Bench-201 cell search space (15,625 cells)"))


@hookimpl
def register_benchmarks(register):
    extra = _nb360_tasks()
    target = "nasplug_nb201.suite_zero:NasBench201AllTasks" if extra else "nasplug_nb201.benchmark:NasBench201Benchmark"
    register(LazyClass(target, name="nasbench201",
                       search_space="nasbench201", tasks=DATASETS + extra,
                       description="NAS-Bench-201 test accuracy (benchmarks/nb201.csv); "
                                   "validation accuracy from NASLib's zc_nasbench201.json"))
