"""Public entry points named as in NASLib's tutorial."""

from __future__ import annotations

import os
from typing import Any

from .errors import NasplugError
from .plugins import get_registry


def get_search_space(name: str, dataset: str | None = None, **kwargs: Any):
    """A fresh search-space Graph, e.g. ``get_search_space('nasbench201', dataset='cifar10')``."""
    cls = get_registry().get("search_spaces", name)
    datasets = tuple(getattr(cls, "datasets", ()) or ())
    if dataset is None and datasets:
        dataset = datasets[0]
    if datasets and dataset not in datasets:
        raise NasplugError(f"search space {name!r} has no dataset {dataset!r}; "
                           f"valid: {', '.join(datasets)}")
    return cls(dataset=dataset, **kwargs)


def find_benchmark_class(search_space: str):
    """The benchmark class for a search-space (or benchmark) name."""
    registry = get_registry()
    if search_space in registry.names("benchmarks"):
        return registry.get("benchmarks", search_space)
    for name in registry.names("benchmarks"):
        cls = registry.get("benchmarks", name)
        if getattr(cls, "search_space", None) == search_space:
            return cls
    return registry.get("benchmarks", search_space)  # raises the helpful unknown-name error


_benchmark_cache: dict = {}


def get_dataset_api(search_space: str, dataset: str, data_dir: str | os.PathLike | None = None):
    """The benchmark API of ``search_space`` for one dataset/task (loaded once per process)."""
    from .config import get_data_dir

    cls = find_benchmark_class(search_space)
    tasks = tuple(getattr(cls, "tasks", ()) or ())
    if tasks and dataset not in tasks:
        raise NasplugError(f"benchmark {cls.name!r} has no task {dataset!r}; valid: {', '.join(tasks)}")
    key = (cls, dataset, str(get_data_dir(data_dir)))
    api = _benchmark_cache.get(key)
    if api is None:
        api = _benchmark_cache[key] = cls(dataset, data_dir=data_dir)
    return api


def get_predictor(name: str, **kwargs: Any):
    """An instance of the predictor registered as ``name`` (e.g. ``'synflow'``)."""
    cls = get_registry().get("predictors", name)
    return cls(**kwargs)


class ZeroCost:
    """NASLib-style factory: ``ZeroCost(method_type='synflow')`` is ``get_predictor('synflow')``."""

    def __new__(cls, method_type: str = "jacov", **kwargs: Any):  # NASLib's default method
        return get_predictor(method_type, **kwargs)
