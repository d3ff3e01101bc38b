"""Hook implementations of ``nasplug-search`` (import-light: strategies load on first use)."""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.lazy import LazyClass

#: name -> (class in nasplug_search.strategies, one-line description)
_STRATEGIES = {
    "random": ("RandomSearch", "random search: query uniformly random architectures"),
    "ae": ("AgingEvolution", "regularized (aging) evolution, Real et al. 2019"),
    "ae-warmup": ("WarmupEvolution", "aging evolution, first population = top proxy-ranked of "
                                     "n random cells (Abdelfattah et al. 2021)"),
    "ae-move": ("MoveEvolution", "aging evolution, child = proxy-best neighbour of the parent "
                                 "(Abdelfattah et al. 2021)"),
    "proxy-top": ("ProxyTop", "proxy-only selection: score n random cells, query the top k"),
}


@hookimpl
def register_search_strategies(register):
    for name, (cls, description) in _STRATEGIES.items():
        register(LazyClass(f"nasplug_search.strategies:{cls}", name=name, description=description))
