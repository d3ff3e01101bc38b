"""grasp's double backward: closed-form Conv2d/BatchNorm second derivatives vs PyTorch's.

    python benchmarks/bench_second_order.py --cells 16
    NASPLUG_KEEP_FREED_MEMORY=0 python benchmarks/bench_second_order.py --cells 16   # glibc defaults

On ``--cells`` seeded random NAS-Bench-201 CIFAR-10 cells, one real batch of
``--batch``: the compute floor (one plain forward + backward in training mode,
as in bench_proxies.py), then grasp with ``closed_form=True`` (default) and
``closed_form=False`` (PyTorch's own double backward), in alternating order,
each as a ratio to the floor of the same cell (median over cells), and how far
the two scores differ. Whether nasplug.allocator tuned malloc is printed: run
it once with ``NASPLUG_KEEP_FREED_MEMORY=0`` to see the allocator's share.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import torch

import nasplug
import nasplug.allocator
from bench_proxies import build, data_dir, floor_seconds
from nasplug.metrics import Metric
from nasplug_grasp import GraspPredictor


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=16)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    ddir = data_dir()
    api = nasplug.get_dataset_api("nasbench201", "cifar10", data_dir=ddir)
    torch.manual_seed(args.seed)
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    dataset = nasplug.get_registry().get("datasets", "cifar10")(data_dir=ddir)
    cells = random.Random(args.seed).sample(api.architectures(Metric.TEST_ACCURACY), args.cells + 1)
    variants = {"closed form": GraspPredictor(closed_form=True), "PyTorch": GraspPredictor(closed_form=False)}

    warm, warm_batch = build(space, cells[0]), dataset.get_batch(args.batch, seed=10**6)
    floor_seconds(warm, warm_batch)
    for predictor in variants.values():
        predictor.query(warm, [warm_batch])
    ratios = {name: [] for name in variants}
    floors, differences = [], []
    for i, arch in enumerate(cells[1:]):
        torch.manual_seed(args.seed * 100003 + i)
        graph = build(space, arch)
        batch = dataset.get_batch(args.batch, seed=args.seed * 100003 + i)
        floor, _ = floor_seconds(graph, batch)
        floors.append(floor)
        order = list(variants) if i % 2 == 0 else list(reversed(variants))
        scores = {}
        for name in order:
            start = time.perf_counter()
            scores[name] = variants[name].query(graph, [batch])
            ratios[name].append((time.perf_counter() - start) / floor)
        a, b = scores["closed form"], scores["PyTorch"]
        differences.append(abs(a - b) / max(abs(b), 1e-12))

    print(f"grasp on {args.cells} NAS-Bench-201 CIFAR-10 cells, batch {args.batch}, {args.threads} threads; "
          f"malloc kept freed memory: {nasplug.allocator.keep_freed_memory()}")
    print(f"floor (fwd+bwd) median {statistics.median(floors):.3f} s/cell")
    for name, values in ratios.items():
        print(f"  {name:<12} {statistics.median(values):.2f}x floor")
    speedup = statistics.median(p / c for p, c in zip(ratios['PyTorch'], ratios['closed form']))
    print(f"  median speed-up {speedup:.2f}x; "
          f"scores differ by {statistics.median(differences):.1e} (median relative), {max(differences):.1e} (max)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
