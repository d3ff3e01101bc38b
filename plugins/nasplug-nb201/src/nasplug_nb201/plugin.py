"""Hook implementations: the ``nasbench201`` search space and benchmark.

Import-light: both classes are registered as :class:`nasplug.LazyClass`
stand-ins, so ``nasplug list`` imports neither torch nor the table reader.
"""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.lazy import LazyClass

#: Dataset names, as NAS-Bench-201 and NASLib spell them.
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")


@hookimpl
def register_search_spaces(register):
    register(LazyClass("nasplug_nb201.graph:NasBench201SearchSpace", name="nasbench201", datasets=DATASETS,
                       description="NAS-Bench-201 cell search space (15,625 cells)"))


@hookimpl
def register_benchmarks(register):
    register(LazyClass("nasplug_nb201.benchmark:NasBench201Benchmark", name="nasbench201",
                       search_space="nasbench201", tasks=DATASETS,
                       description="NAS-Bench-201 test accuracy (benchmarks/nb201.csv); "
                                   "validation accuracy from NASLib's zc_nasbench201.json"))
