"""The population-predictor contract: scores that depend on the evaluated set.

Most predictors score one architecture at a time (:class:`nasplug.Predictor`).
Some cannot: AZ-NAS ranks four per-cell components *across the population*,
an ensemble ranks its members' scores across the population, a learned
predictor fits a model on some labelled cells and predicts others. A
:class:`PopulationPredictor` splits its work in two stages:

1. **per-cell components** -- a dict of named finite floats per architecture,
   which never depend on the other cells. They come from

   - ``members()``: ordinary predictors (or other population predictors) whose
     per-cell score becomes the component named after the member. Each member
     is scored under *its own* score-store key, so an ensemble after
     single-proxy runs of its members costs no scoring at all;
   - ``query_components(graph, dataloader)`` when the class names its own
     ``component_names`` (AZ-NAS: expressivity, progressivity, trainability,
     complexity from one pass). The executor calls it like ``query``; the
     evaluator stores the dict in the score store's components table
     (:meth:`nasplug.store.ScoreStore.put_components`) under the population
     predictor's own key, one commit per cell, so a killed run resumes without
     rescoring;
   - ``stored_components(context, cells)``: components known without scoring
     (NASLib's published scores, :mod:`nasplug.naslib_scores`).

2. **combine** -- ``combine(population) -> {cell: score}`` runs once, in the
   evaluating process, over every cell of the evaluated set whose components
   all exist (a cell where a member or a component failed is excluded from the
   combination and counted, with the member's error). The result is the
   predictor's score of each cell (higher = better), compared with ground
   truth like any other predictor's. Combined scores are not stored: they
   depend on the population and cost nothing to recompute.

``extra_cells(context, cells)`` lets a predictor ask for the components of
further cells that take part in the combination but are *not* scored or
measured (a learned predictor's training cells, disjoint from the evaluated
ones). ``candidate_cells(context)`` restricts which labelled cells may be
evaluated at all (NASLib's stored scores exist only for the cells NASLib's file
holds). The driver is :func:`score_population`; the evaluator passes it a
``scorer`` that scores ordinary predictors and own components through the
chosen executor and the score store, so population predictors run on every
executor.

Command-line names (:func:`from_spec`)::

    KIND:ARGS[:OPTION=VALUE[,OPTION=VALUE...]]
    ensemble:synflow,jacov,nwot              # --combine rank-mean|vote|geometric
    ensemble:synflow,jacov,snip:combine=vote
    learned:all:train-size=400,encoding=yes  # or --train-size 400
    naslib:synflow                           # NASLib's stored scores

``KIND`` is one of :data:`KINDS`; a plugin adds its own with
``nasplug.evaluation.predictors.register_name_resolver``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .errors import NasplugError
from .predictor import Predictor

# -- the contract ----------------------------------------------------------------

@dataclass
class PopulationContext:
    """What a population predictor may know about the task besides the components.

    ``dataset_api`` is the task's benchmark (ground truth for supervised
    combinations: use :meth:`labels` on cells that are *not* evaluated);
    ``metric`` is the ground truth the evaluation ranks against (None: the
    benchmark's ``default_metric``).
    """

    search_space: str
    dataset: str
    seed: int = 0
    dataset_api: Any = None
    metric: Any = None
    data_dir: Any = None
    #: free-form settings of the evaluation (batch size, split, ...), for describe()
    settings: dict = field(default_factory=dict)
    _labelled: list | None = field(default=None, repr=False, compare=False)

    @property
    def task(self) -> str:
        return f"{self.search_space}/{self.dataset}"

    def labels(self, cells: Iterable[str]) -> list[float]:
        """Ground truth of ``cells`` (``metric``), e.g. a learned predictor's training targets."""
        if self.dataset_api is None:
            raise NasplugError(f"no benchmark for {self.task}: a supervised combination needs labels")
        metric = self.metric if self.metric is not None else self.dataset_api.default_metric
        return [float(self.dataset_api.query(c, metric=metric, dataset=self.dataset)) for c in cells]

    def labelled_cells(self) -> list[str]:
        """Every labelled cell of the task (canonical strings; read once per context)."""
        if self.dataset_api is None:
            raise NasplugError(f"no benchmark for {self.task}")
        if self._labelled is None:
            self._labelled = [str(a) for a in self.dataset_api.architectures()]
        return list(self._labelled)


@dataclass
class Population:
    """The evaluated set handed to :meth:`PopulationPredictor.combine`.

    ``cells``: the evaluated cells (in evaluation order) whose components all
    exist; ``extra``: further cells asked for by ``extra_cells`` (never scored
    or measured), also with all components; ``components[cell][name]``: finite
    floats for every cell of both; ``names``: the component names, in order.
    """

    cells: tuple[str, ...]
    extra: tuple[str, ...]
    components: Mapping[str, Mapping[str, float]]
    names: tuple[str, ...]
    context: PopulationContext

    def matrix(self, cells: Sequence[str] | None = None, names: Sequence[str] | None = None):
        """A float64 array, one row per cell (default: ``cells``), one column per name."""
        import numpy as np

        cells = self.cells if cells is None else cells
        names = self.names if names is None else names
        return np.array([[self.components[c][n] for n in names] for c in cells],
                        dtype=float).reshape(len(cells), len(names))


class PopulationPredictor(Predictor):
    """Base class of predictors whose final score depends on the evaluated population.

    Subclasses implement :meth:`combine` and provide components through any of
    :meth:`members`, :meth:`query_components` (with ``component_names``) and
    :meth:`stored_components`. ``query`` of a single architecture is refused:
    the score is only defined over a population.
    """

    population: bool = True
    #: names of the components :meth:`query_components` returns; () = no own per-cell stage
    component_names: tuple[str, ...] = ()
    #: True when, its extra cells fixed, ``combine`` scores each cell alone (learned, NASLib's scores)
    independent_cells: bool = False

    def members(self) -> Sequence[Predictor]:
        """Predictors whose per-cell score is a component (named by :func:`member_label`)."""
        return ()

    def query_components(self, graph: Any, dataloader: Iterable | None = None) -> Mapping[str, float]:
        """Own per-cell components: ``{name: finite float}`` for every name in ``component_names``."""
        raise NotImplementedError(f"{type(self).__name__} declares component_names but no query_components")

    def stored_components(self, context: PopulationContext,
                          cells: Sequence[str]) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
        """Components known without scoring: ``({cell: {name: value}}, {cell: why missing})``."""
        return {}, {}

    def candidate_cells(self, context: PopulationContext) -> Sequence[str] | None:
        """The labelled cells this predictor can score, or None for all of them."""
        return None

    def extra_cells(self, context: PopulationContext, cells: Sequence[str]) -> Sequence[str]:
        """Cells outside ``cells`` whose components :meth:`combine` also needs (default none)."""
        return ()

    def combine(self, population: Population) -> Mapping[str, float]:
        """``{cell: score}`` for the cells of ``population.cells`` (higher = better)."""
        raise NotImplementedError(f"{type(self).__name__}.combine is not implemented")

    def describe(self) -> dict:
        """Members and settings that produced the scores (written to the results JSON)."""
        return {"kind": type(self).__name__,
                "members": [member_label(m) for m in self.members()],
                "components": list(self.component_names)}

    def query(self, graph: Any, dataloader: Iterable | None = None) -> float:
        raise NasplugError(f"{predictor_label(self)} scores a population, not one architecture: "
                           "evaluate it with nasplug eval or nasplug.population.score_population")


def is_population_predictor(predictor: Any) -> bool:
    return bool(getattr(predictor, "population", False)) and hasattr(predictor, "combine")


def has_own_components(predictor: Any) -> bool:
    """Whether the executor must run ``query_components`` on each cell."""
    return is_population_predictor(predictor) and bool(getattr(predictor, "component_names", ()))


def predictor_label(predictor: Any) -> str:
    return str(getattr(predictor, "method_type", None) or getattr(predictor, "name", None)
               or type(predictor).__name__)


member_label = predictor_label


def cell_components(predictor: Any, graph: Any, dataloader: Iterable | None) -> dict[str, float]:
    """Run ``predictor.query_components`` on one cell and check the result.

    Returns ``{name: float}`` with exactly ``predictor.component_names``; raises
    :class:`NasplugError` for a missing, extra or non-finite component (the
    executor turns it into a failed cell, as it does for ``query``).
    """
    raw = predictor.query_components(graph, dataloader)
    if not isinstance(raw, Mapping):
        raise NasplugError(f"{predictor_label(predictor)}.query_components returned "
                           f"{type(raw).__name__}, not a dict of named floats")
    names = tuple(predictor.component_names)
    missing = [n for n in names if n not in raw]
    extra = [n for n in raw if n not in names]
    if missing or extra:
        raise NasplugError(f"{predictor_label(predictor)}.query_components: "
                           + (f"missing {', '.join(missing)}" if missing else "")
                           + ("; " if missing and extra else "")
                           + (f"undeclared {', '.join(map(str, extra))}" if extra else ""))
    out = {}
    for name in names:
        value = float(raw[name])
        if not math.isfinite(value):
            raise NasplugError(f"component {name} is {value}")
        out[name] = value
    return out


# -- the driver ------------------------------------------------------------------

@dataclass
class CellOutcome:
    """What a scorer returns per cell: a score, or components, or an error."""

    score: float | None = None
    error: str | None = None
    seconds: float = 0.0
    components: dict[str, float] | None = None


#: ``scorer(predictor, cells) -> {cell: CellOutcome}``: scores an ordinary
#: predictor (``score``) or a population predictor's own per-cell stage
#: (``components``) on every cell, through an executor and the score store.
Scorer = Callable[[Any, Sequence[str]], Mapping[str, CellOutcome]]


@dataclass
class PopulationResult:
    """Combined scores of the evaluated cells and what was excluded, and why."""

    scores: dict[str, float]
    errors: dict[str, str]
    seconds: dict[str, float]
    extra: tuple[str, ...]
    n_extra_failed: int
    describe: dict
    #: per member/component source: how many of the cells it scored fresh vs from the store
    sources: list[dict]


@dataclass
class Gathered:
    """Stage 1's output: the population ready for ``combine``, and what was excluded."""

    population: Population
    errors: dict[str, str]
    seconds: dict[str, float]
    extra: list[str]
    sources: list[dict]


def score_population(predictor: PopulationPredictor, context: PopulationContext,
                     cells: Sequence[str], scorer: Scorer) -> PopulationResult:
    """Components of ``cells`` (and the predictor's extra cells), then ``combine``.

    A cell whose components are incomplete (a member failed on it, a stored
    score is missing) is excluded from the combination and reported in
    ``errors`` with the reason; so is a cell ``combine`` gives no finite score.
    """
    cells = [str(c) for c in dict.fromkeys(cells)]
    g = gather_components(predictor, context, cells, scorer)
    population, errors = g.population, g.errors
    scores: dict[str, float] = {}
    if population.cells:
        combined = predictor.combine(population)
        for c in population.cells:
            value = combined.get(c)
            value = float(value) if value is not None else math.nan
            if math.isfinite(value):
                scores[c] = value
            else:
                errors.setdefault(c, f"combine gave {'no score' if c not in combined else value}")
    return PopulationResult(
        scores=scores, errors={c: errors[c] for c in cells if c in errors},
        seconds={c: g.seconds[c] for c in cells}, extra=population.extra,
        n_extra_failed=len(g.extra) - len(population.extra), describe=predictor.describe(),
        sources=g.sources)


def gather_components(predictor: PopulationPredictor, context: PopulationContext,
                      cells: Sequence[str], scorer: Scorer,
                      extra: Sequence[str] | None = None) -> Gathered:
    """Stage 1 of :func:`score_population`: every component of ``cells`` and of the extra
    cells (``extra``, default ``predictor.extra_cells(context, cells)``), nothing combined."""
    cells = [str(c) for c in dict.fromkeys(cells)]
    asked = set(cells)
    if extra is None:
        extra = predictor.extra_cells(context, cells)
    extra = [str(c) for c in dict.fromkeys(extra) if str(c) not in asked]
    everything = cells + extra
    components: dict[str, dict[str, float]] = {c: {} for c in everything}
    errors: dict[str, str] = {}
    seconds: dict[str, float] = {c: 0.0 for c in everything}
    names: list[str] = []
    sources: list[dict] = []

    def fail(cell: str, why: str) -> None:
        errors.setdefault(cell, why)

    for member in predictor.members():
        label = member_label(member)
        if label in names:
            raise NasplugError(f"{predictor_label(predictor)}: member {label!r} given twice")
        names.append(label)
        if is_population_predictor(member):
            sub = score_population(member, context, everything, scorer)  # type: ignore[arg-type]
            for c in everything:
                if c in sub.scores:
                    components[c][label] = sub.scores[c]
                else:
                    fail(c, f"member {label} failed: {sub.errors.get(c, 'no score')}")
                seconds[c] += sub.seconds.get(c, 0.0)
            sources.append({"member": label, **sub.describe})
            continue
        outcomes = scorer(member, everything)
        for c in everything:
            o = outcomes.get(c)
            if o is None or o.error is not None or o.score is None or not math.isfinite(o.score):
                fail(c, f"member {label} failed: {o.error if o is not None else 'not scored'}")
            else:
                components[c][label] = float(o.score)
            if o is not None:
                seconds[c] += o.seconds
        sources.append({"member": label})

    if has_own_components(predictor):
        own = tuple(predictor.component_names)
        clash = [n for n in own if n in names]
        if clash:
            raise NasplugError(f"{predictor_label(predictor)}: component {clash[0]!r} is also a member")
        names.extend(own)
        outcomes = scorer(predictor, everything)
        for c in everything:
            o = outcomes.get(c)
            if o is None or o.error is not None or o.components is None:
                fail(c, f"components failed: {o.error if o is not None else 'not scored'}")
            else:
                components[c].update(o.components)
            if o is not None:
                seconds[c] += o.seconds

    stored, missing = predictor.stored_components(context, everything)
    stored_names: list[str] = []
    for c in everything:
        if c in stored:
            for n, v in stored[c].items():
                if n not in names and n not in stored_names:
                    stored_names.append(n)
                components[c][n] = float(v)
        elif c in missing:
            fail(c, missing[c])
    names.extend(stored_names)

    for c in everything:  # a component that is missing or not finite also excludes the cell
        if c not in errors:
            bad = [n for n in names if not math.isfinite(components[c].get(n, math.nan))]
            if bad:
                fail(c, f"component {bad[0]} missing or not finite")
    ok_cells = tuple(c for c in cells if c not in errors)
    ok_extra = tuple(c for c in extra if c not in errors)
    population = Population(ok_cells, ok_extra, {c: components[c] for c in ok_cells + ok_extra},
                            tuple(names), context)
    return Gathered(population, errors, seconds, extra, sources)


# -- inside nasplug eval ----------------------------------------------------------

def task_scorer(task: Any, *, executor: Any = None, store: Any = None, progress: bool = False,
                stats: list | None = None) -> Scorer:
    """The :data:`Scorer` ``nasplug eval`` uses on a prepared task (``nasplug.evaluation.tasks``).

    Ordinary members go through :func:`nasplug.evaluation.run.run_task` exactly
    as when evaluated alone (same store key, executor and progress bar), so
    their cached scores are reused and new ones kept; own components go to the
    executor as the same jobs and are stored with
    :meth:`nasplug.store.ScoreStore.put_components`, one commit per cell.
    ``stats`` (a list) receives one ``{"member", "cells", "from_store",
    "computed"}`` per scoring call.
    """
    from .evaluation.predictors import ResolvedPredictor

    def scorer(predictor: Any, cells: Sequence[str]) -> dict[str, CellOutcome]:
        resolved = predictor if isinstance(predictor, ResolvedPredictor) else ResolvedPredictor.of(predictor)
        if has_own_components(resolved.instance):
            return _score_components(resolved, task, cells, executor, store, stats)
        from .evaluation.run import run_task

        result = run_task(resolved, task, test_size=max(1, len(cells)), executor=executor, store=store,
                          progress=progress, archs=list(cells))
        if stats is not None:
            stats.append({"member": resolved.name, "version": resolved.version, "cells": len(cells),
                          "from_store": result["cached"], "computed": len(set(cells)) - result["cached"],
                          "query_time": result["query_time"]})
        seconds = result["query_time"] if math.isfinite(result["query_time"]) else 0.0
        return {c["arch"]: CellOutcome(score=c["score"], error=c["error"], seconds=seconds)
                for c in result["cells"]}

    return scorer


def _score_components(resolved: Any, task: Any, cells: Sequence[str], executor: Any, store: Any,
                      stats: list | None) -> dict[str, CellOutcome]:
    from .evaluation.run import _score_missing
    from .executors import InProcessExecutor
    from .store import StoreKey

    if resolved.requires_data:  # a task without images: one line, as for an ordinary predictor
        task.require_images(resolved.name)
    key = StoreKey(resolved.name, resolved.version, task.task, task.settings.seed, task.batch_key())
    cells = list(dict.fromkeys(cells))
    found = store.lookup_components(key, cells) if store else {}
    out = {c: CellOutcome(components=s.components, error=s.error, seconds=s.seconds) for c, s in found.items()}
    todo = [c for c in cells if c not in out]
    if todo:
        own = executor is None
        executor = InProcessExecutor() if own else executor
        try:
            if not executor.needs_pickling:
                resolved.instance.pre_process()

            def on_cell(cell: Any) -> None:
                if store:
                    store.put_components(key, cell.arch, cell.components, cell.error, cell.seconds)
                out[cell.arch] = CellOutcome(components=cell.components, error=cell.error,
                                             seconds=cell.seconds)

            _score_missing(resolved, task, todo, executor, None, on_cell)
        finally:
            if own:
                executor.close()
    if stats is not None:
        stats.append({"member": resolved.name, "version": resolved.version, "components":
                      list(resolved.instance.component_names), "cells": len(cells),
                      "from_store": len(found), "computed": len(todo)})
    return out


def population_context(task: Any) -> PopulationContext:
    """The :class:`PopulationContext` of a prepared task."""
    s = task.settings
    return PopulationContext(task.search_space, task.dataset, seed=s.seed, dataset_api=task.api,
                             metric=task.metric, data_dir=s.data_dir,
                             settings={"batch_size": s.batch_size, "split": s.split,
                                       "synthetic": s.synthetic, "augment": s.augment})


def sample_cells(predictor: Any, context: PopulationContext, test_size: int) -> list[str]:
    """``test_size`` evaluated cells: the benchmark's seeded sample, or, when the predictor
    restricts the candidates, a seeded sample of those (a one-line error when too few)."""
    candidates = predictor.candidate_cells(context)
    if candidates is None:
        return [str(a) for a in context.dataset_api.sample(int(test_size), seed=context.seed)]
    candidates = list(candidates)
    if int(test_size) > len(candidates):
        raise NasplugError(f"test size {test_size} is larger than the {len(candidates)} cells "
                           f"{predictor_label(predictor)} can score on {context.task}")
    import random

    return random.Random(context.seed).sample(candidates, int(test_size))


def run_population_task(resolved: Any, task: Any, *, test_size: int, executor: Any = None,
                        store: Any = None, progress: bool = False,
                        archs: Sequence[str] | None = None) -> dict:
    """``nasplug eval``'s result for a population predictor on one prepared task.

    The same fields as an ordinary predictor's result (``cells``, metrics,
    ``n_failed`` with the members' errors), plus ``population``: what
    ``describe()`` says (members, rule, model, ...), the training cells it used
    (``n_extra``, ``n_extra_failed``) and, per member, how many cells came from
    the store and how many were scored now.
    """
    import time

    from .evaluation.run import _result
    from .store import ScoreStore

    predictor = resolved.instance
    context = population_context(task)
    if archs is None:
        archs = sample_cells(predictor, context, test_size)
    archs = [str(a) for a in archs]
    truth = [float(task.api.query(a, metric=task.metric, dataset=task.dataset)) for a in archs]
    own_store = store is None
    store = ScoreStore() if own_store else store
    stats: list = []
    started = time.perf_counter()
    try:
        result = score_population(predictor, context, archs,
                                  task_scorer(task, executor=executor, store=store, progress=progress,
                                              stats=stats))
    finally:
        if own_store:
            store.close()
    wall = time.perf_counter() - started
    cells = {a: (result.scores.get(a), result.errors.get(a), result.seconds.get(a, 0.0)) for a in archs}
    from_store = sum(1 for s in stats if s["computed"] == 0)
    out = _result(resolved, task, archs, truth, cells,
                  min((s["from_store"] for s in stats), default=0), wall)
    out["population"] = {**result.describe, "n_extra": len(result.extra),
                         "n_extra_failed": result.n_extra_failed, "scoring": stats,
                         "members_fully_cached": from_store}
    if isinstance(result.describe.get("file"), str) or result.describe.get("kind") == "naslib":
        out["population"]["labelled"] = "NASLib's stored scores"
    return out


# -- per-cell scores against a fixed reference (search) ---------------------------------

class ReferenceScorer:
    """Per-cell scores of a population predictor, each against one fixed reference population.

    Where scores must be per cell (a search asks for a few cells at a time and
    keeps each score), cell ``c`` is scored as in the population
    ``reference + [c]``: the components of ``reference`` (a fixed, seeded sample
    of labelled cells, e.g. :func:`sample_cells`) are computed once, so a cell's
    score never depends on which other cells were asked for, or when. Extra
    cells (a learned predictor's training cells) are drawn once, outside the
    reference. Members go through ``scorer`` (store and executor), so each
    cell is scored once per member however often it is asked for.
    """

    def __init__(self, predictor: PopulationPredictor, context: PopulationContext,
                 reference: Sequence[str], scorer: Scorer) -> None:
        self.predictor, self.context, self.scorer = predictor, context, scorer
        self.reference = [str(c) for c in dict.fromkeys(reference)]
        self.extra = [str(c) for c in predictor.extra_cells(context, self.reference)]
        self._done: dict[str, tuple[float | None, str | None]] = {}

    def scores(self, cells: Sequence[str]) -> dict[str, tuple[float | None, str | None]]:
        """``{cell: (score, None) or (None, error)}`` for ``cells``."""
        cells = [str(c) for c in dict.fromkeys(cells)]
        todo = [c for c in cells if c not in self._done]
        if todo:
            ref = set(self.reference)
            extra = [c for c in self.extra if c not in set(todo)]
            g = gather_components(self.predictor, self.context,
                                  self.reference + [c for c in todo if c not in ref], self.scorer, extra=extra)
            base = tuple(r for r in self.reference if r not in g.errors)
            if getattr(self.predictor, "independent_cells", False):  # one combine (one fit) for all
                ok = tuple(c for c in todo if c not in g.errors and c not in set(base))
                population = Population(base + ok, g.population.extra, g.population.components,
                                        g.population.names, self.context)
                combined = self.predictor.combine(population)
                for c in todo:
                    value = combined.get(c)
                    if c not in g.errors and value is not None and math.isfinite(float(value)):
                        self._done[c] = (float(value), None)
                    else:
                        self._done[c] = (None, g.errors.get(c, f"combine gave {value}"))
                return {c: self._done[c] for c in cells}
            for c in todo:
                if c in g.errors:
                    self._done[c] = (None, g.errors[c])
                    continue
                members = base if c in ref else base + (c,)
                population = Population(members, g.population.extra, g.population.components,
                                        g.population.names, self.context)
                value = self.predictor.combine(population).get(c)
                if value is not None and math.isfinite(float(value)):
                    self._done[c] = (float(value), None)
                else:
                    self._done[c] = (None, f"combine gave {value}")
        return {c: self._done[c] for c in cells}


def reference_scores(resolved: Any, task: Any, *, executor: Any = None, store: Any = None,
                     reference_size: int = 100) -> Callable[[Sequence[str]], dict[str, tuple[float | None, float]]]:
    """For a search's proxy oracle: ``scores(archs) -> {arch: (score or None, seconds)}`` of a
    population predictor on a prepared task, each cell against the same seeded reference
    population of ``reference_size`` labelled cells (:class:`ReferenceScorer`)."""
    predictor = resolved.instance
    context = population_context(task)
    labelled = predictor.candidate_cells(context)
    pool = context.labelled_cells() if labelled is None else list(labelled)
    import random

    reference = random.Random(f"reference:{context.seed}").sample(pool, min(int(reference_size), len(pool)))
    scorer = ReferenceScorer(predictor, context, reference, task_scorer(task, executor=executor, store=store))

    def scores(archs: Sequence[str]) -> dict[str, tuple[float | None, float]]:
        return {a: (score, 0.0) for a, (score, _error) in scorer.scores(archs).items()}

    return scores


# -- names on the command line -----------------------------------------------------

def split_spec(value: str) -> tuple[str, list[str], dict[str, str]] | None:
    """``"kind:a,b:opt=v,o2=w"`` -> ``("kind", ["a", "b"], {"opt": "v", "o2": "w"})``; None without ``:``.

    Members are separated by ``,`` or ``+``; option names may use ``_`` or ``-``.
    """
    if not isinstance(value, str) or ":" not in value:
        return None
    kind, _, rest = value.partition(":")
    args_text, _, opts_text = rest.partition(":")
    args = [a.strip() for a in args_text.replace("+", ",").split(",") if a.strip()]
    options: dict[str, str] = {}
    for item in filter(None, (o.strip() for o in opts_text.split(","))):
        key, eq, val = item.partition("=")
        if not eq or not key.strip():
            raise NasplugError(f"--predictor {value!r}: option {item!r} is not KEY=VALUE")
        options[key.strip().replace("_", "-")] = val.strip()
    return kind.strip(), args, options


def parse_rest(kind: str, rest: str, defaults: Mapping[str, Any] | None,
               allowed: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Members and options of ``KIND:REST``; ``defaults`` fill options the name leaves unset.

    An option outside ``allowed`` is a one-line :class:`NasplugError`.
    """
    parts = split_spec(f"{kind}:{rest}")
    assert parts is not None  # the text has a ':'
    _, members, options = parts
    for key, value in (defaults or {}).items():
        key = key.replace("_", "-")
        if value is not None and key not in options:
            options[key] = str(value)
    unknown = [k for k in options if k not in allowed]
    if unknown:
        raise NasplugError(f"--predictor {kind}:{rest}: unknown option {unknown[0]!r}; "
                           f"valid: {', '.join(allowed)}")
    return members, options


#: the population kinds nasplug provides: name prefix -> factory ``fn(rest, **options)``
KINDS = {
    "ensemble": "nasplug.ensemble:from_name",
    "learned": "nasplug.learned:from_name",
    "naslib": "nasplug.naslib_scores:from_name",
}


#: command-line options that fill a population kind's unset name options
CLI_OPTIONS = {"ensemble": ("combine",), "learned": ("train-size", "encoding")}


def apply_defaults(values: Sequence[str], **options: Any) -> tuple[str, ...]:
    """``--predictor`` values with ``--combine``/``--train-size``/``--encoding`` written into
    the population names they apply to (a name's own ``KEY=VALUE`` wins); an option given for
    no predictor that takes it is a one-line :class:`NasplugError`."""
    options = {k.replace("_", "-"): v for k, v in options.items() if v is not None}
    used: set[str] = set()
    out = []
    for value in values:
        parts = split_spec(value) if isinstance(value, str) else None
        takes = CLI_OPTIONS.get(parts[0], ()) if parts else ()
        given = parts[2] if parts else {}
        extra = [f"{k}={options[k]}" for k in takes if k in options and k not in given]
        used.update(k for k in takes if k in options)
        if extra:
            kind, _, rest = value.partition(":")
            members, sep, opts = rest.partition(":")
            value = f"{kind}:{members}:{','.join(filter(None, [opts, *extra]))}"
        out.append(value)
    unused = [k for k in options if k not in used]
    if unused:
        kinds = [kind for kind, names in CLI_OPTIONS.items() if unused[0] in names]
        raise NasplugError(f"--{unused[0]} applies to {' and '.join(f'{k}:...' for k in kinds)} predictors, "
                           f"and no --predictor is one (e.g. --predictor {kinds[0]}:synflow,jacov,snip)")
    return tuple(out)


def from_spec(value: str, **defaults: Any) -> Predictor | None:
    """The predictor a ``KIND:REST`` name describes (``KIND`` in :data:`KINDS`), else None."""
    parts = split_spec(value)
    if parts is None or parts[0] not in KINDS:
        return None
    from importlib import import_module

    module, _, attr = KINDS[parts[0]].partition(":")
    factory = getattr(import_module(module), attr)
    return factory(value.partition(":")[2], **defaults)


__all__ = ["CellOutcome", "Gathered", "KINDS", "Population", "PopulationContext", "PopulationPredictor",
           "PopulationResult", "ReferenceScorer", "apply_defaults", "cell_components", "from_spec",
           "gather_components", "has_own_components", "is_population_predictor", "member_label",
           "parse_rest", "reference_scores", "run_population_task", "score_population", "split_spec", "task_scorer"]
