"""Register a heavy class without importing it.

``nasplug list`` builds the registry, which calls every plugin's hooks; a hook
that imported torch to reach its classes would make ``list`` and ``--help`` slow
for everyone. A plugin registers ``LazyClass("pkg.module:Class", name=..., ...)``
instead: the stand-in carries the light attributes the registry shows (``name``,
``datasets``, ``tasks`` ...) and imports the real class on first call.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any, Callable


class LazyClass:
    """Stand-in for ``target`` (``"module:QualName"``) until it is called or loaded."""

    def __init__(self, target: str, **attrs: Any) -> None:
        if ":" not in target:
            raise ValueError(f"target must look like 'module:Class', got {target!r}")
        self.target = target
        self.__module__, self.__qualname__ = target.split(":", 1)
        self._loaded: Any = None
        for key, value in attrs.items():
            setattr(self, key, value)

    @property
    def loaded(self) -> type | None:
        """The real class if :meth:`load` already ran, else None (never imports)."""
        return self.__dict__.get("_loaded")

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
        if item.startswith("__") or item in {"target", "_loaded", "loaded"}:
            raise AttributeError(item)
        return getattr(self.load(), item)

    def __repr__(self) -> str:
        return f"<LazyClass {self.target} name={getattr(self, 'name', '?')!r}>"


def lazy_exports(module_name: str, exports: dict[str, str]) -> tuple[Callable, Callable]:
    """A module-level ``__getattr__`` and ``__dir__`` for import-light packages.

    ``exports`` maps a public name to ``"pkg.module"`` (same attribute name) or
    ``"pkg.module:attr"``; the module is imported on first access and the value is
    cached on the package. Use: ``__getattr__, __dir__ = lazy_exports(__name__, {...})``.
    """
    package = sys.modules[module_name]

    def __getattr__(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        module, _, attr = target.partition(":")
        value = getattr(import_module(module), attr or name)
        setattr(package, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(package), *exports})

    return __getattr__, __dir__
