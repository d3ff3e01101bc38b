"""Executors: where scoring runs (filled in by the evaluation work)."""

BUILTIN_EXECUTORS: list = []
