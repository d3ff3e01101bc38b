"""Load a zero-cost NAS competition submission as a nasplug predictor.

``load_submission(path)`` accepts

- a ``.py`` file defining ``class ZeroCostPredictor`` (helper modules beside it
  may be imported by their plain names, e.g. ``from compute import score``);
- a directory holding such a file (``predictor.py`` or ``submission.py``);
- a submission ``.zip`` in either layout NASLib published:

  * the competition's: ``predictor.py`` at the zip root, helper modules beside
    it (``compute.py`` ...), and an empty ``metadata`` file;
  * the tutorial's: ``sample_submission/submission.py`` and
    ``sample_submission/metadata``.

  Zips are extracted once into ``<cache dir>/submissions/<sha256>/`` (see
  :func:`nasplug.config.get_cache_dir`); members with absolute paths, ``..``
  components or symlinks are refused, and so are archives that unpack to more
  than :data:`MAX_UNPACKED_BYTES`.

The class is instantiated with no arguments and wrapped in a
:class:`SubmissionPredictor`, a :class:`nasplug.Predictor` whose ``name`` and
``method_type`` are the submission's ``method_type``, whose ``version`` is a hash
of the submission's code (so a score store never mixes an edited submission with
an old one), and which turns any exception raised while loading, in
``pre_process`` or in ``query`` into a one-line :class:`NasplugError` naming the
submission file and line.

NASLib compatibility shim
-------------------------
Competition submissions import NASLib. When no real ``naslib`` is importable,
these modules are provided, mapped to nasplug, while the submission is imported
and while its ``pre_process``/``query`` run (and removed from ``sys.modules``
afterwards, so nothing else ever sees a fake ``naslib``):

=============================================  ====================================
``naslib.predictors.predictor.Predictor``      :class:`nasplug.Predictor`
``naslib.predictors.Predictor``                :class:`nasplug.Predictor`
``naslib.predictors.ZeroCost``                 :class:`nasplug.ZeroCost`
``naslib.search_spaces.core.graph.Graph``      :class:`nasplug.Graph`
``naslib.search_spaces.core.Graph``            :class:`nasplug.Graph`
``naslib.search_spaces.core.query_metrics.Metric``  :class:`nasplug.Metric`
``naslib.search_spaces.core.Metric``           :class:`nasplug.Metric`
``naslib.search_spaces.get_search_space``      :func:`nasplug.get_search_space`
``naslib.utils.get_dataset_api``               :func:`nasplug.get_dataset_api`
=============================================  ====================================

Anything else under ``naslib`` is an ImportError that names the shim. When a real
NASLib is installed the shim stays out of the way and the submission imports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import stat
import sys
import tempfile
import threading
import traceback
import types
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Iterator

from .errors import NasplugError, one_line
from .predictor import Predictor

#: the class a submission must define (the competition's rule)
CLASS_NAME = "ZeroCostPredictor"
#: entry files, in the order they are looked for (competition first, then tutorial)
ENTRY_FILES = ("predictor.py", "submission.py")
#: refuse zips that unpack to more than this (a submission is a few source files)
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_MEMBERS = 10_000

_LOCK = threading.RLock()


class SubmissionError(NasplugError):
    """A submission file or archive cannot be loaded or its predictor failed."""


# -- public API ----------------------------------------------------------------
def is_submission_path(value: str | os.PathLike) -> bool:
    """True when ``value`` (a ``--predictor`` argument) names a submission rather than a
    registered predictor: it ends in ``.py``/``.zip``, contains a path separator, or is
    a folder holding ``predictor.py``/``submission.py``."""
    text = os.fspath(value)
    if text.endswith((".py", ".zip")) or "/" in text or os.sep in text:
        return True
    # A bare word is a registered name unless it is a folder holding a submission
    # (so a stray folder named like a predictor does not shadow the predictor).
    path = Path(text)
    return path.is_dir() and any((path / name).is_file() for name in ENTRY_FILES)


def load_submission(path: str | os.PathLike, *, cache_dir: str | os.PathLike | None = None) -> "SubmissionPredictor":
    """Load the ``ZeroCostPredictor`` of a submission (``.py``, directory or ``.zip``).

    Returns a :class:`SubmissionPredictor`. Every failure (missing file, bad zip,
    no entry file, syntax error, import error, no ``ZeroCostPredictor`` class, an
    exception in its constructor) is a :class:`SubmissionError` with one line.
    """
    source = Path(path).expanduser()
    if not source.exists():
        raise SubmissionError(f"submission {str(source)!r} not found")
    source = source.resolve()
    if source.is_dir():
        entry = _find_entry(source, label=str(source))
    elif source.suffix == ".zip" or zipfile.is_zipfile(source):
        root = _extract_zip(source, cache_dir)
        entry = _find_entry(root, label=source.name)
    elif source.suffix == ".py":
        entry = source
    else:
        raise SubmissionError(f"submission {str(source)!r} is neither a .py file, a directory nor a .zip")
    return SubmissionPredictor._from_entry(entry, source)


# -- zip handling --------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _safe_member_path(name: str) -> PurePosixPath | None:
    """The member's relative path, or None for entries to skip; raises on unsafe names."""
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise SubmissionError(f"refusing zip member {name!r}: absolute path")
    parts = [p for p in PurePosixPath(normalised).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise SubmissionError(f"refusing zip member {name!r}: path leaves the archive ('..')")
    if not parts or parts[0] == "__MACOSX":
        return None
    return PurePosixPath(*parts)


def _extract_zip(archive: Path, cache_dir: str | os.PathLike | None) -> Path:
    from .config import get_cache_dir

    try:
        digest = _sha256(archive)
    except OSError as exc:
        raise SubmissionError(f"cannot read submission {str(archive)!r}: {exc.strerror or exc}") from None
    base = get_cache_dir(cache_dir) / "submissions"
    target = base / digest[:32]
    if (target / ".complete").is_file():
        return target
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"submission {archive.name!r} is not a valid zip file ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise SubmissionError(f"submission {archive.name!r} has {len(infos)} members; at most {MAX_MEMBERS}")
        if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
            raise SubmissionError(f"submission {archive.name!r} unpacks to more than "
                                  f"{MAX_UNPACKED_BYTES // (1 << 20)} MiB; a submission is source code")
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=base))
        try:
            for info in infos:
                rel = _safe_member_path(info.filename)
                if rel is None:
                    continue
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise SubmissionError(f"refusing zip member {info.filename!r}: symbolic link")
                dest = tmp.joinpath(*rel.parts)
                # Belt and braces: the resolved destination must stay inside tmp.
                if os.path.commonpath([tmp.resolve(), dest.resolve()]) != str(tmp.resolve()):
                    raise SubmissionError(f"refusing zip member {info.filename!r}: path leaves the archive")
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out)
            (tmp / ".complete").write_text(archive.name + "\n")
            try:
                os.replace(tmp, target)  # atomic; loses the race harmlessly if another process won
            except OSError:
                if not (target / ".complete").is_file():
                    raise
        except zipfile.BadZipFile as exc:
            raise SubmissionError(f"submission {archive.name!r} is a corrupt zip file ({exc})") from None
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def _find_entry(root: Path, label: str) -> Path:
    """``predictor.py``/``submission.py`` at the root, else one directory down."""
    for name in ENTRY_FILES:
        if (root / name).is_file():
            return root / name
    found = sorted(p for name in ENTRY_FILES for p in root.glob(f"*/{name}")
                   if not p.parent.name.startswith(("__MACOSX", ".")))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        listed = ", ".join(str(p.relative_to(root)) for p in found)
        raise SubmissionError(f"submission {label!r} holds several entry files ({listed}); keep one")
    raise SubmissionError(
        f"submission {label!r} has no predictor.py (competition layout) or "
        f"sample_submission/submission.py (tutorial layout)")


