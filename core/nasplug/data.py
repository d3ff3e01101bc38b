"""Data loaders for benchmark tasks (filled in by the evaluation work)."""

BUILTIN_DATASETS: list = []
