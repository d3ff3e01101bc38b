"""Stage 2, predictors: what ``--predictor VALUE`` names, resolved once.

:func:`resolve` turns a value (a registered name, a ``prefix:rest`` name, a
competition submission path, or a live instance) into one
:class:`ResolvedPredictor`: the instance, its name, its store version, the
registry entry that provided it, and how a worker process gets an equal one
(:meth:`ResolvedPredictor.ref`, a picklable :class:`PredictorRef`). The inverse,
:func:`build_predictor`, lives here too, so packing and unpacking read side by
side.

Extending resolution: :data:`NAME_RESOLVERS` maps a name prefix (``"ensemble"``
in ``"ensemble:synflow+snip"``) to a factory ``fn(rest, **kwargs) -> predictor``
or to its import path ``"pkg.module:fn"`` (imported on first use, so a fresh
worker process finds it without importing anything first). A factory raises a
:class:`nasplug.NasplugError` for a value it cannot read.
"""

from __future__ import annotations

import hashlib
import inspect
import pickle
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

from ..errors import NasplugError

#: name prefix -> factory ``fn(rest, **kwargs)`` or ``"pkg.module:fn"`` (see the module docstring)
NAME_RESOLVERS: dict[str, Callable[..., Any] | str] = {
    "ensemble": "nasplug.ensemble:from_name",  # population predictors (nasplug.population.KINDS)
    "learned": "nasplug.learned:from_name",
    "naslib": "nasplug.naslib_scores:from_name",
}


def register_name_resolver(prefix: str, factory: Callable[..., Any] | str) -> None:
    """Let ``--predictor PREFIX:REST`` build its predictor with ``factory(REST, **kwargs)``."""
    if not prefix or ":" in prefix:
        raise ValueError(f"a resolver prefix is a non-empty word without ':', got {prefix!r}")
    NAME_RESOLVERS[prefix] = factory


def _factory(prefix: str) -> Callable[..., Any] | None:
    target = NAME_RESOLVERS.get(prefix)
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(import_module(module), attr)
        NAME_RESOLVERS[prefix] = target
    return target


def instantiate(name: str, **kwargs: Any) -> Any:
    """A new predictor for a registered name or a ``prefix:rest`` name (no ``pre_process``)."""
    prefix, sep, rest = name.partition(":")
    factory = _factory(prefix) if sep else None
    if factory is not None:
        return factory(rest, **kwargs)
    from ..api import get_predictor

    return get_predictor(name, **kwargs)


@dataclass(frozen=True)
class PredictorRef:
    """How a worker gets the predictor (picklable, except ``"instance"``).

    ``kind``: ``"registered"`` (``name`` + ``kwargs``, rebuilt by
    :func:`instantiate`), ``"submission"`` (``path``), ``"pickled"``
    (``payload``) or ``"instance"`` (the live object; in-process only).
    """

    kind: str
    name: str
    kwargs: tuple = ()
    path: str | None = None
    payload: bytes | None = None
    #: id() of the live instance, so two live predictors never share worker state
    ident: int = 0
    instance: Any = field(default=None, compare=False, hash=False, repr=False)

    def __getstate__(self) -> dict:
        if self.kind == "instance":
            raise NasplugError(f"predictor {self.name!r} is a live object and cannot be sent to "
                               "worker processes; register it as a plugin or use --executor inprocess")
        return self.__dict__.copy()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def build_predictor(ref: PredictorRef) -> Any:
    """The predictor a :class:`PredictorRef` names (``pre_process`` not called)."""
    if ref.kind == "instance":
        return ref.instance
    if ref.kind == "registered":
        return instantiate(ref.name, **dict(ref.kwargs))
    if ref.kind == "submission":
        from ..submission import load_submission

        return load_submission(str(ref.path))
    if ref.kind == "pickled":
        return pickle.loads(ref.payload or b"")
    raise NasplugError(f"unknown predictor reference kind {ref.kind!r}")


def predictor_name(predictor: Any) -> str:
    """The name results carry: ``method_type``, else ``name``, else the class name."""
    return str(getattr(predictor, "method_type", None) or getattr(predictor, "name", None)
               or type(predictor).__name__)


def _source_digest(obj: Any) -> str:
    try:
        path = inspect.getsourcefile(obj)
        if path and Path(path).is_file():
            return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]
    except (TypeError, OSError):
        pass
    return "nosrc"


