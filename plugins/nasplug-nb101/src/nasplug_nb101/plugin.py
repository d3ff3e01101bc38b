"""Hook implementations: the ``nasbench101`` search space and benchmark.

Import-light: both classes are registered as :class:`nasplug.LazyClass`
stand-ins, so ``nasplug list`` imports neither torch nor the spec module.
"""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.lazy import LazyClass

DATASETS = ("cifar10",)


@hookimpl
def register_search_spaces(register):
    register(LazyClass("nasplug_nb101.search_space:NasBench101SearchSpace", name="nasbench101",
                       datasets=DATASETS,
                       description="NAS-Bench-101 cell search space (423k cells, CIFAR-10 network)"))


@hookimpl
def register_benchmarks(register):
    register(LazyClass("nasplug_nb101.benchmark:NasBench101Benchmark", name="nasbench101",
                       search_space="nasbench101", tasks=DATASETS,
                       description="NAS-Bench-101 validation accuracy from NASLib's zc_nasbench101.json "
                                   "(or its 300-cell sample) in the data directory; optional CSV of "
                                   "NAS-Bench-101 results"))
