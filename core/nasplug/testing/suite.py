"""The conformance suite for predictor plugins: :class:`PredictorConformance`.

Subclass it in a plugin's tests and set ``predictor_name``; pytest runs every
check (see :mod:`nasplug.testing`). Every failure is one line that says what
to fix. The model snapshot is :mod:`nasplug.testing.snapshot`, shared with
:mod:`nasplug.zerocost.conformance`; the import check runs
:mod:`nasplug.testing.probe` in a fresh interpreter.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nasplug.errors import one_line

from . import snapshot
from .fixtures import _accepts, installed_registry, load_batch

#: modules a plugin's entry-point module must not import (``nasplug list`` stays fast)
HEAVY_MODULES = ("torch", "torchvision", "tensorflow", "jax")
PROBE = Path(__file__).with_name("probe.py")


def _fail(message: str) -> None:
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)


def _safe_hash(model: Any) -> Any:
    return snapshot._safe_hash(model)


def _number(score: Any) -> float | None:
    """``score`` as a float if it is one real number (int, float, numpy scalar), else None."""
    if isinstance(score, bool):
        return None
    if isinstance(score, (int, float)):
        return float(score)
    if type(score).__module__ == "numpy" and getattr(score, "shape", None) == ():
        return float(score)
    return None


class _TaskRun:
    """Everything one (search space, dataset) run of the suite observed."""

    def __init__(self) -> None:
        self.scores: list[tuple[Any, Any]] = []  # (architecture, raw score)
        self.error: str | None = None            # the first exception, one line
        self.repeat: tuple[Any, Any, Any] | None = None  # (architecture, first, second)
        self.changes: list[str] = []
        self.synthetic = False


class PredictorConformance:
    """Base class of a predictor plugin's conformance tests (see the module docstring).

    Set ``predictor_name``. Optional class attributes:

    ``predictor_kwargs``
        keyword arguments for the predictor's constructor (default none).
    ``cells_per_task``
        cells scored per search-space task (default 2).
    ``batch_size``
        images per batch (default 4: the checks are about behaviour, not quality).
    ``seed``
        seed of the cells, the batch and ``torch.manual_seed`` before each query.
    ``tasks``
        ``"all"`` (default: every dataset/task of every installed search space),
        ``"first"`` (the first dataset of each search space), or a comma-separated
        selection such as ``"nasbench201/cifar10,transbench101_micro"``;
        ``$NASPLUG_CONFORMANCE_TASKS`` overrides it.
    ``skip_search_spaces``
        search-space names the predictor does not claim to support.
    ``small_resolution``
        input side for datasets that take a ``resolution`` option (default 32;
        None keeps each dataset's default).
    ``threads``
        torch threads while querying (default 1: small models on a shared
        machine run faster single-threaded; None leaves torch's setting).
    """

    predictor_name: str = ""
    predictor_kwargs: dict = {}
    cells_per_task: int = 2
    batch_size: int = 4
    seed: int = 0
    tasks: str = "all"
    skip_search_spaces: tuple = ()
    small_resolution: int | None = 32
    threads: int | None = 1

    _runs: dict = {}

    # -- helpers -------------------------------------------------------------
    @classmethod
    def registry(cls):
        """The registry the checks read: every installed plugin (overridable in tests)."""
        return installed_registry()

    @classmethod
    def conformance_tasks(cls) -> list[tuple[str, str]]:
        """The (search space, dataset) pairs to score, from the installed plugins.

        ``$NASPLUG_CONFORMANCE_TASKS`` overrides :attr:`tasks` (e.g. for a quick
        CI job): ``all``, ``first``, or a comma-separated list of search-space
        names and ``space/dataset`` pairs.
        """
        registry = cls.registry()
        selection = os.environ.get("NASPLUG_CONFORMANCE_TASKS", "").strip() or cls.tasks
        wanted = None
        if selection not in ("all", "first"):
            wanted = {part.strip() for part in selection.split(",") if part.strip()}
        pairs = []
        for space in registry.names("search_spaces"):
            if space in cls.skip_search_spaces:
                continue
            datasets = list(getattr(registry.get("search_spaces", space), "datasets", ()) or [None])
            if selection == "first":
                datasets = datasets[:1]
            if wanted is not None:
                datasets = [d for d in datasets if space in wanted or f"{space}/{d}" in wanted]
            pairs.extend((space, d) for d in datasets)
        return pairs

    def _entry(self):
        __tracebackhide__ = True
        if not self.predictor_name:
            _fail(f"{type(self).__name__} must set predictor_name = '<your predictor name>'")
        registry = self.registry()
        if ("predictors", self.predictor_name) in registry.conflicts:
            providers = " and ".join(e.provider for e in registry.conflicts[("predictors", self.predictor_name)])
            _fail(f"predictor name {self.predictor_name!r} is registered by more than one plugin "
                  f"({providers}); choose a unique name")
        entry = (registry.entry("predictors", self.predictor_name)
                 if self.predictor_name in registry.names("predictors") else None)
        if entry is None:
            broken = "; ".join(b.describe() for b in registry.broken)
            _fail(f"no installed plugin registers predictor {self.predictor_name!r} "
                  f"(installed: {', '.join(registry.names('predictors')) or 'none'})"
                  + (f"; plugins that failed to load: {broken}" if broken else "")
                  + "; is the distribution installed (pip install -e .) with a [project.entry-points.nasplug] entry?")
        return entry

    def make_predictor(self):
        """A fresh instance of the predictor under test."""
        __tracebackhide__ = True
        entry = self._entry()
        try:
            return entry.cls(**self.predictor_kwargs)
        except Exception as exc:
            _fail(f"{self.predictor_name}: constructing the predictor raised {one_line(exc)}")

    def make_cell(self, space: str, dataset: str | None, index: int):
        """Cell ``index`` of ``space`` for ``dataset``: seeded architecture and weights, parsed."""
        import torch

        cls = self.registry().get("search_spaces", space)
        with torch.random.fork_rng():
            torch.manual_seed(self.seed + index)
            graph = cls(dataset=dataset) if dataset is not None else cls()
            graph.sample_random_architecture(seed=self.seed * 1000 + index)
            graph.parse()
        return graph

    def make_loader(self, dataset: str | None):
        """``([(inputs, targets)], synthetic)``: real data when there is some, else synthetic.

        Datasets whose constructor takes a ``resolution`` option (TransNAS-Bench-101's
        tasks) are built at :attr:`small_resolution`: the checks are about behaviour.
        """
        from nasplug.errors import NasplugError

        if dataset is None:
            pytest.skip("search space declares no dataset")
        options = {}
        if self.small_resolution and _accepts(dataset, "resolution"):
            options["resolution"] = self.small_resolution
        try:
            x, y, synthetic = load_batch(dataset, self.batch_size, self.seed, synthetic=None, **options)
        except NasplugError as exc:
            pytest.skip(f"no batch for {dataset!r}: {exc}")
        return [(x, y)], synthetic

    def _query(self, predictor, graph, loader):
        import torch

        threads = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            with torch.random.fork_rng():
                torch.manual_seed(self.seed)
                return predictor.query(graph, dataloader=loader)
        finally:
            torch.set_num_threads(threads)

    def _run(self, task: tuple[str, str]) -> _TaskRun:
        """Score the task's cells once per class and remember what happened."""
        key = (type(self), task)
        if key in PredictorConformance._runs:
            return PredictorConformance._runs[key]
        import copy

        space, dataset = task
        run = _TaskRun()
        loader, run.synthetic = self.make_loader(dataset)
        predictor = self.make_predictor()
        try:
            predictor.pre_process()
            for index in range(self.cells_per_task):
                graph = self.make_cell(space, dataset, index)
                twin = copy.deepcopy(graph) if index == 0 else None  # same cell, same weights
                before = snapshot.take(graph)
                score = self._query(predictor, graph, loader)
                run.scores.append((_safe_hash(graph), score))
                if twin is not None:
                    run.changes = snapshot.differences(before, graph)
                    run.repeat = (_safe_hash(graph), score, self._query(predictor, twin, loader))
        except Exception as exc:
            run.error = one_line(exc)
        PredictorConformance._runs[key] = run
        return run

    def _task_label(self, task) -> str:
        space, dataset = task
        return f"{self.predictor_name} on {space}/{dataset}"

    # -- the checks -------------------------------------------------------------
    def test_registered_through_entry_point(self):
        from importlib import metadata

        entry = self._entry()
        if not entry.distribution:
            _fail(f"predictor {self.predictor_name!r} comes from plugin {entry.plugin!r}, which is not "
                  "an installed distribution's entry point; declare it under "
                  "[project.entry-points.nasplug] and pip install the package")
        try:
            dist = metadata.distribution(entry.distribution)
        except metadata.PackageNotFoundError:
            _fail(f"distribution {entry.distribution!r} of predictor {self.predictor_name!r} is not installed")
        names = {ep.name for ep in dist.entry_points if ep.group == "nasplug"}
        if entry.plugin not in names:
            _fail(f"distribution {entry.distribution!r} declares no nasplug entry point "
                  f"{entry.plugin!r} (it declares: {', '.join(sorted(names)) or 'none'})")

    def test_unique_name_and_version(self):
        entry = self._entry()  # fails on a duplicate name, naming both providers
        if not entry.version:
            _fail(f"predictor {self.predictor_name!r}: distribution {entry.distribution!r} has no version")
        if getattr(entry.cls, "name", None) != self.predictor_name:
            _fail(f"the registered class's name attribute is {getattr(entry.cls, 'name', None)!r}, "
                  f"expected {self.predictor_name!r}")

    def test_method_type(self):
        predictor = self.make_predictor()
        method_type = getattr(predictor, "method_type", None)
        if not isinstance(method_type, str) or not method_type:
            _fail(f"{self.predictor_name}: instances need a non-empty str method_type "
                  f"(got {method_type!r}); nasplug.Predictor.__init__ sets it to the name")
        for attr in ("pre_process", "query"):
            if not callable(getattr(predictor, attr, None)):
                _fail(f"{self.predictor_name}: predictor has no {attr}() method")

    def test_scores_cells(self, conformance_task):
        run = self._run(conformance_task)
        label = self._task_label(conformance_task)
        if run.error:
            _fail(f"{label}: query raised {run.error}")
        for arch, score in run.scores:
            value = _number(score)
            if value is None:
                _fail(f"{label}: query returned {type(score).__name__} {score!r} for cell {arch}; "
                      "return a Python float (use float(tensor.item()))")
            if not math.isfinite(value):
                _fail(f"{label}: query returned {value} for cell {arch}; return a finite score or raise "
                      "nasplug.NasplugError for a cell you cannot score")

    def test_deterministic(self, conformance_task):
        run = self._run(conformance_task)
        label = self._task_label(conformance_task)
        if run.error or run.repeat is None:
            pytest.skip(f"{label}: no score to compare ({run.error})")
        arch, first, second = run.repeat
        a, b = _number(first), _number(second)
        same = a is not None and b is not None and (a == b or math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12))
        if not same:
            _fail(f"{label}: the same cell {arch} with the same batch and seed scored {first!r} then "
                  f"{second!r}; seed every random choice (torch.manual_seed / a torch.Generator)")

    def test_leaves_model_unchanged(self, conformance_task):
        run = self._run(conformance_task)
        label = self._task_label(conformance_task)
        if run.error and not run.scores:
            pytest.skip(f"{label}: query raised before the model could be checked ({run.error})")
        if run.changes:
            _fail(f"{label}: query changed the model: {'; '.join(run.changes)}; score a copy "
                  "(copy.deepcopy) or restore what you touch")

    def test_import_is_light(self):
        entry = self._entry()
        env = dict(os.environ, NASPLUG_LOAD_PLUGINS=entry.plugin, NASPLUG_STRICT_PLUGINS="0")
        env.pop("NASPLUG_DISABLE_PLUGINS", None)
        proc = subprocess.run([sys.executable, str(PROBE), json.dumps(HEAVY_MODULES)], env=env,
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or ["(no output)"]
            _fail(f"loading plugin {entry.plugin!r} in a fresh interpreter failed: {tail[0]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if result["heavy"]:
            name, where = result["heavy"][0]
            _fail(f"loading plugin {entry.plugin!r} and listing what it registers imported {name}"
                  f"{' at ' + where if where else ''}; import heavy modules inside the methods "
                  "that use them, or register nasplug.LazyClass('pkg.module:Class', name=...)")
        if result["broken"]:
            _fail(f"plugin {entry.plugin!r} failed to load on its own: {'; '.join(result['broken'])}")

    def test_reports_failures_cleanly(self):
        """A query the predictor cannot serve is a one-line NasplugError; a data-free
        predictor scores without data."""
        from nasplug.errors import NasplugError

        tasks = self.conformance_tasks()
        if not tasks:
            pytest.skip("no search space installed")
        space, dataset = tasks[0]
        predictor = self.make_predictor()
        graph = self.make_cell(space, dataset, 0)
        requires_data = getattr(predictor, "requires_data", True)
        if not requires_data:
            try:
                score = self._query(predictor, graph, None)
            except Exception as exc:
                _fail(f"{self.predictor_name} sets requires_data = False but query(graph, dataloader=None) "
                      f"raised {one_line(exc)}")
            if _number(score) is None or not math.isfinite(_number(score)):
                _fail(f"{self.predictor_name}: query(graph, dataloader=None) returned {score!r}")
            return
        try:
            score = self._query(predictor, graph, [])
        except NasplugError as exc:
            if not str(exc).strip() or len(str(exc).strip().splitlines()) != 1:
                _fail(f"{self.predictor_name}: the error for an empty dataloader should be one line, got {str(exc)!r}")
            return
        except Exception as exc:
            _fail(f"{self.predictor_name}: an empty dataloader raised {one_line(exc)}; raise "
                  "nasplug.errors.DataError with a message saying what is missing")
        _fail(f"{self.predictor_name} needs data (requires_data = True) but scored an empty dataloader "
              f"as {score!r}; raise nasplug.errors.DataError, or set requires_data = False")


def pytest_generate_tests(metafunc):
    """Parametrize ``conformance_task`` with the installed (search space, dataset) pairs."""
    cls = metafunc.cls
    if cls is None or "conformance_task" not in metafunc.fixturenames:
        return
    if not (isinstance(cls, type) and issubclass(cls, PredictorConformance)):
        return
    tasks = cls.conformance_tasks()
    metafunc.parametrize("conformance_task", tasks,
                         ids=[f"{space}/{dataset}" for space, dataset in tasks])


__all__ = ["HEAVY_MODULES", "PredictorConformance", "pytest_generate_tests"]