# -- the NASLib shim ---------------------------------------------------------
SHIM_MARK = "__nasplug_naslib_shim__"


def _lazy_module(name: str, attrs: dict[str, str], package: bool = False) -> types.ModuleType:
    """A module whose attributes resolve on first access (``"module:attr"`` targets)."""
    module = types.ModuleType(name, f"nasplug compatibility shim for {name} (see nasplug.submission)")
    setattr(module, SHIM_MARK, True)
    if package:
        module.__path__ = []  # type: ignore[attr-defined]

    def __getattr__(item: str, _attrs=attrs, _name=name) -> Any:
        target = _attrs.get(item)
        if target is None:
            raise AttributeError(f"nasplug's naslib shim has no {_name}.{item}; "
                                 "see nasplug.submission for what it provides")
        mod, _, attr = target.partition(":")
        value = getattr(importlib.import_module(mod), attr)
        setattr(module, item, value)
        return value

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    module.__all__ = sorted(attrs)  # type: ignore[attr-defined]
    return module


#: module name -> (is_package, {attribute: "nasplug.module:attribute"})
SHIM_MODULES: dict[str, tuple[bool, dict[str, str]]] = {
    "naslib": (True, {}),
    "naslib.predictors": (True, {"Predictor": "nasplug.predictor:Predictor", "ZeroCost": "nasplug.api:ZeroCost"}),
    "naslib.predictors.predictor": (False, {"Predictor": "nasplug.predictor:Predictor"}),
    "naslib.search_spaces": (True, {"get_search_space": "nasplug.api:get_search_space"}),
    "naslib.search_spaces.core": (True, {"Graph": "nasplug.graph:Graph", "Metric": "nasplug.metrics:Metric"}),
    "naslib.search_spaces.core.graph": (False, {"Graph": "nasplug.graph:Graph"}),
    "naslib.search_spaces.core.query_metrics": (False, {"Metric": "nasplug.metrics:Metric"}),
    "naslib.utils": (True, {"get_dataset_api": "nasplug.api:get_dataset_api"}),
}


