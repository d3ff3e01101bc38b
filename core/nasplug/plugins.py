"""Plugin manager: entry-point discovery, isolation of broken plugins, the registry.

Every plugin, the core's own defaults included, is found through the ``nasplug``
entry-point group; nothing here special-cases built-in plugins.

Environment switches:

``NASPLUG_STRICT_PLUGINS=1``
    re-raise the first plugin import/hook error instead of recording it (for CI).
``NASPLUG_LOAD_PLUGINS=a,b``
    load only these entry points (by entry-point name or distribution name);
    an empty value loads none.
``NASPLUG_DISABLE_PLUGINS=a,b``
    never load these entry points (by entry-point name or distribution name).
"""

from __future__ import annotations

import os
from importlib import metadata
from typing import Any, Iterable

import pluggy

from . import hookspecs
from .errors import PluginLoadError, one_line
from .registry import BrokenPlugin, Registry, strict_plugins

PROJECT_NAME = "nasplug"
ENTRY_POINT_GROUP = "nasplug"

#: registry kinds, each backed by the hook ``register_<kind>``
KINDS = ("search_spaces", "benchmarks", "predictors", "datasets", "executors",
         "search_strategies")

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


#: the former private names (kept for callers that imported them)
_strict = strict_plugins
_format_exception = one_line


def _name_list(var: str) -> set[str] | None:
    raw = os.environ.get(var)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _dist_of(ep: metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


class NasplugPluginManager(pluggy.PluginManager):
    """A pluggy manager that also remembers distributions and broken plugins."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(hookspecs)
        self.broken: list[BrokenPlugin] = []
        #: plugin (module/object) name -> (distribution, version)
        self.origins: dict[str, tuple[str | None, str | None]] = {}
        #: entry points skipped because of NASPLUG_LOAD_PLUGINS / NASPLUG_DISABLE_PLUGINS
        self.skipped: list[tuple[str, str | None]] = []
        self._registry: Registry | None = None

    def register(self, plugin: Any, name: str | None = None):
        self._registry = None  # the set of plugins changed: rebuild lazily
        return super().register(plugin, name=name)

    def unregister(self, plugin: Any = None, name: str | None = None):
        self._registry = None
        return super().unregister(plugin, name=name)

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP,
                         entry_points: Iterable[metadata.EntryPoint] | None = None) -> int:
        """Load every entry point of ``group``, each on its own.

        A failing import is recorded in :attr:`broken` (or re-raised in strict
        mode) and loading carries on. Returns the number of plugins loaded.
        """
        allow = _name_list("NASPLUG_LOAD_PLUGINS")
        block = _name_list("NASPLUG_DISABLE_PLUGINS") or set()
        eps = list(entry_points) if entry_points is not None else list(metadata.entry_points(group=group))
        seen: set[str] = set()
        loaded = 0
        for ep in sorted(eps, key=lambda e: e.name):
            dist, version = _dist_of(ep)
            names = {ep.name, dist or ""}
            if (allow is not None and not names & allow) or names & block:
                self.skipped.append((ep.name, dist))
                continue
            if ep.name in seen:
                continue
            if self.get_plugin(ep.name) is not None or self.is_blocked(ep.name):
                continue
            seen.add(ep.name)
            try:
                plugin = ep.load()
                self.register(plugin, name=ep.name)
            except Exception as exc:  # a broken plugin must not take the CLI down
                if strict_plugins():
                    raise
                self.broken.append(BrokenPlugin(ep.name, dist, version, one_line(exc), exc))
                continue
            self.origins[ep.name] = (dist, version)
            loaded += 1
        self.check_pending()
        return loaded

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry.from_plugin_manager(self)
        return self._registry


_pm: NasplugPluginManager | None = None


def get_plugin_manager(load_entrypoints: bool = True) -> NasplugPluginManager:
    """Return the process-wide plugin manager, creating and loading it once."""
    global _pm
    if _pm is None:
        pm = NasplugPluginManager()
        if load_entrypoints:
            pm.load_entrypoints()
        _pm = pm
    return _pm


def set_plugin_manager(pm: NasplugPluginManager | None) -> NasplugPluginManager | None:
    """Swap the process-wide plugin manager (tests); returns the previous one."""
    global _pm
    previous, _pm = _pm, pm
    return previous


def current_plugin_manager() -> NasplugPluginManager | None:
    """The process-wide plugin manager if one was created, else None (creates nothing)."""
    return _pm


def get_registry() -> Registry:
    return get_plugin_manager().registry

__all__ = [
    "BrokenPlugin", "KINDS", "NasplugPluginManager", "PluginLoadError", "current_plugin_manager",
    "get_plugin_manager",
    "get_registry", "hookimpl", "set_plugin_manager", "ENTRY_POINT_GROUP", "PROJECT_NAME",
]
