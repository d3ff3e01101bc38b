"""Read NASLib's NAS-Bench-Suite-Zero files (``zc_nasbench201.json``, ``zc_nasbench301.json``, ...).

Format (NASLib, ``naslib/data/zc_<space>.json``)::

    {"<search space>": {"<dataset or task>": {"<arch key>": {"<proxy>": score, ...,
                                                             "val_accuracy": float}}}}

A score is a number or, in some releases, ``{"score": number, "time": seconds}``;
both are read as the number. The arch key is the search space's compact
encoding written as Python text, e.g. ``"(4, 3, 3, 3, 2, 3)"`` for NAS-Bench-201;
a search-space plugin turns it into its own representation (``key=``).

Generic over search spaces: nothing here knows NAS-Bench-201.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable

from .errors import DataError

#: Where NASLib users get these files.
NASLIB_ZC_SOURCE = ("NAS-Bench-Suite-Zero (NASLib: https://github.com/automl/NASLib, "
                    "'zc_<search space>.json' from the NAS-Bench-Suite-Zero release)")

_cache: dict[tuple, dict] = {}


def _score(value: Any, path: Path, where: str) -> float:
    if isinstance(value, dict):
        if "score" not in value:
            raise DataError(f"corrupt NASLib zero-cost file {str(path)!r}: {where} is a dict without 'score'; "
                            f"get the file from {NASLIB_ZC_SOURCE}")
        value = value["score"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if value is None:
            return math.nan
        raise DataError(f"corrupt NASLib zero-cost file {str(path)!r}: {where} is {value!r}, not a number; "
                        f"get the file from {NASLIB_ZC_SOURCE}")
    return float(value)


def load_naslib_zc(path: str | os.PathLike, search_space: str | None = None, *,
                   key: Callable[[str], Any] | None = None,
                   datasets: list[str] | tuple[str, ...] | None = None) -> dict[str, dict[Any, dict[str, float]]]:
    """``{dataset: {arch key: {score name: float}}}`` from one NAS-Bench-Suite-Zero file.

    - ``search_space``: the top-level name to read (``"nasbench201"``); ``None``
      accepts a file holding exactly one search space.
    - ``key``: maps the file's arch key text to the caller's representation
      (e.g. a compact tuple); errors it raises become a :class:`DataError`.
    - ``datasets``: read only these datasets (all when ``None``).

    Score names are NASLib's (``flops`` in MFLOPs, ``params`` in millions,
    ``synflow`` ..., ``val_accuracy`` in %). Results are cached per file
    (path, size, mtime) and arguments; treat them as read-only.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise DataError(f"NASLib zero-cost file {str(path)!r} not found; get it from {NASLIB_ZC_SOURCE}") from None
    cache_key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, search_space, key,
                 tuple(datasets) if datasets is not None else None)
    found = _cache.get(cache_key)
    if found is not None:
        return found
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"cannot read NASLib zero-cost file {str(path)!r} ({type(exc).__name__}: {exc}); "
                        f"get it from {NASLIB_ZC_SOURCE}") from None
    if not isinstance(raw, dict) or not raw:
        raise DataError(f"corrupt NASLib zero-cost file {str(path)!r}: expected an object "
                        f"{{search space: {{dataset: {{arch: scores}}}}}}; get it from {NASLIB_ZC_SOURCE}")
    if search_space is None:
        if len(raw) != 1:
            raise DataError(f"NASLib zero-cost file {str(path)!r} holds several search spaces "
                            f"({', '.join(map(str, raw))}); say which one")
        search_space = next(iter(raw))
    spaces = raw.get(search_space)
    if not isinstance(spaces, dict):
        raise DataError(f"NASLib zero-cost file {str(path)!r} has no search space {search_space!r} "
                        f"(it holds {', '.join(map(str, raw))}); get zc_{search_space}.json from {NASLIB_ZC_SOURCE}")
    result: dict[str, dict[Any, dict[str, float]]] = {}
    for dataset, archs in spaces.items():
        if datasets is not None and dataset not in datasets:
            continue
        if not isinstance(archs, dict):
            raise DataError(f"corrupt NASLib zero-cost file {str(path)!r}: {search_space}/{dataset} is not an object")
        table: dict[Any, dict[str, float]] = {}
        for arch_text, scores in archs.items():
            if not isinstance(scores, dict):
                raise DataError(f"corrupt NASLib zero-cost file {str(path)!r}: scores of {arch_text!r} "
                                f"({search_space}/{dataset}) are not an object")
            if key is not None:
                try:
                    arch = key(arch_text)
                except Exception as exc:  # the plugin's own parser: report as corrupt data
                    raise DataError(f"corrupt NASLib zero-cost file {str(path)!r}: arch key {arch_text!r} "
                                    f"({search_space}/{dataset}) is not valid: {exc}") from None
            else:
                arch = arch_text
            table[arch] = {name: _score(value, path, f"{search_space}/{dataset}/{arch_text}/{name}")
                           for name, value in scores.items()}
        result[dataset] = table
    _cache[cache_key] = result
    return result


def find_naslib_zc_file(search_space: str, data_dir: str | os.PathLike | None = None,
                        filename: str | None = None) -> Path | None:
    """The first of ``<data>/naslib/zc_<space>.json`` and ``<data>/zc_<space>.json`` that exists, else None."""
    from .config import get_data_dir

    root = get_data_dir(data_dir)
    name = filename or f"zc_{search_space}.json"
    for candidate in (root / "naslib" / name, root / name):
        if candidate.is_file():
            return candidate
    return None


def resolve_naslib_zc_file(search_space: str, data_dir: str | os.PathLike | None = None,
                           zc_path: str | os.PathLike | None = None, source: str = "") -> Path | None:
    """An explicit ``zc_path`` (which must exist: else a :class:`DataError` saying where the
    file comes from), or else :func:`find_naslib_zc_file` in the data directory (None when absent)."""
    if zc_path is None:
        return find_naslib_zc_file(search_space, data_dir)
    path = Path(zc_path)
    if not path.is_file():
        from .errors import DataError

        hint = f"; get it from {source}" if source else ""
        raise DataError(f"NASLib zero-cost file {str(zc_path)!r} not found{hint}")
    return path