def _entry_of(predictor: Any) -> Any:
    from ..plugins import get_registry

    return get_registry().entry_for("predictors", type(predictor))


def _version(predictor: Any, entry: Any) -> str:
    parts = [entry.version if entry is not None and entry.version else "local"]
    own = getattr(predictor, "version", None)  # e.g. a submission's code hash
    if isinstance(own, str) and own:
        parts.append(own)
    parts.append(_source_digest(type(predictor)))
    return "+".join(parts)


def predictor_identity(predictor: Any) -> tuple[str, str]:
    """``(name, version)`` for the score store: a new version never reuses old scores.

    The version joins the providing distribution's version (or ``local``), the
    predictor's own ``version`` attribute if it has one (a submission's code hash)
    and a digest of the file that defines the predictor class, so editing a
    plugin in place (an editable install) invalidates its cached scores too.
    """
    return predictor_name(predictor), _version(predictor, _entry_of(predictor))


def _default_constructed(predictor: Any) -> bool:
    from ..predictor import Predictor

    return type(predictor).__init__ is Predictor.__init__ and isinstance(
        getattr(predictor, "options", {}) or {}, dict)


@dataclass(frozen=True)
class ResolvedPredictor:
    """One predictor, resolved: instance, name, store version, provider and how it was made.

    ``created``: ``(name, kwargs)`` when it was built from a name (workers rebuild
    it the same way), else ``None``. ``entry``: the registry entry of its class
    (``None`` for submissions and unregistered classes).
    """

    instance: Any
    name: str
    version: str
    entry: Any = None
    created: tuple[str, tuple] | None = None

    @classmethod
    def of(cls, predictor: Any, created: tuple[str, tuple] | None = None) -> ResolvedPredictor:
        entry = _entry_of(predictor)
        return cls(predictor, predictor_name(predictor), _version(predictor, entry), entry, created)

    @property
    def requires_data(self) -> bool:
        """Whether ``query`` reads the batch (``False``: the input shape is enough)."""
        return bool(getattr(self.instance, "requires_data", True))

    def ref(self, for_workers: bool) -> PredictorRef:
        """How an executor's workers get this predictor (see :func:`build_predictor`)."""
        if not for_workers:
            return PredictorRef("instance", self.name, ident=id(self.instance), instance=self.instance)
        if self.created is not None:
            return PredictorRef("registered", self.created[0], kwargs=self.created[1])
        if self.entry is not None and _default_constructed(self.instance):
            options = getattr(self.instance, "options", {}) or {}
            return PredictorRef("registered", self.entry.name, kwargs=tuple(sorted(options.items())))
        try:
            payload = pickle.dumps(self.instance)
            pickle.loads(payload)
        except Exception as exc:
            raise NasplugError(f"predictor {self.name!r} cannot be sent to worker processes "
                               f"({type(exc).__name__}); register it as a plugin, pass a "
                               "submission file, or use --executor inprocess") from None
        return PredictorRef("pickled", self.name, payload=payload)


def resolve(value: Any, **kwargs: Any) -> ResolvedPredictor:
    """A :class:`ResolvedPredictor` from a name, ``prefix:rest``, submission path or instance.

    A value ending in ``.py``/``.zip`` or naming an existing file or folder is a
    competition submission (:func:`nasplug.submission.load_submission`); a live
    instance is taken as it is (``kwargs`` must then be empty).
    """
    if isinstance(value, ResolvedPredictor):
        return value
    if not isinstance(value, (str, Path)):
        return ResolvedPredictor.of(value)
    value = str(value)
    from .. import submission

    if submission.is_submission_path(value):
        return ResolvedPredictor.of(submission.load_submission(value))
    return ResolvedPredictor.of(instantiate(value, **kwargs),
                                created=(value, tuple(sorted(kwargs.items()))))


def resolve_predictor(value: Any, **kwargs: Any) -> Any:
    """The predictor *instance* :func:`resolve` finds (kept for callers of ``nasplug.evaluators``)."""
    return resolve(value, **kwargs).instance


__all__ = ["NAME_RESOLVERS", "PredictorRef", "ResolvedPredictor", "build_predictor", "instantiate",
           "predictor_identity", "predictor_name", "register_name_resolver", "resolve",
           "resolve_predictor"]
