"""Architecture search on a benchmark: strategies, budgets and the proxy-score oracle.

A *search strategy* (registered through the ``register_search_strategies`` hook)
is a class with ``name`` and ``run(space, task, predictor, rng, budget)``:

``space``
    a :class:`SearchDomain`: ``sample(rng)``, ``mutate(arch, rng)``,
    ``neighbours(arch)`` on canonical architecture strings (the strings the
    benchmark lists, which are also the score store's keys);
``task``
    the :class:`SearchTask` (search space, dataset, the benchmark API, the
    ground-truth metric);
``predictor``
    the predictor's name (``None`` when the search runs without one); scores are
    asked for through ``budget.score``, never computed by the strategy;
``rng``
    a ``numpy.random.Generator`` seeded with the search seed: every random
    choice of the strategy comes from it, so a seed gives one trajectory;
``budget``
    a :class:`SearchBudget`: ``query(arch)`` returns the ground truth (one
    *query* stands for one trained network) and ``score(archs)`` the proxy's
    scores (one *proxy evaluation* per distinct architecture). It counts both,
    refuses to exceed either (:class:`BudgetExhausted`), serves proxy scores
    from the score store under the keys ``nasplug eval`` uses, and records the
    trajectory.

Counting: a query or a proxy evaluation is charged once per distinct
architecture within one search; asking again returns the same number for free
(a network trained once is not trained again). Whether a proxy score came from
the store or was computed now does not change what is charged, so a seed's
trajectory never depends on what the store already held; ``proxy_seconds`` is
the scoring time the search would have cost alone (the stored seconds of every
cell it used), ``computed_seconds`` what this process really spent.

:func:`run_search` runs one strategy for one seed and returns its record;
:func:`summarize` turns the records of many seeds into best-so-far statistics.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from .errors import NasplugError

#: query counts at which the best-so-far is reported (those <= --queries, plus the last)
CHECKPOINTS = (10, 25, 50, 100, 150, 200, 300, 500, 1000)


class BudgetExhausted(NasplugError):
    """A strategy asked for more queries or proxy evaluations than its budget allows.

    :func:`run_search` treats it as the normal end of a search.
    """


# -- search domain --------------------------------------------------------------------

def python_rng(rng: Any) -> random.Random:
    """A ``random.Random`` drawn from the numpy generator ``rng`` (for spec-level helpers)."""
    return random.Random(int(rng.integers(0, 2 ** 63 - 1)))


class SearchDomain:
    """The architectures a search may propose, as canonical strings.

    Subclasses implement :meth:`sample`, :meth:`mutate` and (optionally)
    :meth:`neighbours`; all randomness comes from the numpy generator passed in.
    :meth:`labelled` says whether the benchmark has ground truth for a string.
    """

    def __init__(self, task: "SearchTask") -> None:
        self.task = task
        self._labelled: set[str] | None = None

    def labelled(self, arch: str) -> bool:
        if self._labelled is None:
            self._labelled = set(self.task.api.architectures())
        return arch in self._labelled

    def sample(self, rng: Any) -> str:
        raise NotImplementedError

    def mutate(self, arch: str, rng: Any) -> str:
        raise NotImplementedError

    def neighbours(self, arch: str) -> list[str]:
        """Every architecture one mutation away (empty when the space cannot list them)."""
        return []


class GraphDomain(SearchDomain):
    """A domain for any search space, through its Graph API.

    Proposals come from the space's ``sample_random_architecture`` and
    ``mutate``; a proposal the benchmark has no ground truth for is redrawn
    (``tries`` times, then a uniformly random labelled architecture is taken and
    counted in ``fallbacks``). Canonical strings: the graph's ``get_arch_str()`` /
    ``get_arch_string()`` when the benchmark lists it, else the benchmark's string
    for the graph's ``get_hash()`` (a map built once from ``api.architectures()``).
    Slower than a spec-level domain (every proposal builds the cell's modules).
    """

    def __init__(self, task: "SearchTask", tries: int = 50) -> None:
        super().__init__(task)
        from .api import get_search_space

        self.graph = get_search_space(task.search_space, dataset=task.dataset)
        self.tries = int(tries)
        self.fallbacks = 0
        self._by_hash: dict | None = None
        self._archs: list[str] | None = None

    def _canonical(self, graph: Any) -> str | None:
        for method in ("get_arch_str", "get_arch_string"):  # the space's own string, if labelled
            text = getattr(graph, method, None)
            if callable(text):
                try:
                    text = str(text())
                except Exception:  # noqa: BLE001 - fall back to the hash map below
                    break
                if self.labelled(text):
                    return text
                break
        if self._by_hash is None:
            probe = self.graph.clone()
            self._archs = list(self.task.api.architectures())
            self._by_hash = {}
            for arch in self._archs:
                probe.set_spec(arch)
                self._by_hash[probe.get_hash()] = arch
        return self._by_hash.get(graph.get_hash())

    def _fallback(self, rng: Any) -> str:
        self._canonical(self.graph)
        self.fallbacks += 1
        return self._archs[int(rng.integers(len(self._archs)))]

    def sample(self, rng: Any) -> str:
        g = self.graph.clone()
        for _ in range(self.tries):
            g.sample_random_architecture(rng=python_rng(rng))
            arch = self._canonical(g)
            if arch is not None:
                return arch
        return self._fallback(rng)

    def mutate(self, arch: str, rng: Any) -> str:
        g = self.graph.clone()
        if not callable(getattr(g, "mutate", None)):
            raise NasplugError(f"search space {self.task.search_space!r} has no mutate(): "
                               "strategies that mutate cannot search it (random search can)")
        for _ in range(self.tries):
            g.set_spec(arch)
            g.mutate(rng=python_rng(rng))
            child = self._canonical(g)
            if child is not None and child != arch:
                return child
        return self._fallback(rng)

    def neighbours(self, arch: str) -> list[str]:
        g = self.graph.clone()
        g.set_spec(arch)
        if not hasattr(g, "get_nbhd"):
            return []
        out = [self._canonical(n) for n in g.get_nbhd()]
        return [a for a in dict.fromkeys(out) if a is not None and a != arch]


# -- the task and the proxy oracle ----------------------------------------------------

@dataclass
class SearchTask:
    """One benchmark task to search: ``api`` answers ground truth for ``metric``."""

    search_space: str
    dataset: str
    api: Any = field(repr=False)
    metric: Any = None

    @property
    def name(self) -> str:
        return f"{self.search_space}/{self.dataset}"

    def best(self) -> tuple[str, float]:
        """The best labelled architecture and its ground truth (the regret's reference)."""
        best_arch, best_value = None, -math.inf
        for arch in self.api.architectures():
            value = float(self.api.query(arch, metric=self.metric, dataset=self.dataset))
            if value > best_value:
                best_arch, best_value = arch, value
        if best_arch is None:
            raise NasplugError(f"{self.name} has no labelled architectures")
        return best_arch, best_value


def open_task(search_space: str, dataset: str, data_dir: Any = None) -> SearchTask:
    """The task's benchmark with its ground truth, or one clear error.

    A benchmark that labels nothing (or whose default metric cannot be read) is a
    :class:`NasplugError` ("no ground truth").
    """
    from .api import get_dataset_api
    from .errors import MetricNotAvailableError

    api = get_dataset_api(search_space, dataset, data_dir=data_dir)
    metric = getattr(api, "default_metric", None)
    try:
        archs = api.architectures()
        if not archs:
            raise NasplugError(f"{search_space}/{dataset} has no ground truth to search against "
                               "(its benchmark labels no architecture)")
        float(api.query(archs[0], metric=metric, dataset=dataset))
    except MetricNotAvailableError as exc:
        raise NasplugError(f"{search_space}/{dataset} has no ground truth to search against: "
                           f"{exc}") from None
    return SearchTask(search_space, dataset, api, metric)


def score_cells(resolved: Any, task: Any, archs: Sequence[str], executor: Any,
                on_cell: Callable[[Any], None]) -> None:
    """Score ``archs`` of a prepared task with ``executor``; ``on_cell(cell)`` per result.

    The same jobs ``nasplug eval`` sends (one architecture per job in process,
    guided chunks for workers), so scores equal eval's cell for cell.
    """
    from .evaluation.jobs import JobContext, PluginSpec, ScoringJob, run_scoring_job
    from .plugins import get_plugin_manager

    ctx = JobContext(
        predictor=resolved.ref(for_workers=executor.needs_pickling),
        search_space=task.search_space, dataset=task.dataset, settings=task.settings,
        dataset_options=tuple(sorted(task.dataset_options.items())), images=task.has_images,
        input_shape=task.input_shape, plugins=PluginSpec.from_plugin_manager(get_plugin_manager()),
        torch_threads=executor.worker_threads,
        live_dataset=None if executor.needs_pickling else task.live_dataset)
    archs = list(archs)
    parts = []
    if executor.needs_pickling:  # large jobs first, single architectures at the end
        start, workers = 0, max(1, int(executor.workers))
        while start < len(archs):
            size = max(1, min(16, (len(archs) - start) // (4 * workers)))
            parts.append(archs[start:start + size])
            start += size
    else:
        parts = [[a] for a in archs]
    for cells in executor.map(run_scoring_job, [ScoringJob(ctx, tuple(p)) for p in parts]):
        for cell in cells:
            on_cell(cell)


class ProxyOracle:
    """Proxy scores of one predictor on one task, shared by every search on that task.

    Reads the score store first (key: predictor name + version, task, scoring
    seed, batch: exactly ``nasplug eval``'s), computes the rest with the
    executor and stores each cell as it arrives, so a killed search resumes and
    scores computed by ``nasplug eval`` (same ``--seed``/batch options) are
    reused. ``store=False`` keeps scores in memory only.
    """

    def __init__(self, predictor: Any, search_space: str, dataset: str, *, settings: Any = None,
                 store: Any = None, executor: Any = None, dataset_api: Any = None) -> None:
        from .evaluation.predictors import resolve
        from .evaluation.settings import BatchSettings
        from .evaluation.tasks import prepare_task
        from .executors import InProcessExecutor
        from .store import ScoreStore, StoreKey

        self.resolved = resolve(predictor)
        self.task = prepare_task(search_space, dataset, settings or BatchSettings(),
                                 dataset_api=dataset_api)
        if self.resolved.requires_data:
            self.task.require_images(self.resolved.name)
        self.key = StoreKey(self.resolved.name, self.resolved.version, self.task.task,
                            self.task.settings.seed, self.task.batch_key())
        self._own_store = store is None
        self.store = ScoreStore() if store is None else store
        self._own_executor = executor is None
        self.executor = InProcessExecutor() if executor is None else executor
        self._memory: dict[str, tuple[float | None, float]] = {}
        self._pre_processed = False
        #: cells computed by this process / read from the store
        self.computed = 0
        self.reused = 0
        self.computed_seconds = 0.0
        self.progress: Callable[[int], None] | None = None

    @property
    def name(self) -> str:
        return self.resolved.name

    @property
    def population(self) -> bool:
        """Whether scores are relative to the cells scored together (an ensemble)."""
        from .population import is_population_predictor

        return is_population_predictor(self.resolved.instance)

    def _population_scores(self, archs: list[str]) -> dict[str, tuple[float | None, float]]:
        """A population predictor's scores of ``archs``, combined over exactly these cells.

        Members are scored (or read from the store) under their own keys, as
        ``nasplug eval`` does; the combination is never cached, since it depends on
        the cells compared. Predictors that learn from other cells' ground truth
        are refused: a search would get those labels without paying for them.
        """
        from .population import population_context, score_population, task_scorer

        context = population_context(self.task)
        extra = list(self.resolved.instance.extra_cells(context, archs))
        if extra:
            raise NasplugError(f"{self.name} learns from the ground truth of {len(extra)} other "
                               "cells, which a search would read without paying queries; search "
                               "with a zero-cost predictor or an ensemble of them")
        stats: list = []
        result = score_population(self.resolved.instance, context, archs,
                                  task_scorer(self.task, executor=self.executor,
                                              store=self.store or False, stats=stats))
        for item in stats:
            self.computed += int(item.get("computed", 0))
            self.reused += int(item.get("from_store", 0))
        return {a: (result.scores.get(a), result.seconds.get(a, 0.0)) for a in archs}

    def scores(self, archs: Iterable[str]) -> dict[str, tuple[float | None, float]]:
        """``arch -> (score or None for a failed cell, seconds it took)`` for every arch."""
        archs = list(dict.fromkeys(archs))
        if self.population:
            return self._population_scores(archs)
        todo = [a for a in archs if a not in self._memory]
        if todo and self.store:
            for arch, stored in self.store.lookup(self.key, todo).items():
                self._memory[arch] = (None if stored.failed else stored.score, stored.seconds)
                self.reused += 1
            todo = [a for a in todo if a not in self._memory]
        if todo:
            if not self._pre_processed and not self.executor.needs_pickling:
                self.resolved.instance.pre_process()  # NASLib: once before the queries
            self._pre_processed = True
            started = time.perf_counter()

            def on_cell(cell: Any) -> None:
                if self.store:
                    self.store.put(self.key, cell.arch, cell.score, cell.error, cell.seconds)
                self._memory[cell.arch] = (None if cell.error else cell.score, cell.seconds)
                self.computed += 1
                if self.progress is not None:
                    self.progress(1)

            score_cells(self.resolved, self.task, todo, self.executor, on_cell)
            self.computed_seconds += time.perf_counter() - started
        return {a: self._memory[a] for a in archs}

    def close(self) -> None:
        if self._own_executor:
            self.executor.close()
        if self._own_store and self.store:
            self.store.close()


# -- the budget -----------------------------------------------------------------------

class SearchBudget:
    """Counts, caps and records one search's ground-truth queries and proxy evaluations.

    ``max_queries``: ground-truth lookups allowed (>= 1); ``max_proxy``: proxy
    evaluations allowed (``None``: unlimited; 0: none). ``oracle``: a
    :class:`ProxyOracle` (``None``: the search has no predictor, and asking for
    scores is an error).
    """

    def __init__(self, task: SearchTask, max_queries: int, max_proxy: int | None = None,
                 oracle: ProxyOracle | None = None) -> None:
        if int(max_queries) < 1:
            raise NasplugError(f"the query budget must be at least 1, got {max_queries}")
        if max_proxy is not None and int(max_proxy) < 0:
            raise NasplugError(f"the proxy budget cannot be negative, got {max_proxy}")
        self.task = task
        self.max_queries = int(max_queries)
        self.max_proxy = None if max_proxy is None else int(max_proxy)
        self.oracle = oracle
        self._truth: dict[str, float] = {}
        self._scored: dict[str, float | None] = {}
        #: one entry per charged query: arch, value, best so far, proxy evaluations and seconds so far
        self.trajectory: list[dict] = []
        self.proxy_seconds = 0.0
        self.repeats = 0
        self.best_arch: str | None = None
        self.best_value = -math.inf

    # -- state ---------------------------------------------------------------------
    @property
    def queries_used(self) -> int:
        return len(self._truth)

    @property
    def queries_left(self) -> int:
        return self.max_queries - len(self._truth)

    @property
    def proxy_used(self) -> int:
        return len(self._scored)

    @property
    def proxy_left(self) -> float:
        """Proxy evaluations left (``math.inf`` when unlimited, 0 without a predictor)."""
        if self.oracle is None:
            return 0
        if self.max_proxy is None:
            return math.inf
        return self.max_proxy - len(self._scored)

    def queried(self, arch: str) -> bool:
        """Whether ``arch`` was queried already (its next query is free)."""
        return arch in self._truth

    def scored(self, arch: str) -> bool:
        """Whether ``arch`` was scored already (its next score is free)."""
        return arch in self._scored

    def truth_of(self, arch: str) -> float | None:
        """The ground truth of an architecture already queried (None otherwise; free)."""
        return self._truth.get(arch)

    # -- asking ----------------------------------------------------------------------
    def query(self, arch: str) -> float:
        """Ground truth of ``arch`` (one query the first time, free afterwards)."""
        arch = str(arch)
        if arch in self._truth:
            self.repeats += 1
            return self._truth[arch]
        if self.queries_left <= 0:
            raise BudgetExhausted(f"query budget of {self.max_queries} spent")
        value = float(self.task.api.query(arch, metric=self.task.metric, dataset=self.task.dataset))
        self._truth[arch] = value
        if value > self.best_value:
            self.best_arch, self.best_value = arch, value
        self.trajectory.append({"query": len(self._truth), "arch": arch, "value": value,
                                "best": self.best_value, "proxy_evals": len(self._scored),
                                "proxy_seconds": self.proxy_seconds})
        return value

    def score(self, archs: Sequence[str]) -> list[float]:
        """Proxy scores of ``archs`` in order (``-inf`` for a cell the proxy failed on).

        Charges one proxy evaluation per architecture not scored before in this
        search; raises :class:`BudgetExhausted` (scoring nothing) when that is
        more than :attr:`proxy_left`.
        """
        if self.oracle is None:
            raise NasplugError("this search has no predictor: pass --predictor for a strategy "
                               "that ranks architectures with a proxy")
        archs = [str(a) for a in archs]
        new = [a for a in dict.fromkeys(archs) if a not in self._scored]
        if len(new) > self.proxy_left:
            raise BudgetExhausted(f"proxy budget of {self.max_proxy} evaluations: "
                                  f"{len(new)} asked, {self.proxy_left} left")
        if getattr(self.oracle, "population", False):  # combined over exactly these cells
            combined = self.oracle.scores(archs)
            for arch in new:
                self._scored[arch] = combined[arch][0]
                self.proxy_seconds += combined[arch][1]
            return [-math.inf if combined[a][0] is None else float(combined[a][0]) for a in archs]
        if new:
            for arch, (score, seconds) in self.oracle.scores(new).items():
                self._scored[arch] = score
                self.proxy_seconds += seconds
        return [-math.inf if self._scored[a] is None else float(self._scored[a]) for a in archs]

    def score_one(self, arch: str) -> float:
        return self.score([arch])[0]


# -- strategies -------------------------------------------------------------------------

class SearchStrategy:
    """Base class of search strategies (see the module docstring for the contract).

    ``name``: the ``--strategy`` value; ``uses_proxy``: whether ``run`` asks
    for proxy scores (such a strategy needs ``--predictor``); ``description``:
    one line for ``nasplug list``. Options are keyword arguments of the
    constructor (``--strategy NAME:key=value,...``). ``domain(task)`` builds the
    :class:`SearchDomain` the strategy searches (default: :class:`GraphDomain`).
    """

    name: str = ""
    description: str = ""
    uses_proxy: bool = False

    def __init__(self, **options: Any) -> None:
        if options:
            raise NasplugError(f"strategy {self.name!r} takes no option "
                               f"{', '.join(sorted(options))}")

    @property
    def options(self) -> dict:
        return {}

    def domain(self, task: SearchTask) -> SearchDomain:
        return GraphDomain(task)

    def run(self, space: SearchDomain, task: SearchTask, predictor: str | None, rng: Any,
            budget: SearchBudget) -> None:
        raise NotImplementedError


def _parse_value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_strategy(spec: str) -> tuple[str, dict]:
    """``"NAME[:key=value,...]"`` -> ``(name, options)``; a malformed spec is one clear error."""
    name, _, rest = str(spec).partition(":")
    name = name.strip()
    if not name:
        raise NasplugError(f"--strategy {spec!r}: expected NAME or NAME:key=value,...")
    options: dict = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise NasplugError(f"--strategy {spec!r}: option {part!r} is not key=value")
        options[key.strip()] = _parse_value(value.strip())
    return name, options


def get_strategy(spec: str) -> SearchStrategy:
    """An instance of the registered strategy ``spec`` names (``NAME[:key=value,...]``)."""
    from .plugins import get_registry

    name, options = parse_strategy(spec)
    cls = get_registry().get("search_strategies", name)
    try:
        return cls(**options)
    except TypeError as exc:
        raise NasplugError(f"strategy {name!r}: {exc}") from None


def strategy_uses_proxy(spec: str) -> bool:
    from .plugins import get_registry

    return bool(getattr(get_registry().get("search_strategies", parse_strategy(spec)[0]),
                        "uses_proxy", False))


def run_search(strategy: SearchStrategy, space: SearchDomain, task: SearchTask, seed: int,
               max_queries: int, max_proxy: int | None = None,
               oracle: ProxyOracle | None = None) -> dict:
    """Run ``strategy`` once with ``numpy.random.default_rng(seed)``; its record.

    The record: ``seed``, ``trajectory`` (see :class:`SearchBudget`), ``best``
    (ground truth of the best queried architecture), ``best_arch``,
    ``queries``, ``proxy_evals``, ``proxy_seconds``, ``repeats`` (free repeated
    queries) and ``stopped`` (why it ended: ``"budget"`` or ``"strategy"``).
    """
    import numpy as np

    if strategy.uses_proxy and oracle is None:
        raise NasplugError(f"strategy {strategy.name!r} ranks architectures with a proxy: "
                           "give --predictor")
    budget = SearchBudget(task, max_queries, max_proxy, oracle)
    rng = np.random.default_rng(int(seed))
    stopped = "strategy"
    try:
        strategy.run(space, task, oracle.name if oracle is not None else None, rng, budget)
    except BudgetExhausted:
        stopped = "budget"
    if budget.queries_left <= 0:
        stopped = "budget"
    return {"seed": int(seed), "trajectory": budget.trajectory, "best": budget.best_value,
            "best_arch": budget.best_arch, "queries": budget.queries_used,
            "proxy_evals": budget.proxy_used, "proxy_seconds": budget.proxy_seconds,
            "repeats": budget.repeats, "stopped": stopped}


def best_so_far(record: dict, n: int) -> float:
    """Best ground truth after ``n`` queries (the last value if the search stopped earlier)."""
    traj = record["trajectory"]
    if not traj:
        return float("nan")
    return float(traj[min(n, len(traj)) - 1]["best"])


def checkpoints(max_queries: int) -> list[int]:
    points = [c for c in CHECKPOINTS if c <= max_queries]
    if not points or points[-1] != max_queries:
        points.append(int(max_queries))
    return points


def summarize(records: Sequence[dict], max_queries: int, table_best: float) -> dict:
    """Mean/std of the best-so-far over seeds at each checkpoint, regret to ``table_best``."""
    import numpy as np

    at = {}
    for n in checkpoints(max_queries):
        values = np.array([best_so_far(r, n) for r in records], dtype=float)
        mean = float(np.mean(values))
        at[str(n)] = {"mean": mean, "std": float(np.std(values)), "regret": float(table_best - mean),
                      "min": float(np.min(values)), "max": float(np.max(values))}
    return {"at": at, "seeds": len(records),
            "proxy_evals": float(np.mean([r["proxy_evals"] for r in records])),
            "proxy_seconds": float(np.mean([r["proxy_seconds"] for r in records])),
            "queries": float(np.mean([r["queries"] for r in records]))}


__all__ = ["BudgetExhausted", "CHECKPOINTS", "GraphDomain", "ProxyOracle", "SearchBudget",
           "SearchDomain", "SearchStrategy", "SearchTask", "best_so_far", "checkpoints",
           "get_strategy", "open_task", "parse_strategy", "python_rng", "run_search",
           "score_cells", "strategy_uses_proxy", "summarize"]
