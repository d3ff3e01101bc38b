"""Faithfulness of ``nwot`` to NASLib's stored scores (issue 16), on a modest sample.

NASLib's ``zc_extra_sample.json`` holds its nwot of 300 NAS-Bench-301 cells (batches of
64: at 32 the scores are half as large). On 40 seeded cells, each on its own seeded
real CIFAR-10 batch of 64 and seeded weights, Spearman rho between nasplug's and
NASLib's scores must reach 0.90 (issue 16; NASLib's own nwot crashes on torch 2.14).

The full files are measured by ``benchmarks/bench_naslib_proxies.py --faithfulness``
(numbers in this plugin's README).
"""

from __future__ import annotations

import ast
import json
import random

import pytest

torch = pytest.importorskip("torch")
nasplug = pytest.importorskip("nasplug")

from scipy.stats import spearmanr  # noqa: E402

from nasplug.testing import find_data_dir, load_batch  # noqa: E402

N_CELLS = 40
BATCH = 64
THRESHOLD = 0.90


def _naslib(file: str) -> dict:
    ddir = find_data_dir()
    path = ddir / "naslib" / file if ddir else None
    if path is None or not path.is_file():
        pytest.skip(f"no naslib/{file} in the data directory (set NASPLUG_DATA)")
    return json.loads(path.read_text())


def _space(name: str, dataset: str):
    """The search space, its shared weights (stem, residual blocks, head) drawn with seed 0."""
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            return nasplug.get_search_space(name, dataset=dataset)
    except nasplug.NasplugError as exc:
        pytest.skip(f"{name} not available: {exc}")


def _build(space, key: str):
    spec = ast.literal_eval(key)
    if hasattr(space, "build"):
        return space.build(spec)
    graph = space.clone()
    graph.set_spec(spec)
    return graph.parse()


def _score(predictor, space, keys, dataset, batch_size):
    """nasplug's score of each cell: its own seeded weights and seeded real batch."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the CPU is shared
    try:
        out = []
        for i, key in enumerate(keys):
            torch.manual_seed(i)
            graph = _build(space, key)
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


def test_nwot_ranks_naslib_nb301_cells_like_naslib():
    data = _naslib("zc_extra_sample.json")["nasbench301/cifar10/nwot"]
    keys = random.Random(0).sample(sorted(data), N_CELLS)
    ours = _score(nasplug.get_predictor("nwot"), _space("nasbench301", "cifar10"), keys, "cifar10", BATCH)
    theirs = [data[k]["nwot"] for k in keys]
    rho = spearmanr(ours, theirs).correlation
    print(f"nwot: Spearman rho vs NASLib {rho:.3f} on {N_CELLS} cells")
    assert rho >= THRESHOLD, f"nwot: Spearman {rho:.3f} < {THRESHOLD}"
    assert max(abs(o - t) for o, t in zip(ours, theirs)) < 15  # the same scale (scores ~ 900)
