"""The built-in search strategies (no torch; scores come through the budget).

Every strategy draws all its randomness from the ``rng`` it is given, so one
seed gives one trajectory. Ground truth is read only through
``budget.query`` and proxy scores only through ``budget.score``; a query of an
architecture already queried is free (see :mod:`nasplug.search`), so loops
that could only repeat known cells stop after ``MAX_STALL`` free steps in a row.

=================  ========================================================================
``random``         random search: query uniformly random architectures
``ae``             regularized (aging) evolution, Real et al. 2019
``ae-warmup``      aging evolution whose first population is the top proxy-ranked of ``n``
                   random cells (Abdelfattah et al. 2021, "warm-up")
``ae-move``        aging evolution whose mutation queries, of all the parent's neighbours,
                   the one the proxy ranks best (Abdelfattah et al. 2021, "move proposal")
``proxy-top``      proxy-only selection: score ``n`` random cells, query them best first
=================  ========================================================================

Parameters follow the sources: Abdelfattah et al.'s notebook
(SamsungLabs/zero-cost-nas, ``nas_examples.ipynb``) warms up from 3,000 random
cells and, in the move proposal, takes a uniformly random neighbour instead of
the best one with probability 0.25. Population and sample size default to 10
and 3, NAS-Bench-201's regularized-evolution setting for small query budgets
(the notebook's 64 and 10 were for 300-1,000 queries: with 64 every search of
at most 64 queries would be its random initial population); pass
``ae:population=64,sample_size=10`` for the notebook's values.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from nasplug.errors import NasplugError
from nasplug.search import SearchBudget, SearchDomain, SearchStrategy, SearchTask

#: free steps in a row (only already-queried proposals) after which a strategy stops
MAX_STALL = 1000


def _positive_int(strategy: str, key: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value \
            or value < minimum:
        raise NasplugError(f"strategy {strategy!r}: {key} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _probability(strategy: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise NasplugError(f"strategy {strategy!r}: {key} must be a number in [0, 1], got {value!r}")
    return float(value)


class BuiltinStrategy(SearchStrategy):
    """Base of the built-ins: spec-level domains for the built-in spaces."""

    def domain(self, task: SearchTask) -> SearchDomain:
        from .domains import domain_for

        return domain_for(task)


class RandomSearch(BuiltinStrategy):
    """Query uniformly random architectures until the query budget is spent."""

    name = "random"
    description = "random search: query uniformly random architectures"

    def run(self, space, task, predictor, rng, budget: SearchBudget) -> None:
        stall = 0
        while budget.queries_left > 0 and stall < MAX_STALL:
            arch = space.sample(rng)
            stall = stall + 1 if budget.queried(arch) else 0
            budget.query(arch)


class AgingEvolution(BuiltinStrategy):
    """Regularized evolution (Real et al., AAAI 2019).

    A population of ``population`` queried architectures; each step samples
    ``sample_size`` members uniformly without replacement, mutates the best of
    them (the space's mutation), queries the child, appends it and removes the
    oldest member. The first population is random (see the subclasses).
    """

    name = "ae"
    description = "regularized (aging) evolution, Real et al. 2019"

    def __init__(self, population: int = 10, sample_size: int = 3, **options: Any) -> None:
        super().__init__(**options)
        self.population = _positive_int(self.name, "population", population)
        self.sample_size = _positive_int(self.name, "sample_size", sample_size)
        if self.sample_size > self.population:
            raise NasplugError(f"strategy {self.name!r}: sample_size ({self.sample_size}) cannot "
                               f"exceed population ({self.population})")

    @property
    def options(self) -> dict:
        return {"population": self.population, "sample_size": self.sample_size}

    def initial(self, space, rng, budget: SearchBudget) -> list[str]:
        """Architectures of the first population, in the order they are queried."""
        return [space.sample(rng) for _ in range(self.population)]

    def propose(self, parent: str, space, rng, budget: SearchBudget) -> str:
        return space.mutate(parent, rng)

    def run(self, space, task, predictor, rng, budget: SearchBudget) -> None:
        pool: deque[tuple[float, str]] = deque()
        for arch in self.initial(space, rng, budget):
            pool.append((budget.query(arch), arch))
        stall = 0
        while budget.queries_left > 0 and stall < MAX_STALL:
            picks = rng.choice(len(pool), size=min(self.sample_size, len(pool)), replace=False)
            # the best of the sample; ties go to the oldest, as a stable sort would
            parent = max(sorted(int(i) for i in picks), key=lambda i: pool[i][0])
            child = self.propose(pool[parent][1], space, rng, budget)
            stall = stall + 1 if budget.queried(child) else 0
            pool.append((budget.query(child), child))
            pool.popleft()


class WarmupEvolution(AgingEvolution):
    """Aging evolution whose first population is the top proxy-ranked of ``n`` random cells.

    ``n`` random proposals are scored (one proxy evaluation per distinct cell,
    capped by the proxy budget) and the ``population`` best distinct ones are
    queried best first (Abdelfattah et al. 2021, "zero-cost warm-up").
    """

    name = "ae-warmup"
    description = "aging evolution, first population = top proxy-ranked of n random cells (Abdelfattah et al. 2021)"
    uses_proxy = True

    def __init__(self, n: int = 3000, population: int = 10, sample_size: int = 3,
                 **options: Any) -> None:
        super().__init__(population=population, sample_size=sample_size, **options)
        self.n = _positive_int(self.name, "n", n)

    @property
    def options(self) -> dict:
        return {"n": self.n, **super().options}

    def initial(self, space, rng, budget: SearchBudget) -> list[str]:
        return top_ranked(space, rng, budget, self.n, self.population)


def top_ranked(space, rng, budget: SearchBudget, n: int, k: int) -> list[str]:
    """Score ``n`` random proposals (within the proxy budget); the ``k`` best distinct, best first.

    Ties keep the order of drawing; cells the proxy failed on rank last.
    """
    left = budget.proxy_left
    cells: list[str] = []
    seen: set[str] = set()
    for _ in range(n):
        arch = space.sample(rng)
        if arch not in seen:
            if len(seen) >= left:
                break
            seen.add(arch)
            cells.append(arch)
    scores = budget.score(cells) if cells else []
    order = sorted(range(len(cells)), key=lambda i: -scores[i])
    ranked = [cells[i] for i in order][:k]
    while len(ranked) < k:  # fewer distinct cells than the population: fill at random
        ranked.append(space.sample(rng))
    return ranked


class MoveEvolution(AgingEvolution):
    """Aging evolution with the zero-cost move proposal (Abdelfattah et al. 2021).

    A child is chosen among candidates: all the parent's neighbours (the paper's
    rule; ``candidates=0``, the default) or ``candidates`` random mutations
    (also used when the space lists no neighbours: 24 then); the one the proxy
    ranks best, or with probability ``random_move`` a uniformly random one
    (the notebook's 0.25). When the proxy budget cannot pay for the candidates,
    the plain mutation is used (counted in ``plain_moves``).
    """

    name = "ae-move"
    description = "aging evolution, child = proxy-best of the parent's neighbours (Abdelfattah et al. 2021)"
    uses_proxy = True

    def __init__(self, population: int = 10, sample_size: int = 3, random_move: float = 0.25,
                 candidates: int = 0, **options: Any) -> None:
        super().__init__(population=population, sample_size=sample_size, **options)
        self.random_move = _probability(self.name, "random_move", random_move)
        self.candidates = _positive_int(self.name, "candidates", candidates, minimum=0)
        self.plain_moves = 0

    @property
    def options(self) -> dict:
        return {**super().options, "random_move": self.random_move, "candidates": self.candidates}

    def propose(self, parent: str, space, rng, budget: SearchBudget) -> str:
        cands = [] if self.candidates else [a for a in space.neighbours(parent) if a != parent]
        if not cands:  # k random mutations (the space lists no neighbours, or candidates=k)
            cands = list(dict.fromkeys(space.mutate(parent, rng) for _ in range(self.candidates or 24)))
        new = sum(1 for a in dict.fromkeys(cands) if not budget.scored(a))
        if new > budget.proxy_left:
            self.plain_moves += 1
            return space.mutate(parent, rng)
        scores = budget.score(cands)
        best = cands[max(range(len(cands)), key=lambda i: scores[i])]
        if rng.random() < self.random_move:
            best = cands[int(rng.integers(len(cands)))]
        return best


class ProxyTop(BuiltinStrategy):
    """Proxy-only selection: score ``n`` random cells, query them best first.

    NASWOT's use of a proxy (pick the best of N by score alone), extended to a
    query budget k: the k best-ranked cells are queried in rank order, so the
    first query is the proxy's single pick.
    """

    name = "proxy-top"
    description = "proxy-only selection: score n random cells, query the top k (k = --queries)"
    uses_proxy = True

    def __init__(self, n: int = 3000, **options: Any) -> None:
        super().__init__(**options)
        self.n = _positive_int(self.name, "n", n)

    @property
    def options(self) -> dict:
        return {"n": self.n}

    def run(self, space, task, predictor, rng, budget: SearchBudget) -> None:
        k = budget.queries_left
        ranked = top_ranked(space, rng, budget, self.n, min(k, self.n))
        for arch in dict.fromkeys(ranked):
            if budget.queries_left <= 0:
                break
            budget.query(arch)


STRATEGIES = [RandomSearch, AgingEvolution, WarmupEvolution, MoveEvolution, ProxyTop]

__all__ = ["AgingEvolution", "MAX_STALL", "MoveEvolution", "ProxyTop", "RandomSearch",
           "STRATEGIES", "WarmupEvolution", "top_ranked"]
