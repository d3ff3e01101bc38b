"""Register a heavy class without importing it.

``nasplug list`` builds the registry, which calls every plugin's hooks; a hook
that imported torch to reach its classes would make ``list`` and ``--help`` slow
for everyone. A plugin registers ``LazyClass("pkg.module:Class", name=..., ...)``
instead: the stand-in carries the light attributes the registry shows (``name``,
``datasets``, ``tasks`` ...) and imports the real class on first call.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


class LazyClass:
    """Stand-in for ``target`` (``"module:QualName"``) until it is called or loaded."""

    def __init__(self, target: str, **attrs: Any) -> None:
        if ":" not in target:
            raise ValueError(f"target must look like 'module:Class', got {target!r}")
        self.target = target
        self.__module__, self.__qualname__ = target.split(":", 1)
        self._loaded = None
        for key, value in attrs.items():
            setattr(self, key, value)

    def load(self) -> type:
        """Import and return the real class."""
        if self._loaded is None:
            module, qualname = self.target.split(":", 1)
            obj: Any = import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            self._loaded = obj
        return self._loaded

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.load()(*args, **kwargs)

    def __getattr__(self, item: str) -> Any:  # attributes not given up front: load
        if item.startswith("__") or item in {"target", "_loaded"}:
            raise AttributeError(item)
        return getattr(self.load(), item)

    def __repr__(self) -> str:
        return f"<LazyClass {self.target} name={getattr(self, 'name', '?')!r}>"
