"""Why jacov's rho against accuracy differs from NASLib's published 0.77: the cell population.

Scores jacov (batch 64 of real CIFAR-10) on N cells listed in NASLib's
``naslib/zc_nasbench201_sample.json`` and compares rho against their validation
accuracy with NASLib's own stored jacov scores on the same cells; then scores N
uniformly drawn NAS-Bench-201 cells against test accuracy, once with one fixed
batch and once with a batch per cell.

    NASPLUG_DATA=../shared/data python benchmarks/bench_jacov_population.py [N]
"""

from __future__ import annotations

import ast
import json
import random
import sys

import numpy as np
import torch
from scipy.stats import spearmanr

import nasplug
from nasplug.config import get_data_dir

MEAN = (125.3 / 255, 123.0 / 255, 113.9 / 255)  # NAS-Bench-201 CIFAR-10 normalisation
STD = (63.0 / 255, 62.1 / 255, 66.7 / 255)


def batch(seed: int, size: int = 64):
    data = np.load(get_data_dir() / "images" / "cifar10_train.npz", allow_pickle=False)
    index = np.random.default_rng(seed).choice(len(data["y"]), size, replace=False)
    x = torch.from_numpy(data["x"][index]).permute(0, 3, 1, 2).float().div(255)
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    return [(x.contiguous(), torch.from_numpy(data["y"][index]).long())]


def main(n: int) -> None:
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    jacov = nasplug.get_predictor("jacov", on_failure="naslib")
    with open(get_data_dir() / "naslib" / "zc_nasbench201_sample.json") as fh:
        naslib = json.load(fh)["nasbench201"]["cifar10"]
    keys = random.Random(1).sample(sorted(naslib), n)
    fixed = batch(0)
    ours = [jacov.query(space.build(ast.literal_eval(k)), fixed) for k in keys]
    val = [naslib[k]["val_accuracy"] for k in keys]
    theirs = [naslib[k]["jacov"] for k in keys]
    print(f"NASLib's cells (n={n}): rho vs val acc: ours {spearmanr(ours, val)[0]:.3f}, "
          f"NASLib's {spearmanr(theirs, val)[0]:.3f}; ours vs NASLib's {spearmanr(ours, theirs)[0]:.3f}")

    api = nasplug.get_dataset_api("nasbench201", "cifar10")
    archs = api.sample(n, seed=5)
    acc = [api.query(a, nasplug.Metric.TEST_ACCURACY) for a in archs]
    one, each = [], []
    for i, arch in enumerate(archs):
        net = space.build(arch)
        one.append(jacov.query(net, fixed))
        each.append(jacov.query(net, batch(100 + i)))
    print(f"uniform cells (n={n}): rho vs test acc: fixed batch {spearmanr(one, acc)[0]:.3f}, "
          f"batch per cell {spearmanr(each, acc)[0]:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 80)