def real_naslib_available() -> bool:
    """True when a real NASLib (not nasplug's shim) can be imported."""
    present = sys.modules.get("naslib")
    if present is not None:
        return not getattr(present, SHIM_MARK, False)
    try:
        return importlib.util.find_spec("naslib") is not None
    except (ImportError, ValueError):
        return False


@contextlib.contextmanager
def naslib_shim() -> Iterator[bool]:
    """Install the shim modules for the duration of the block if no real NASLib is
    importable; yields whether the shim is active. Removes exactly what it added."""
    if real_naslib_available():
        yield False
        return
    added: dict[str, types.ModuleType] = {}
    for name, (package, attrs) in SHIM_MODULES.items():
        if name in sys.modules:
            continue
        added[name] = sys.modules[name] = _lazy_module(name, attrs, package)
    for name, module in added.items():
        parent, _, child = name.rpartition(".")
        if parent and parent in sys.modules:
            setattr(sys.modules[parent], child, module)
    try:
        yield True
    finally:
        for name, module in added.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


# -- loading -------------------------------------------------------------------
def _under(path: Any, root: Path) -> bool:
    if not path:
        return False
    try:
        return Path(path).resolve().is_relative_to(root)
    except (OSError, ValueError):
        return False


def _where(exc: BaseException, root: Path) -> str:
    """``file.py:LINE`` of the innermost frame inside the submission, if any."""
    if isinstance(exc, SyntaxError) and exc.filename and _under(exc.filename, root):
        return f"{Path(exc.filename).relative_to(root)}:{exc.lineno}"
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if _under(frame.filename, root):
            return f"{Path(frame.filename).resolve().relative_to(root)}:{frame.lineno}"
    return ""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg}"
    return one_line(exc)


