"""All zero-cost proxies of a cell in one call (shared passes) against each proxy on its own.

    python benchmarks/bench_shared_passes.py                       # 20 NB201 CIFAR-10 cells, CPU
    python benchmarks/bench_shared_passes.py --cells 50 --device cuda   # the GPU run

For ``--cells`` seeded NAS-Bench-201 CIFAR-10 cells, each with its own real
CIFAR-10 batch of ``--batch`` (the packaged or the user's images), in one
process and interleaved cell by cell so machine load hits every variant alike:

- **floor**: one plain forward + backward of the cell in training mode (the
  compute floor the proxy targets are stated against);
- **separate**: every proxy's own ``query`` one after the other (what scoring
  each proxy in its own run costs);
- **shared**: one :func:`nasplug.zerocost.engine.score_many` call for all of them.

It reports the median seconds of each, the ratios shared/floor and
separate/shared, the per-proxy time alone, and checks that every shared score
equals the separate one (rel. 1e-6). With ``--device cuda`` it also reports the
peak GPU memory of each variant. Where no GPU exists, ``--device cuda`` says so
and exits 0 (so the script can stand in a GPU job list).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time

import torch

import nasplug
from nasplug.metrics import Metric
from nasplug.zerocost import ScoringError, ZeroCostPredictor
from nasplug.zerocost.engine import score_many


def zero_cost_proxies() -> list[str]:
    names = []
    for name in nasplug.get_registry().names("predictors"):
        try:
            if isinstance(nasplug.get_predictor(name), ZeroCostPredictor):
                names.append(name)
        except Exception:
            continue
    return sorted(names)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(device, fn):
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    sync(device)
    start = time.perf_counter()
    out = fn()
    sync(device)
    peak = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    return out, time.perf_counter() - start, peak


def floor(graph, batch) -> None:
    x, y = batch
    graph.train()
    torch.nn.functional.cross_entropy(graph(x), y).backward()
    graph.zero_grad(set_to_none=True)


def value(v):
    return v.reason if isinstance(v, ScoringError) else v


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--proxies", default="", help="comma-separated (default: every installed zero-cost proxy)")
    ap.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    args = ap.parse_args(argv)

    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"no CUDA device here (torch {torch.__version__}, torch.cuda.is_available() is False): "
              "nothing measured; run this script on a machine with a GPU")
        return 0
    device = torch.device(args.device)
    proxies = [p for p in args.proxies.split(",") if p] or zero_cost_proxies()
    predictors = [nasplug.get_predictor(p) for p in proxies]

    api = nasplug.get_dataset_api("nasbench201", "cifar10")
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    dataset = nasplug.get_registry().get("datasets", "cifar10")()
    cells = random.Random(args.seed).sample(api.architectures(Metric.TEST_ACCURACY), args.cells + 1)

    floors, separate, shared = [], [], []
    alone = {p: [] for p in proxies}
    peaks = {"floor": [], "separate": [], "shared": []}
    mismatches = []
    for i, arch in enumerate(cells):
        torch.manual_seed(args.seed * 100003 + i)
        graph = space.build(arch).to(device)
        x, y = dataset.get_batch(args.batch, seed=args.seed * 100003 + i)
        batch = (x.to(device), y.to(device))
        _, t_floor, p_floor = timed(device, lambda: floor(graph, batch))
        lone, t_sep, p_sep = {}, 0.0, 0.0
        for name, predictor in zip(proxies, predictors):
            def one(predictor=predictor):
                try:
                    return predictor.query(graph, [batch])
                except ScoringError as exc:
                    return exc.reason
            lone[name], t, peak = timed(device, one)
            t_sep += t
            p_sep = max(p_sep, peak or 0.0)
            if i:
                alone[name].append(t)
        together, t_shared, p_shared = timed(device, lambda: score_many(predictors, graph, [batch]))
        for name in proxies:
            a, b = lone[name], value(together[name])
            if not (a == b if isinstance(a, str) or isinstance(b, str)
                    else math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)):
                mismatches.append((arch, name, a, b))
        if i == 0:
            continue  # warm-up cell: kernels are built on first use
        floors.append(t_floor)
        separate.append(t_sep)
        shared.append(t_shared)
        if device.type == "cuda":
            peaks["floor"].append(p_floor)
            peaks["separate"].append(p_sep)
            peaks["shared"].append(p_shared)

    med = statistics.median
    load = os.getloadavg()
    print(f"{args.cells} NB201 CIFAR-10 cells, batch {args.batch}, device {device}, "
          f"torch threads {torch.get_num_threads()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"proxies ({len(proxies)}): {', '.join(proxies)}")
    print(f"floor (fwd+bwd)   {med(floors):.4f} s/cell")
    print(f"separate queries  {med(separate):.4f} s/cell  = {med(s / f for s, f in zip(separate, floors)):.2f}x floor")
    print(f"shared passes     {med(shared):.4f} s/cell  = {med(s / f for s, f in zip(shared, floors)):.2f}x floor")
    print(f"speed-up shared vs separate: {med(a / b for a, b in zip(separate, shared)):.2f}x")
    print("alone, median s/cell: " + ", ".join(f"{p} {med(alone[p]):.4f}" for p in proxies))
    if device.type == "cuda":
        print("peak GPU memory MiB (median): " + ", ".join(f"{k} {med(v):.0f}" for k, v in peaks.items()))
    if mismatches:
        print(f"MISMATCH on {len(mismatches)} scores, e.g. {mismatches[:3]}")
        return 1
    print("every shared score equals its separate score (rel 1e-6)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
