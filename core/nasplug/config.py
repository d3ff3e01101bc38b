"""Where nasplug finds its data and keeps its cache."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError

DATA_ENV = "NASPLUG_DATA"
CACHE_ENV = "NASPLUG_CACHE"


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "nasplug"


def get_data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data directory: ``override``, else ``$NASPLUG_DATA``, else ``~/.local/share/nasplug``."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return default_data_dir()


def get_cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The cache directory (score store): ``override``, ``$NASPLUG_CACHE`` or ``~/.cache/nasplug``."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "nasplug"


def find_data_file(relpath: str, data_dir: str | os.PathLike | None = None, *,
                   what: str = "", source: str = "") -> Path:
    """Path of ``relpath`` inside the data directory, or a :class:`DataError` that says
    which file is missing, which directory was searched and where the data comes from."""
    root = get_data_dir(data_dir)
    path = root / relpath
    if path.is_file():
        return path
    label = f"{what} " if what else ""
    hint = f"; get it from {source}" if source else ""
    raise DataError(
        f"{label}data file {relpath!r} not found in data directory {str(root)!r} "
        f"(set {DATA_ENV} or pass --data-dir){hint}")
