"""Fixtures of the nasplug pytest plugin (see :mod:`nasplug.testing`) and the helpers behind them.

``nasplug_pm``, ``nasplug_plugin``, ``nasplug_data_dir``, ``nasplug_batch``;
:func:`make_plugin`, :func:`find_data_dir`, :func:`installed_registry`,
:func:`load_batch`. Import-light: torch is imported only when a batch is made.
"""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Callable, Iterable

import pytest


@pytest.fixture
def nasplug_pm():
    from nasplug.plugins import NasplugPluginManager, set_plugin_manager

    pm = NasplugPluginManager()
    previous = set_plugin_manager(pm)
    try:
        yield pm
    finally:
        set_plugin_manager(previous)


_HOOK_KINDS = ("predictors", "search_spaces", "benchmarks", "datasets", "executors")


def make_plugin(name: str = "throwaway", *, predictors: Iterable = (), search_spaces: Iterable = (),
                benchmarks: Iterable = (), datasets: Iterable = (), executors: Iterable = ()) -> types.ModuleType:
    """A plugin object whose ``register_<kind>`` hooks register the given classes.

    Only the hooks for non-empty kinds are defined, like a real plugin module.
    """
    from nasplug.plugins import hookimpl

    plugin = types.ModuleType(name, f"throwaway nasplug plugin {name!r}")
    given = {"predictors": predictors, "search_spaces": search_spaces, "benchmarks": benchmarks,
             "datasets": datasets, "executors": executors}
    for kind, classes in given.items():
        classes = list(classes)
        if not classes:
            continue

        def hook(register, _classes=classes):
            for cls in _classes:
                register(cls)

        hook.__name__ = f"register_{kind}"
        setattr(plugin, hook.__name__, hookimpl(hook))
    return plugin


@pytest.fixture
def nasplug_plugin(nasplug_pm):
    """Factory: register a throwaway plugin on the fresh manager; removed after the test."""
    registered: list = []

    def register(*predictors: Any, name: str | None = None, distribution: str | None = None,
                 version: str | None = None, **kinds: Iterable) -> types.ModuleType:
        unknown = set(kinds) - set(_HOOK_KINDS)
        if unknown:
            raise TypeError(f"unknown plugin kinds {sorted(unknown)}; valid: {', '.join(_HOOK_KINDS)}")
        plugin_name = name or f"throwaway-{len(registered) + 1}"
        kinds.setdefault("predictors", ())
        kinds["predictors"] = [*predictors, *kinds["predictors"]]
        plugin = make_plugin(plugin_name, **kinds)
        nasplug_pm.register(plugin, name=plugin_name)
        if distribution is not None or version is not None:
            nasplug_pm.origins[plugin_name] = (distribution, version)
        registered.append(plugin)
        return plugin

    try:
        yield register
    finally:
        for plugin in reversed(registered):
            if nasplug_pm.is_registered(plugin):
                nasplug_pm.unregister(plugin)


def find_data_dir() -> Path | None:
    """The first existing data directory: ``$NASPLUG_DATA``, the default data directory,
    then ``../shared/data`` beside a development checkout of nasplug."""
    from nasplug.config import get_data_dir

    candidates = [get_data_dir()]
    repo = Path(__file__).resolve().parents[3]
    candidates.append(repo.parent / "shared" / "data")
    for path in candidates:
        if path.is_dir() and any((path / sub).is_dir() for sub in ("images", "benchmarks")):
            return path
    return None


@pytest.fixture
def nasplug_data_dir() -> Path:
    path = find_data_dir()
    if path is None:
        pytest.skip("no nasplug data directory (set NASPLUG_DATA to a folder with images/ and benchmarks/)")
    return path


_installed: Any = None


def installed_registry():
    """The registry of every installed plugin, loaded once per process.

    Independent of the process-wide manager, so it is unaffected by tests that
    swap in a fresh one (``nasplug_pm``).
    """
    global _installed
    if _installed is None:
        from nasplug.plugins import NasplugPluginManager

        pm = NasplugPluginManager()
        pm.load_entrypoints()
        _installed = pm
    return _installed.registry


def _accepts(dataset: str, option: str) -> bool:
    """Whether the installed dataset class for ``dataset`` takes keyword ``option``."""
    import inspect

    from nasplug.lazy import LazyClass

    cls = installed_registry().get("datasets", dataset)
    if isinstance(cls, LazyClass):
        cls = cls.load()
    try:
        return option in inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False


def load_batch(dataset: str, batch_size: int = 8, seed: int = 0, *, split: str = "train",
               synthetic: bool | None = False, data_dir: Any = None, **options: Any) -> tuple[Any, Any, bool]:
    """``(inputs, targets, synthetic)`` from the installed dataset plugin for ``dataset``.

    ``synthetic=False`` needs real data (:class:`nasplug.errors.DataError` when
    there is none); ``True`` asks for synthetic tensors; ``None`` prefers real
    data and falls back to synthetic. ``options`` go to the dataset's constructor.
    """
    from nasplug.errors import DataError

    cls = installed_registry().get("datasets", dataset)
    data_dir = data_dir if data_dir is not None else find_data_dir()
    if synthetic:
        x, y = cls(data_dir=data_dir, synthetic=True, **options).get_batch(batch_size, seed, split)
        return x, y, True
    try:
        x, y = cls(data_dir=data_dir, **options).get_batch(batch_size, seed, split)
        return x, y, False
    except DataError:
        if synthetic is False:
            raise
    x, y = cls(data_dir=data_dir, synthetic=True, **options).get_batch(batch_size, seed, split)
    return x, y, True


@pytest.fixture
def nasplug_batch() -> Callable[..., tuple[Any, Any]]:
    """Factory: ``nasplug_batch(dataset="cifar10", batch_size=8, seed=0, split="train",
    synthetic=False)`` -> ``(inputs, targets)``; skips the test when there is no data."""
    from nasplug.errors import NasplugError

    def batch(dataset: str = "cifar10", batch_size: int = 8, seed: int = 0, split: str = "train",
              synthetic: bool = False):
        try:
            x, y, _ = load_batch(dataset, batch_size, seed, split=split, synthetic=synthetic)
        except NasplugError as exc:
            pytest.skip(f"no {dataset} batch: {exc}")
        return x, y

    return batch


__all__ = ["find_data_dir", "installed_registry", "load_batch", "make_plugin", "nasplug_batch",
           "nasplug_data_dir", "nasplug_plugin", "nasplug_pm"]
