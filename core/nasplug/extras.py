"""Optional dependencies: import one, or say in one line which extra installs it.

``torchvision`` (``nasplug[download]``: ``nasplug data fetch``, ``--download``),
``matplotlib`` (``nasplug[plot]``: ``nasplug eval --plot``) and ``ray``
(``nasplug[ray]``: ``--executor ray``) are needed by one feature each, so the core
does not require them. ``nasplug[all]`` installs every extra.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import NasplugError

#: module -> (extra, what needs it)
EXTRAS = {
    "torchvision": ("download", "downloading CIFAR-10/100"),
    "matplotlib": ("plot", "plotting"),
    "ray": ("ray", "the ray executor"),
}


class MissingExtraError(NasplugError, ImportError):
    """An optional dependency of one feature is not installed."""


def require(module: str, extra: str | None = None, purpose: str | None = None) -> ModuleType:
    """``import module``, or a :class:`MissingExtraError` naming ``pip install 'nasplug[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        known_extra, known_purpose = EXTRAS.get(top, (None, None))
        extra = extra or known_extra
        purpose = purpose or known_purpose or "this feature"
        if getattr(exc, "name", top) not in (top, module):
            raise  # the package is there but one of its own imports failed: show it as it is
        install = f"pip install 'nasplug[{extra}]'" if extra else f"pip install {top}"
        raise MissingExtraError(f"{purpose} needs {top}, which is not installed: {install}") from None


__all__ = ["EXTRAS", "MissingExtraError", "require"]
