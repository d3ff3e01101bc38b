"""Faithfulness of ``nwot`` to NASLib's stored scores (issue 16), on a modest sample.

NASLib's ``zc_extra_sample.json`` holds its nwot of 300 NAS-Bench-301 cells (batches of
64: at 32 the scores are half as large). On 40 seeded cells, each on its own seeded
real CIFAR-10 batch of 64 and seeded weights, Spearman rho between nasplug's and
NASLib's scores must reach 0.90 (issue 16; NASLib's own nwot crashes on torch 2.14).

The full files are measured by ``benchmarks/bench_naslib_proxies.py --faithfulness``
(numbers in this plugin's README).
"""

from __future__ import annotations

import random

import pytest

torch = pytest.importorskip("torch")
nasplug = pytest.importorskip("nasplug")

from scipy.stats import spearmanr  # noqa: E402

from nasplug.testing.faithfulness import naslib_file as _naslib  # noqa: E402
from nasplug.testing.faithfulness import score_cells as _score  # noqa: E402
from nasplug.testing.faithfulness import seeded_space as _space  # noqa: E402

N_CELLS = 40
BATCH = 64
THRESHOLD = 0.90


def test_nwot_ranks_naslib_nb301_cells_like_naslib():
    data = _naslib("zc_extra_sample.json")["nasbench301/cifar10/nwot"]
    keys = random.Random(0).sample(sorted(data), N_CELLS)
    ours = _score(nasplug.get_predictor("nwot"), _space("nasbench301", "cifar10"), keys, "cifar10", BATCH)
    theirs = [data[k]["nwot"] for k in keys]
    rho = spearmanr(ours, theirs).correlation
    print(f"nwot: Spearman rho vs NASLib {rho:.3f} on {N_CELLS} cells")
    assert rho >= THRESHOLD, f"nwot: Spearman {rho:.3f} < {THRESHOLD}"
    assert max(abs(o - t) for o, t in zip(ours, theirs)) < 15  # the same scale (scores ~ 900)
