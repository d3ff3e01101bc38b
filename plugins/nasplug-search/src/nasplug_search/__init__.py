"""nasplug-search: search strategies for ``nasplug search``.

``random`` (random search), ``ae`` (regularized / aging evolution), the two
zero-cost variants of Abdelfattah et al. 2021 (``ae-warmup``, ``ae-move``) and
``proxy-top`` (proxy-only selection). Import-light: nothing here imports torch.
"""

from __future__ import annotations

from nasplug.lazy import lazy_exports

__version__ = "0.1.0"

_LAZY = {
    "RandomSearch": "nasplug_search.strategies",
    "AgingEvolution": "nasplug_search.strategies",
    "WarmupEvolution": "nasplug_search.strategies",
    "MoveEvolution": "nasplug_search.strategies",
    "ProxyTop": "nasplug_search.strategies",
    "domain_for": "nasplug_search.domains",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = list(_LAZY)
