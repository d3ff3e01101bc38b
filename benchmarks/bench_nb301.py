"""NAS-Bench-301 speed: build + parse a cell network, then score it, next to NASLib.

NASLib on these 2-core machines (C = 16, batch 64), per architecture, median:
build and parse 0.69 s; synflow 1.02 s; jacov 2.62 s; params 0.35 s (issue 5).
NASLib cannot be installed here, so its figures are the baseline constants
below; nasplug's work is measured in this process, for NASLib's width (C = 16)
and for NAS-Bench-Suite-Zero's network (C = 32, the default).

"build + parse" is exactly what an evaluation does per architecture:
``g = search_space.clone(); g.set_spec(arch_string); g.parse()``. Proxy times
are ``predictor.query(g, loader)`` on a parsed graph with one batch of 64 real
CIFAR-10 images (or synthetic ones when the image sample is missing); proxies
that are not installed are skipped.

Usage: python benchmarks/bench_nb301.py [--archs N] [--threads T]
"""

from __future__ import annotations

import argparse
import statistics
import time

NASLIB_SECONDS = {"build+parse": 0.69, "synflow": 1.02, "jacov": 2.62, "params": 0.35}
PROXIES = ("params", "synflow", "jacov")
BATCH = 64


def _median_time(fn, items) -> float:
    times = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=10, help="labelled architectures timed per figure")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (NASLib's figures: 2 cores)")
    args = parser.parse_args()

    import torch

    import nasplug

    torch.set_num_threads(args.threads)
    api = nasplug.get_dataset_api("nasbench301", "cifar10")
    archs = api.sample(args.archs, seed=0)
    registry = nasplug.get_registry()
    try:
        dataset = registry.get("datasets", "cifar10")()
        loader = dataset.get_loader(BATCH, seed=0)
        data = "real CIFAR-10 sample"
    except nasplug.NasplugError:
        dataset = registry.get("datasets", "cifar10")(synthetic=True)
        loader = dataset.get_loader(BATCH, seed=0)
        data = "synthetic 32x32 inputs"
    installed = [p for p in PROXIES if p in registry.names("predictors")]

    print(f"NAS-Bench-301, median seconds per architecture over {len(archs)} labelled cells, "
          f"torch threads={args.threads}, batch {BATCH} ({data})")
    print(f"{'work':<14}{'NASLib C=16':>12}{'nasplug C=16':>14}{'speed-up':>10}{'nasplug C=32':>14}")
    for C in (16, 32):
        ss = nasplug.get_search_space("nasbench301", "cifar10", C=C)
        ss.clone().build(archs[0])  # warm-up (first-call allocations)

        def build(text, ss=ss):
            g = ss.clone()
            g.set_spec(text)
            g.parse()

        results = {"build+parse": _median_time(build, archs)}
        graphs = [ss.build(text) for text in archs]
        for name in installed:
            predictor = nasplug.get_predictor(name)
            predictor.pre_process()
            predictor.query(graphs[0], loader)  # warm-up
            results[name] = _median_time(lambda g: predictor.query(g, loader), graphs)
        if C == 16:
            c16 = results
        else:
            c32 = results
    for work in ["build+parse", *installed]:
        base = NASLIB_SECONDS[work]
        print(f"{work:<14}{base:>12.2f}{c16[work]:>14.3f}{base / c16[work]:>9.1f}x{c32[work]:>14.3f}")
    missing = [p for p in PROXIES if p not in installed]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}")


if __name__ == "__main__":
    main()
