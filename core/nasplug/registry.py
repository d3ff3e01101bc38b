"""The registry: every registered name, the distribution that provided it, and errors.

Built from a plugin manager by calling each ``register_<kind>`` hook
implementation on its own (through pluggy's own hook caller, so each
implementation gets just the arguments it names), so one plugin whose hook
raises is recorded as broken and the others still register.

Imports run one way: :mod:`nasplug.plugins` (the plugin manager) imports this
module, never the reverse; :class:`BrokenPlugin` and the strict switch live here.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from typing import Any

from .builtin_providers import BUILTIN_PROVIDERS, install_hint
from .errors import DuplicateNameError, NasplugError, PluginLoadError, UnknownNameError, one_line

#: Human names of the kinds, for messages.
KIND_LABELS = {
    "search_spaces": "search space",
    "benchmarks": "benchmark",
    "predictors": "predictor",
    "datasets": "dataset",
    "executors": "executor",
    "search_strategies": "search strategy",
}

#: install hints for names of nasplug's own distributions (kept in nasplug.builtin_providers)
KNOWN_PROVIDERS = BUILTIN_PROVIDERS

STRICT_ENV = "NASPLUG_STRICT_PLUGINS"


def strict_plugins() -> bool:
    """``NASPLUG_STRICT_PLUGINS=1``: re-raise plugin errors and duplicate names (for CI)."""
    return os.environ.get(STRICT_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass
class BrokenPlugin:
    """A plugin whose import or hook call raised."""

    name: str
    distribution: str | None
    version: str | None
    error: str
    exception: BaseException | None = field(default=None, repr=False)

    def describe(self) -> str:
        dist = f"{self.distribution}=={self.version}" if self.distribution else self.name
        return f"{dist}: {self.error}"


@dataclass(frozen=True)
class Entry:
    """One registered class and where it came from."""

    kind: str
    name: str
    cls: Any
    plugin: str
    distribution: str | None
    version: str | None

    @property
    def provider(self) -> str:
        if self.distribution:
            return f"{self.distribution} {self.version}"
        return f"plugin {self.plugin!r}"

    def as_dict(self) -> dict:
        info = {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "plugin": self.plugin,
            "class": f"{getattr(self.cls, '__module__', '?')}.{getattr(self.cls, '__qualname__', '?')}",
        }
        from .lazy import LazyClass

        # A LazyClass answers only what it was given; asking it for more would import
        # the real class (and torch) just to list it.
        source = vars(self.cls) if isinstance(self.cls, LazyClass) else None
        for attr in ("datasets", "tasks", "search_space", "description"):
            value = _plain(source.get(attr) if source is not None else getattr(self.cls, attr, None))
            if value is not None:
                info[attr] = value
        return info


def _plain(value: Any) -> Any:
    """JSON-friendly form of a class attribute, or None for anything else (properties...)."""
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (tuple, list, set, frozenset)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


class Registry:
    """Names of search spaces, benchmarks, predictors, datasets and executors."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KIND_LABELS}
        #: (kind, name) -> every entry that claimed it (two or more)
        self.conflicts: dict[tuple[str, str], list[Entry]] = {}
        self.broken: list = []
        #: (entry-point name, distribution) of plugins skipped by the allow/block lists
        self.skipped: list[tuple[str, str | None]] = []

    # -- building ---------------------------------------------------------
    @classmethod
    def from_plugin_manager(cls, pm: Any) -> Registry:
        """Call every ``register_<kind>`` implementation of ``pm``, each on its own."""
        registry = cls()
        registry.broken = list(pm.broken)
        registry.skipped = list(pm.skipped)
        for kind in KIND_LABELS:
            hook_name = f"register_{kind}"
            hook = getattr(pm.hook, hook_name, None)
            if hook is None:
                continue
            for impl in reversed(hook.get_hookimpls()):  # registration order
                registry._call_one(pm, hook_name, impl, kind)
        return registry

    def _call_one(self, pm: Any, hook_name: str, impl: Any, kind: str) -> None:
        """One plugin's ``register_<kind>``, called through pluggy with only that plugin."""
        dist, version = pm.origins.get(impl.plugin_name, (None, None))

        def register(obj: Any) -> None:
            self.add(Entry(kind, _name_of(obj), obj, impl.plugin_name, dist, version))

        others = [p for p in pm.get_plugins() if p is not impl.plugin]
        try:
            pm.subset_hook_caller(hook_name, remove_plugins=others)(register=register)
        except DuplicateNameError:
            raise
        except Exception as exc:
            if strict_plugins():
                raise
            self.broken.append(BrokenPlugin(impl.plugin_name, dist, version,
                                            f"{hook_name} raised {one_line(exc)}", exc))

    def add(self, entry: Entry) -> None:
        existing = self.entries[entry.kind].get(entry.name)
        key = (entry.kind, entry.name)
        if existing is None and key not in self.conflicts:
            self.entries[entry.kind][entry.name] = entry
            return
        claims = self.conflicts.setdefault(key, [existing] if existing else [])
        claims.append(entry)
        self.entries[entry.kind].pop(entry.name, None)
        if strict_plugins():
            raise self._duplicate_error(entry.kind, entry.name)

    # -- lookup -----------------------------------------------------------
    def names(self, kind: str) -> list[str]:
        return sorted(self.entries[kind])

    def entry(self, kind: str, name: str) -> Entry:
        if kind not in self.entries:
            raise NasplugError(f"unknown registry kind {kind!r}")
        found = self.entries[kind].get(name)
        if found is not None:
            return found
        if (kind, name) in self.conflicts:
            raise self._duplicate_error(kind, name)
        raise self._unknown_error(kind, name)

    def get(self, kind: str, name: str) -> Any:
        """The class registered as ``name``; a clear error when there is none."""
        return self.entry(kind, name).cls

    def loaded_class(self, kind: str, name: str) -> type | None:
        """The real class registered as ``name`` if it is already imported, else None.

        Never imports: a :class:`nasplug.LazyClass` not used yet answers None.
        """
        return _loaded(self.entry(kind, name).cls)

    def entry_for(self, kind: str, obj: Any, subclasses: bool = False) -> Entry | None:
        """The entry whose class is ``obj`` (a class, or an instance's class), or None.

        Compares with classes already imported only (lazy entries not used yet
        cannot have made ``obj``). ``subclasses=True`` also accepts an entry
        whose class ``obj`` derives from, when no entry matches exactly.
        """
        cls = obj if isinstance(obj, type) else type(obj)
        loaded = [(e, _loaded(e.cls)) for e in self.entries[kind].values()]
        for entry, real in loaded:
            if real is cls:
                return entry
        if subclasses:
            for entry, real in loaded:
                if isinstance(real, type) and issubclass(cls, real):
                    return entry
        return None

    def _duplicate_error(self, kind: str, name: str) -> DuplicateNameError:
        providers = " and ".join(e.provider for e in self.conflicts[(kind, name)])
        return DuplicateNameError(
            f"{KIND_LABELS[kind]} name {name!r} is registered by more than one plugin "
            f"({providers}); uninstall one of them or disable it with NASPLUG_DISABLE_PLUGINS")

    def _unknown_error(self, kind: str, name: str) -> NasplugError:
        label = KIND_LABELS[kind]
        # A provider that failed to load may be the one that would have had it.
        known_dist = install_hint(kind, name)
        for broken in self.broken:
            if known_dist and broken.distribution == known_dist or broken.name == name:
                err = PluginLoadError(f"{label} {name!r} is unavailable because its plugin failed "
                                      f"to load: {broken.describe()}")
                return err
        valid = self.names(kind)
        parts = [f"unknown {label} {name!r}"]
        skipped = [ep for ep, dist in self.skipped if name == ep or (known_dist and dist == known_dist)]
        if skipped:
            parts = [f"{label} {name!r} is provided by plugin {skipped[0]!r}, which is not loaded "
                     "because of NASPLUG_LOAD_PLUGINS / NASPLUG_DISABLE_PLUGINS"]
        elif known_dist:
            parts = [f"{label} {name!r} is not installed; install it with: pip install {known_dist}"]
        close = difflib.get_close_matches(name, valid, n=3, cutoff=0.6)
        if close:
            parts[0] += " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
        parts.append("valid names: " + (", ".join(valid) if valid else "(none installed)"))
        if self.skipped and not skipped:
            parts.append("not loaded because of NASPLUG_LOAD_PLUGINS / NASPLUG_DISABLE_PLUGINS: "
                         + ", ".join(ep for ep, _ in self.skipped))
        if self.broken:
            parts.append("plugins that failed to load: " + "; ".join(b.describe() for b in self.broken))
        return UnknownNameError("; ".join(parts))

    def as_dict(self) -> dict:
        return {
            kind: [self.entries[kind][n].as_dict() for n in self.names(kind)] for kind in KIND_LABELS
        } | {
            "conflicts": [
                {"kind": kind, "name": name, "providers": [e.provider for e in entries]}
                for (kind, name), entries in sorted(self.conflicts.items())
            ],
            "broken": [
                {"plugin": b.name, "distribution": b.distribution, "version": b.version, "error": b.error}
                for b in self.broken
            ],
        }


def _loaded(target: Any) -> type | None:
    """The class behind a registered object, without importing a lazy one."""
    from .lazy import LazyClass

    if isinstance(target, LazyClass):
        return target.loaded
    return target if isinstance(target, type) else None


def _name_of(obj: Any) -> str:
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginLoadError(f"{obj!r} was registered without a string 'name' attribute")
    return name


__all__ = ["BrokenPlugin", "Entry", "KIND_LABELS", "KNOWN_PROVIDERS", "Registry", "STRICT_ENV",
           "strict_plugins"]
