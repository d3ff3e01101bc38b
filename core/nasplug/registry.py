"""The registry: every registered name, the distribution that provided it, and errors.

Built from a plugin manager by calling each ``register_<kind>`` hook
implementation on its own, so one plugin whose hook raises is recorded as broken
and the others still register.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .errors import DuplicateNameError, NasplugError, PluginLoadError, UnknownNameError

#: Human names of the kinds, for messages.
KIND_LABELS = {
    "search_spaces": "search space",
    "benchmarks": "benchmark",
    "predictors": "predictor",
    "datasets": "dataset",
    "executors": "executor",
    "search_strategies": "search strategy",
}

#: Names provided by nasplug's own distributions, so that asking for one that is
#: not installed says what to ``pip install``. Purely a hint: discovery itself
#: treats these distributions exactly like any third-party plugin.
KNOWN_PROVIDERS = {
    "predictors": {
        "synflow": "nasplug-synflow", "snip": "nasplug-snip", "grasp": "nasplug-grasp",
        "fisher": "nasplug-fisher", "jacov": "nasplug-jacov", "grad_norm": "nasplug-grad-norm",
        "flops": "nasplug-flops", "params": "nasplug-params", "myplugin": "nasplug-myplugin",
    },
    "search_spaces": {
        "nasbench201": "nasplug-nb201", "nasbench301": "nasplug-nb301",
        "transbench101_micro": "nasplug-tnb101",
    },
    "benchmarks": {
        "nasbench201": "nasplug-nb201", "nasbench301": "nasplug-nb301",
        "transbench101_micro": "nasplug-tnb101",
    },
    "executors": {"ray": "nasplug[ray]"},
}


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
    def from_plugin_manager(cls, pm) -> "Registry":
        from .plugins import BrokenPlugin, _format_exception, _strict

        registry = cls()
        registry.broken = list(pm.broken)
        registry.skipped = list(pm.skipped)
        for kind in KIND_LABELS:
            hook = getattr(pm.hook, f"register_{kind}")
            for impl in reversed(hook.get_hookimpls()):  # registration order
                dist, version = pm.origins.get(impl.plugin_name, (None, None))

                def register(obj, _impl=impl, _dist=dist, _version=version, _kind=kind):
                    registry.add(Entry(_kind, _name_of(obj), obj, _impl.plugin_name, _dist, _version))

                try:
                    impl.function(register=register)
                except DuplicateNameError:
                    raise
                except Exception as exc:
                    if _strict():
                        raise
                    registry.broken.append(
                        BrokenPlugin(impl.plugin_name, dist, version,
                                     f"register_{kind} raised {_format_exception(exc)}", exc))
        return registry

    def add(self, entry: Entry) -> None:
        from .plugins import _strict

        existing = self.entries[entry.kind].get(entry.name)
        key = (entry.kind, entry.name)
        if existing is None and key not in self.conflicts:
            self.entries[entry.kind][entry.name] = entry
            return
        claims = self.conflicts.setdefault(key, [existing] if existing else [])
        claims.append(entry)
        self.entries[entry.kind].pop(entry.name, None)
        if _strict():
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

    def _duplicate_error(self, kind: str, name: str) -> DuplicateNameError:
        providers = " and ".join(e.provider for e in self.conflicts[(kind, name)])
        return DuplicateNameError(
            f"{KIND_LABELS[kind]} name {name!r} is registered by more than one plugin "
            f"({providers}); uninstall one of them or disable it with NASPLUG_DISABLE_PLUGINS")

    def _unknown_error(self, kind: str, name: str) -> NasplugError:
        label = KIND_LABELS[kind]
        # A provider that failed to load may be the one that would have had it.
        known_dist = KNOWN_PROVIDERS.get(kind, {}).get(name)
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
            parts.append("did you mean " + " or ".join(repr(c) for c in close) + "?")
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


def _name_of(obj: Any) -> str:
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not name:
        raise PluginLoadError(f"{obj!r} was registered without a string 'name' attribute")
    return name
