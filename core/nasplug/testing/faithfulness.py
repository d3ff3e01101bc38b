"""Helpers for faithfulness tests: a proxy's scores against NASLib's stored ones, cell by cell.

NASLib's NAS-Bench-Suite-Zero files (``naslib/zc_*.json`` in the data directory)
key each cell by its NASLib encoding. These helpers read such a file (skipping the
test when it is not there), build the cells in a search space whose shared weights
(stem, residual blocks, head) are drawn with seed 0, and score cell ``i`` under
``torch.manual_seed(i)`` on its own seeded real batch, so a test compares
like with like and is reproducible. Import torch only when called.
"""

from __future__ import annotations

import ast
import json
from typing import Any, Sequence

import pytest

from .fixtures import find_data_dir, load_batch


def naslib_file(file: str) -> dict:
    """The parsed NASLib file ``naslib/<file>`` of the data directory (skip when absent)."""
    ddir = find_data_dir()
    path = ddir / "naslib" / file if ddir else None
    if path is None or not path.is_file():
        pytest.skip(f"no naslib/{file} in the data directory (set NASPLUG_DATA)")
    return json.loads(path.read_text())


def seeded_space(name: str, dataset: str) -> Any:
    """The search space, its shared weights (stem, residual blocks, head) drawn with seed 0."""
    import torch

    import nasplug

    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            return nasplug.get_search_space(name, dataset=dataset)
    except nasplug.NasplugError as exc:
        pytest.skip(f"{name} not available: {exc}")


def build_cell(space: Any, key: str) -> Any:
    """The network of the cell whose NASLib key (a tuple's text) is ``key``."""
    spec = ast.literal_eval(key)
    if hasattr(space, "build"):
        return space.build(spec)
    graph = space.clone()
    graph.set_spec(spec)
    return graph.parse()


def score_cells(predictor: Any, space: Any, keys: Sequence[str], dataset: str, batch_size: int) -> list:
    """nasplug's score of each cell: its own seeded weights and seeded real batch
    (``batch_size`` 0: no batch, for data-free proxies); one torch thread."""
    import torch

    import nasplug

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the CPU is shared
    try:
        out = []
        for i, key in enumerate(keys):
            torch.manual_seed(i)
            graph = build_cell(space, key)
            batch = None
            if batch_size:
                try:
                    x, y, _ = load_batch(dataset, batch_size, seed=i, synthetic=False)
                except nasplug.NasplugError as exc:
                    pytest.skip(f"no real {dataset} batch: {exc}")
                batch = [(x, y)]
            out.append(predictor.query(graph, batch))
        return out
    finally:
        torch.set_num_threads(threads)


__all__ = ["build_cell", "naslib_file", "score_cells", "seeded_space"]
