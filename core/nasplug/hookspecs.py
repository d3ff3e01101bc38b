"""The only place nasplug hooks are declared.

Every hook receives a ``register`` callback. A plugin calls ``register(SomeClass)``
once per thing it provides; the class carries a unique ``name`` attribute. Hooks
are called once per plugin manager, when the registry is first built, and must
stay import-light: import torch and other heavy modules inside the registered
classes' methods, never at module top level.

New hook arguments are only ever added as optional arguments (pluggy passes a
hook implementation just the arguments it names), so old plugins keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:  # the types only; importing them here would import torch
    from .benchmark import Benchmark
    from .data import Dataset
    from .executors import Executor
    from .graph import Graph
    from .lazy import LazyClass
    from .predictor import Predictor

#: What each hook's ``register`` callback accepts: the class itself, or a
#: :class:`nasplug.LazyClass` standing in for it until first use.
RegisterSearchSpace = Callable[["type[Graph] | LazyClass"], None]
RegisterBenchmark = Callable[["type[Benchmark] | LazyClass"], None]
RegisterPredictor = Callable[["type[Predictor] | LazyClass"], None]
RegisterDataset = Callable[["type[Dataset] | LazyClass"], None]
RegisterExecutor = Callable[["type[Executor] | LazyClass"], None]

hookspec = pluggy.HookspecMarker("nasplug")


@hookspec
def register_search_spaces(register: RegisterSearchSpace) -> None:
    """Register search-space classes.

    Each class has ``name`` (e.g. ``"nasbench201"``), ``datasets`` (the dataset or
    task names it builds networks for) and a constructor accepting ``dataset=``;
    instances are :class:`nasplug.Graph` objects.
    """


@hookspec
def register_benchmarks(register: RegisterBenchmark) -> None:
    """Register benchmark (ground-truth) classes.

    Each class has ``name``, ``search_space`` (the search-space name whose
    architectures it labels), ``tasks`` (dataset/task names) and is built with
    ``cls(task, data_dir=None)``; instances answer ``query(arch, metric)`` and
    ``sample(n, seed)`` (see :class:`nasplug.benchmark.Benchmark`).
    """


@hookspec
def register_predictors(register: RegisterPredictor) -> None:
    """Register predictor classes (subclasses of :class:`nasplug.Predictor`).

    ``name`` is the predictor's short name (the ``--predictor`` value) and is
    used as its ``method_type``.

    A predictor whose final score depends on the evaluated population (AZ-NAS's
    rank aggregation, ensembles, learned predictors) subclasses
    :class:`nasplug.population.PopulationPredictor`: per-cell raw components
    (a dict of named floats from ``query_components`` and/or its ``members()``'
    scores) are computed by the executor and kept in the score store, so a
    killed run resumes without rescoring; ``combine(population)`` then turns the
    components of the whole evaluated set into one score per cell, in the
    evaluating process. Population predictors are also named as
    ``KIND:MEMBERS[:KEY=VALUE,...]`` (``ensemble:synflow,jacov``).
    """


@hookspec
def register_datasets(register: RegisterDataset) -> None:
    """Register dataset classes that give image batches for a benchmark task.

    Each class has ``name`` (the dataset/task name, e.g. ``"cifar10"``) and
    produces data loaders (see :mod:`nasplug.data`).
    """


@hookspec
def register_executors(register: RegisterExecutor) -> None:
    """Register executor classes that decide where scoring runs.

    Each class has ``name`` (e.g. ``"inprocess"``, ``"pool"``, ``"ray"``) and maps
    scoring jobs to results (see :mod:`nasplug.executors`).
    """


@hookspec
def register_search_strategies(register: Callable[[type], None]) -> None:
    """Register search-strategy classes (``nasplug search --strategy NAME``).

    Each class has ``name``, optional ``description`` and ``uses_proxy`` (True
    when it ranks architectures with a predictor), takes its options as
    constructor keyword arguments (``--strategy NAME:key=value,...``) and
    implements ``run(space, task, predictor, rng, budget)``: ``space`` is a
    :class:`nasplug.search.SearchDomain` (``sample``/``mutate``/``neighbours``
    on canonical architecture strings), ``task`` a
    :class:`nasplug.search.SearchTask`, ``predictor`` the predictor's name (or
    None), ``rng`` a seeded ``numpy.random.Generator`` (the only source of
    randomness) and ``budget`` a :class:`nasplug.search.SearchBudget`, through
    which every ground-truth query and proxy score is asked for, counted and
    capped. Subclass :class:`nasplug.search.SearchStrategy`.
    """