class SubmissionPredictor(Predictor):
    """A competition ``ZeroCostPredictor`` behind the nasplug :class:`Predictor` contract.

    Attributes: ``name``/``method_type`` (the submission's ``method_type``),
    ``version`` (hash of the code loaded from the submission), ``source`` (the
    path given), ``entry`` (the file that defines the class), ``inner`` (the
    submission's own instance). Pickles by path, so process-pool and Ray
    executors reload it in their workers.
    """

    requires_data = True  # a submission may use the batch; it is always given one

    def __init__(self, inner: Any, entry: Path, source: Path, version: str, helpers: dict) -> None:
        method_type = getattr(inner, "method_type", None)
        if not isinstance(method_type, str) or not method_type:
            method_type = f"submission:{source.stem}"
        self.name = method_type
        super().__init__(method_type=method_type)
        self.inner = inner
        self.entry = entry
        self.source = source
        self.root = entry.parent
        self.version = version
        self._helpers = helpers  # module name -> module, put back while the submission runs
        self._depth = 0

    # -- construction ---------------------------------------------------------
    @classmethod
    def _from_entry(cls, entry: Path, source: Path) -> "SubmissionPredictor":
        root = entry.parent.resolve()
        label = source.name
        module_name = "_nasplug_submission_" + hashlib.sha256(str(entry).encode()).hexdigest()[:16]
        with _LOCK, _submission_context(root, {}) as loaded_helpers:
            spec = importlib.util.spec_from_file_location(module_name, entry)
            if spec is None or spec.loader is None:
                raise SubmissionError(f"submission {label!r}: cannot import {entry.name}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            try:
                spec.loader.exec_module(module)
            except ImportError as exc:
                del sys.modules[module_name]
                missing = getattr(exc, "name", None)
                where = _where(exc, root)
                hint = ""
                if missing and missing.split(".")[0] == "naslib":
                    hint = ("; nasplug's NASLib shim provides only the names listed in "
                            "nasplug.submission (install NASLib for the rest)")
                elif missing:
                    hint = f"; install {missing.split('.')[0]!r} or put {missing.split('.')[0]}.py beside {entry.name}"
                raise SubmissionError(
                    f"submission {label!r} failed to import{' at ' + where if where else ''}: "
                    f"{_describe(exc)}{hint}") from None
            except (Exception, SystemExit) as exc:  # SyntaxError, NameError, sys.exit() at import time
                del sys.modules[module_name]
                where = _where(exc, root)
                raise SubmissionError(
                    f"submission {label!r} failed to load{' at ' + where if where else ''}: "
                    f"{_describe(exc)}") from None
            target = getattr(module, CLASS_NAME, None)
            if not isinstance(target, type):
                classes = sorted(n for n, v in vars(module).items()
                                 if isinstance(v, type) and v.__module__ == module_name)
                found = f"; it defines {', '.join(classes)}" if classes else ""
                raise SubmissionError(
                    f"submission {label!r}: {entry.name} has no class {CLASS_NAME}{found}; "
                    f"the competition loads the class named {CLASS_NAME}")
            try:
                inner = target()
            except Exception as exc:
                where = _where(exc, root)
                raise SubmissionError(
                    f"submission {label!r}: {CLASS_NAME}() raised{' at ' + where if where else ''}: "
                    f"{_describe(exc)}") from None
            for meth in ("query",):
                if not callable(getattr(inner, meth, None)):
                    raise SubmissionError(f"submission {label!r}: {CLASS_NAME} has no {meth}() method")
        files = sorted({entry.resolve()} | {Path(m.__file__).resolve() for m in loaded_helpers.values()
                                             if getattr(m, "__file__", None)})
        code = hashlib.sha256()
        for f in files:
            code.update(f.name.encode())
            code.update(f.read_bytes())
        return cls(inner, entry, source, code.hexdigest()[:12], loaded_helpers)

    # -- the Predictor contract -------------------------------------------------
    @contextlib.contextmanager
    def _running(self, what: str) -> Iterator[None]:
        if self._depth:  # nested call (pre_process calling query ...): context already set
            yield
            return
        self._depth += 1
        try:
            with _submission_context(self.root, self._helpers):
                try:
                    yield
                except NasplugError:
                    raise
                except Exception as exc:
                    where = _where(exc, self.root)
                    raise SubmissionError(
                        f"submission {self.source.name!r}: {CLASS_NAME}.{what} raised"
                        f"{' at ' + where if where else ''}: {_describe(exc)}") from exc
        finally:
            self._depth -= 1

    def pre_process(self) -> None:
        method = getattr(self.inner, "pre_process", None)
        if method is None:
            return
        with self._running("pre_process()"):
            method()

    def query(self, graph: Any, dataloader: Iterable | None = None) -> float:
        with self._running("query()"):
            # positional, as NASLib's evaluator calls it: submissions name the arguments freely
            score = self.inner.query(graph, dataloader)
        return _as_float(score, self.source.name)

    def __getattr__(self, item: str) -> Any:
        # Attributes the submission defines (e.g. its own settings) stay reachable.
        if item.startswith("__") or item in {"inner", "_helpers", "_depth"}:
            raise AttributeError(item)
        inner = self.__dict__.get("inner")
        if inner is None:
            raise AttributeError(item)
        return getattr(inner, item)

    def __reduce__(self):
        return (load_submission, (str(self.source),))

    def __repr__(self) -> str:
        return f"SubmissionPredictor(method_type={self.method_type!r}, source={str(self.source)!r})"


def _as_float(score: Any, label: str) -> float:
    """The score as a float; tensors and numpy scalars with one element are accepted."""
    try:
        if hasattr(score, "item") and callable(score.item):
            score = score.item()
        value = float(score)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise SubmissionError(
            f"submission {label!r}: {CLASS_NAME}.query() returned {type(score).__name__} "
            f"({_describe(exc)}); it must return one number") from None
    return value  # NaN/inf pass through: the evaluation marks such cells failed


@contextlib.contextmanager
def _submission_context(root: Path, helpers: dict) -> Iterator[dict]:
    """Make the submission's folder importable (first on ``sys.path``), put its helper
    modules back into ``sys.modules`` and install the NASLib shim; undo it all
    afterwards, so helper names such as ``compute`` never leak into the process or
    into another submission. Yields a dict that collects the submission's modules."""
    root_str = str(root)
    saved = {name: sys.modules[name] for name in helpers if name in sys.modules}
    sys.modules.update(helpers)
    before = set(sys.modules)
    sys.path.insert(0, root_str)
    collected = dict(helpers)
    try:
        with naslib_shim():
            yield collected
    finally:
        try:
            sys.path.remove(root_str)
        except ValueError:
            pass
        for name in list(sys.modules):
            module = sys.modules[name]
            if name in helpers or (name not in before and _under(getattr(module, "__file__", None), root)):
                collected[name] = module
                del sys.modules[name]
        sys.modules.update(saved)
