"""NAS-Bench-301 speed: build + parse a cell network, then score it, next to NASLib.

NASLib on these 2-core machines (C = 16, batch 64), per architecture, median:
build and parse 0.69 s; synflow 1.02 s; jacov 2.62 s; params 0.35 s (issue 5).
NASLib cannot be installed here, so those figures are printed as given; two
baselines are measured in this process instead:

- ``all-candidates build``: constructing every candidate op of every cell edge
  (14 edges x 7 ops x 8 cells, the modules NASLib's search space builds before
  an architecture is chosen), with nasplug's op modules: a lower bound of
  NASLib's build work. nasplug builds only the 64 chosen ops.
- ``fwd+bwd``: one plain float32 forward and backward pass of the batch through
  the same network, the floor under any gradient-based proxy.

"build+parse" is what an evaluation does per architecture:
``g = search_space.clone(); g.set_spec(arch_string); g.parse()``. Proxy times
are ``predictor.query(g, loader)`` on a parsed graph with one batch of 64 real
CIFAR-10 images (synthetic when the image sample is missing); proxies that are
not installed are skipped. Timings depend on machine load: the load average
is printed.

Usage: python benchmarks/bench_nb301.py [--archs N] [--threads T] [--proxies a,b]
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


def _all_candidates(C: int, layers: int = 8) -> None:
    """Build every candidate op of every cell edge (what NASLib's search space holds)."""
    from nasplug_nb301.encoding import OPS
    from nasplug_nb301.network import make_op

    width = C
    for k in range(layers):
        reduction = k in (layers // 3, 2 * layers // 3)
        width *= 2 if reduction else 1
        for node in range(2, 6):
            for node_in in range(node):
                for name in OPS:
                    make_op(name, width, 2 if reduction and node_in < 2 else 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", type=int, default=3, help="labelled architectures timed per figure")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; 1 on a shared machine (2 threads on busy cores thrash)")
    parser.add_argument("--proxies", default=",".join(PROXIES), help="comma-separated proxies to time")
    args = parser.parse_args()

    import os

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
    wanted = [p for p in args.proxies.split(",") if p]
    installed = [p for p in wanted if p in registry.names("predictors")]
    inputs, targets = next(iter(loader))

    def fwd_bwd(g):
        g.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(g(inputs), targets).backward()
        g.zero_grad(set_to_none=True)

    print(f"NAS-Bench-301, median seconds per architecture over {len(archs)} labelled cells, "
          f"torch threads={args.threads}, batch {BATCH} ({data}), load average {os.getloadavg()[0]:.1f}")
    print(f"{'work':<14}{'C':>4}{'NASLib(C=16)':>13}{'nasplug':>10}  in-process baseline", flush=True)
    for C in (16, 32):
        ss = nasplug.get_search_space("nasbench301", "cifar10", C=C)
        ss.clone().build(archs[0])  # warm-up (first-call allocations)

        def build(text, ss=ss):
            g = ss.clone()
            g.set_spec(text)
            g.parse()

        graphs = [ss.build(text) for text in archs]
        seconds = _median_time(build, archs)
        cand = _median_time(lambda _: _all_candidates(C), archs)
        print(f"{'build+parse':<14}{C:>4}{NASLIB_SECONDS['build+parse']:>13.2f}{seconds:>10.3f}"
              f"  all-candidates build {cand:.3f} s ({cand / seconds:.1f}x)", flush=True)
        floor = _median_time(fwd_bwd, graphs)
        for work in installed:
            predictor = nasplug.get_predictor(work)
            predictor.pre_process()
            predictor.query(graphs[0], loader)  # warm-up
            seconds = _median_time(lambda g: predictor.query(g, loader), graphs)
            print(f"{work:<14}{C:>4}{NASLIB_SECONDS[work]:>13.2f}{seconds:>10.3f}"
                  f"  fwd+bwd {floor:.3f} s (proxy = {seconds / floor:.2f}x of it)", flush=True)
    missing = [p for p in wanted if p not in installed]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
