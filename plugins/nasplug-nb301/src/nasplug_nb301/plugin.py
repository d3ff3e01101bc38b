"""Hook implementations: the ``nasbench301`` search space and benchmark.

Import-light: both classes are registered as :class:`nasplug.LazyClass`
stand-ins, so ``nasplug list`` imports neither torch nor the table reader.
"""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.lazy import LazyClass

DATASETS = ("cifar10",)


@hookimpl
def register_search_spaces(register):
    register(LazyClass("nasplug_nb301.search_space:NasBench301SearchSpace", name="nasbench301",
                       datasets=DATASETS,
                       description="DARTS / NAS-Bench-301 cell search space (normal + reduction cell)"))


@hookimpl
def register_benchmarks(register):
    register(LazyClass("nasplug_nb301.benchmark:NasBench301Benchmark", name="nasbench301",
                       search_space="nasbench301", tasks=DATASETS,
                       description="NAS-Bench-301 CIFAR-10 validation accuracy of 1,218 labelled cells "
                                   "(benchmarks/nb301_labeled.csv); optional surrogate for any cell"))
