"""Which distribution provides each built-in name: install hints, nothing more.

Asking for one of these names when it is not installed says what to
``pip install``. Discovery itself treats these distributions exactly like any
third-party plugin; only names of distributions this project publishes belong
here (a plugin outside the project is found through its entry point alone).
"""

from __future__ import annotations

#: kind -> {name: what to ``pip install``}
BUILTIN_PROVIDERS: dict[str, dict[str, str]] = {
    "predictors": {
        "synflow": "nasplug-synflow", "snip": "nasplug-snip", "grasp": "nasplug-grasp",
        "fisher": "nasplug-fisher", "jacov": "nasplug-jacov", "grad_norm": "nasplug-grad-norm",
        "flops": "nasplug-flops", "params": "nasplug-params",
    },
    "search_spaces": {
        "nasbench201": "nasplug-nb201", "nasbench301": "nasplug-nb301",
        "transbench101_micro": "nasplug-tnb101",
    },
    "benchmarks": {
        "nasbench201": "nasplug-nb201", "nasbench301": "nasplug-nb301",
        "transbench101_micro": "nasplug-tnb101",
    },
    "executors": {"ray": "nasplug[ray]"},
    "search_strategies": {
        name: "nasplug-search" for name in ("random", "ae", "ae-warmup", "ae-move", "proxy-top")
    },
}


def install_hint(kind: str, name: str) -> str | None:
    """What to ``pip install`` for built-in ``name`` of ``kind``, or None."""
    return BUILTIN_PROVIDERS.get(kind, {}).get(name)


__all__ = ["BUILTIN_PROVIDERS", "install_hint"]
