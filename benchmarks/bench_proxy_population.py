"""A proxy's rho against accuracy: the 500-cell figure explained by protocol and sample.

    NASPLUG_DATA=../shared/data python benchmarks/bench_proxy_population.py --proxy jacov [--samples 3] [--cells 400]

Why can nasplug's rho for a proxy on 500 random cells (``bench_proxies.py``) sit
below NASLib's published figure although the proxy ranks cells like NASLib's?

(a) NASLib's own cells: the 491 NAS-Bench-201 CIFAR-10 cells of
``naslib/zc_nasbench201_sample.json``. nasplug's proxy (one fixed real batch of
64, and a seeded batch per cell) against their validation and test accuracy,
next to NASLib's stored scores of that proxy on the same cells against the same
ground truth, and the rank agreement of the two.

(b) Sampling spread: ``--samples`` disjoint seeded uniform samples of
``--cells`` cells from all 15,625, each scored as ``bench_proxies.py`` scores
(a seeded batch per cell); rho against test accuracy per sample, then pooled.

(c) ``--augmented N``: on N of NASLib's cells, the proxy on a plain batch and on
the same images prepared as NASLib's CIFAR-10 training loader prepares them
(4-pixel zero padding, random 32x32 crop, random horizontal flip), each against
validation accuracy and NASLib's scores. nasplug itself never augments.

A cell the proxy cannot score counts as NASLib's -1e8 (as in NASLib's data).
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import statistics
import sys
import time

import torch
from scipy.stats import spearmanr

import nasplug
from nasplug.config import get_data_dir
from nasplug.data import get_dataset
from nasplug.metrics import Metric


def rho(a, b) -> float:
    return float(spearmanr(a, b).correlation)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy", default="jacov")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--cells", type=int, default=400)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--augmented", type=int, default=0, metavar="N",
                        help="also compare plain and NASLib-augmented batches on N of NASLib's cells")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    ddir = get_data_dir()
    torch.manual_seed(0)  # the stem, residual blocks and head every cell shares
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    api = nasplug.get_dataset_api("nasbench201", "cifar10", data_dir=ddir)
    proxy = nasplug.get_predictor(args.proxy, on_failure="naslib")
    dataset = get_dataset("cifar10", data_dir=ddir)
    fixed = dataset.get_batch(64, seed=0)
    start = time.time()

    def score(cells, per_cell_batch: bool) -> list[float]:
        out = []
        for i, cell in enumerate(cells):
            torch.manual_seed(10**6 + i)
            batch = dataset.get_batch(64, seed=10**6 + i) if per_cell_batch else fixed
            out.append(proxy.query(space.build(cell), [batch]))
        return out

    with open(ddir / "naslib" / "zc_nasbench201_sample.json") as fh:
        naslib = json.load(fh)["nasbench201"]["cifar10"]
    keys = sorted(naslib)
    cells = [ast.literal_eval(k) for k in keys]
    val = [naslib[k]["val_accuracy"] for k in keys]
    test = [api.query(c, Metric.TEST_ACCURACY) for c in cells]
    theirs = [naslib[k][args.proxy] for k in keys]
    ours_fixed = score(cells, per_cell_batch=False)
    ours_each = score(cells, per_cell_batch=True)
    print(f"(a) NASLib's {len(keys)} cells ({time.time() - start:.0f} s)")
    print(f"    {'scores':<34} {'rho vs val':>10} {'rho vs test':>11}")
    for label, s in ((f"NASLib's stored {args.proxy}", theirs), ("nasplug, one fixed batch", ours_fixed),
                     ("nasplug, a batch per cell", ours_each)):
        print(f"    {label:<34} {rho(s, val):>10.3f} {rho(s, test):>11.3f}")
    print(f"    agreement nasplug vs NASLib: rho {rho(ours_fixed, theirs):.3f} (fixed batch), "
          f"{rho(ours_each, theirs):.3f} (batch per cell); failed cells: NASLib "
          f"{sum(v <= -1e7 for v in theirs)}, nasplug {sum(v <= -1e7 for v in ours_fixed)}")

    if args.augmented:
        compare_augmented(args, space, proxy, naslib, ddir)

    pool = api.architectures(Metric.TEST_ACCURACY)
    drawn = random.Random(2026).sample(pool, args.samples * args.cells)
    pooled_scores, pooled_acc, per_sample = [], [], []
    print(f"(b) {args.samples} disjoint uniform samples of {args.cells} cells, a batch per cell")
    for k in range(args.samples):
        sample = drawn[k * args.cells:(k + 1) * args.cells]
        acc = [api.query(a, Metric.TEST_ACCURACY) for a in sample]
        s = score(sample, per_cell_batch=True)
        per_sample.append(rho(s, acc))
        pooled_scores += s
        pooled_acc += acc
        print(f"    sample {k + 1}: rho vs test {per_sample[-1]:.3f} ({time.time() - start:.0f} s)", flush=True)
    print(f"    spread {min(per_sample):.3f} .. {max(per_sample):.3f} "
          f"(mean {statistics.mean(per_sample):.3f}); pooled {len(pooled_acc)} cells: "
          f"{rho(pooled_scores, pooled_acc):.3f}")
    return 0


def compare_augmented(args, space, proxy, naslib, ddir) -> None:
    import numpy as np

    from nasplug.data import CIFAR10_MEAN, CIFAR10_STD

    images = np.load(ddir / "images" / "cifar10_train.npz", allow_pickle=False)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)

    def batch(seed: int, augment: bool):
        rng = np.random.default_rng(seed)
        index = rng.choice(len(images["y"]), 64, replace=False)
        x = torch.from_numpy(images["x"][index]).permute(0, 3, 1, 2).float().div(255)
        if augment:  # NASLib: RandomCrop(32, padding=4), RandomHorizontalFlip
            padded = torch.nn.functional.pad(x, (4, 4, 4, 4))
            crops = []
            for img in padded:
                i, j = rng.integers(0, 9, size=2)
                crop = img[:, i:i + 32, j:j + 32]
                crops.append(crop.flip(-1) if rng.random() < 0.5 else crop)
            x = torch.stack(crops)
        return ((x - mean) / std).contiguous(), torch.from_numpy(images["y"][index]).long()

    keys = random.Random(7).sample(sorted(naslib), args.augmented)
    plain, augmented = [], []
    for i, key in enumerate(keys):
        torch.manual_seed(i)
        net = space.build(ast.literal_eval(key))
        plain.append(proxy.query(net, [batch(i, False)]))
        augmented.append(proxy.query(net, [batch(i, True)]))
    val = [naslib[k]["val_accuracy"] for k in keys]
    theirs = [naslib[k][args.proxy] for k in keys]
    print(f"(c) {len(keys)} of NASLib's cells: rho vs val: NASLib's scores {rho(theirs, val):.3f}, "
          f"plain batch {rho(plain, val):.3f}, NASLib-augmented batch {rho(augmented, val):.3f}; "
          f"agreement with NASLib {rho(plain, theirs):.3f} / {rho(augmented, theirs):.3f}")


if __name__ == "__main__":
    sys.exit(main())
