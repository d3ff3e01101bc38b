"""NAS-Bench-201 speed (and, with --check-counts, NASLib-exact params/FLOPs on the sample).

Usage: python benchmarks/bench_nb201.py [--data-dir DIR] [--n 50] [--check-counts]

Prints, from one run in one process: table load time (target < 200 ms), query
time per call (target < 10 us), and network build+parse times, each also as a
ratio to NASLib's figure of 0.36 s per cell for graph build + parameter count.
CPU time (process_time) is printed beside wall time because the machine may be
shared.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

NASLIB_BUILD_S = 0.36  # NASLib: graph build + parameter count per cell (issue 3)


def timed(fn, repeat):
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--n", type=int, default=50, help="architectures for the build timings")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--check-counts", action="store_true",
                        help="check params/FLOPs against every entry of naslib/zc_nasbench201_sample.json")
    args = parser.parse_args(argv)

    from nasplug.config import get_data_dir
    from nasplug_nb201 import benchmark as bm
    from nasplug_nb201 import conversions as conv

    data_dir = get_data_dir(args.data_dir)
    table = data_dir / bm.TABLE

    # -- table load (no torch imported yet) ------------------------------------
    def load():
        bm._table_cache.clear()
        bm.NasBench201Benchmark("cifar10", data_dir=data_dir)

    wall, cpu = timed(load, 5)
    print(f"table load ({table}): {wall * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms cpu (target < 200 ms)")

    api = bm.NasBench201Benchmark("cifar10", data_dir=data_dir)
    from nasplug import Metric

    rng = random.Random(0)
    cells = [conv.random_op_indices(rng) for _ in range(1000)]
    strings = [conv.op_indices_to_str(c) for c in cells]
    lists = [list(c) for c in cells]
    n_calls = 100_000

    def per_call(items, metric=Metric.TEST_ACCURACY):
        k = len(items)
        t = time.perf_counter()
        for i in range(n_calls):
            api.query(items[i % k], metric)
        return (time.perf_counter() - t) / n_calls * 1e6

    print(f"query by tuple:  {per_call(cells):.2f} us/call (target < 10 us)")
    print(f"query by string: {per_call(strings):.2f} us/call")
    print(f"query by list:   {per_call(lists):.2f} us/call")

    import torch

    torch.set_num_threads(args.threads)
    from nasplug.counting import count_parameters
    from nasplug_nb201 import NasBench201SearchSpace

    ss = NasBench201SearchSpace(dataset="cifar10")
    graphs = []
    for c in cells[:10]:
        g = ss.clone()
        g.set_spec(c)
        graphs.append(g)
    n_query = 20_000
    t = time.perf_counter()
    for i in range(n_query):
        api.query(graphs[i % 10], Metric.TEST_ACCURACY)
    print(f"query by Graph:  {(time.perf_counter() - t) / n_query * 1e6:.2f} us/call")

    specs = cells[: args.n]
    it = iter(specs * 4)

    def build():
        ss.build(next(it))

    def clone_path():
        g = ss.clone()
        g.set_spec(next(it))
        g.parse()

    def build_count():
        count_parameters(ss.build(next(it)))

    def construct():
        NasBench201SearchSpace(dataset="cifar10")

    for label, fn in [("search space construction", construct), ("ss.build(spec)", build),
                      ("clone(); set_spec(); parse()", clone_path), ("build + count_parameters", build_count)]:
        wall, cpu = timed(fn, len(specs) if fn is not construct else 10)
        print(f"{label:30s} {wall * 1e3:7.1f} ms wall {cpu * 1e3:7.1f} ms cpu per network; "
              f"NASLib 360 ms / ours (cpu) = {NASLIB_BUILD_S / cpu:5.1f}x")

    x = torch.randn(64, 3, 32, 32)
    g = ss.build(cells[0])
    wall, cpu = timed(lambda: g(x), 5)
    print(f"forward, batch 64, {conv.op_indices_to_str(cells[0])}: {wall * 1e3:.1f} ms wall")

    if args.check_counts:
        from nasplug.counting import model_stats

        sample = data_dir / "naslib" / "zc_nasbench201_sample.json"
        data = json.loads(Path(sample).read_text())["nasbench201"]
        bad = total = 0
        t = time.perf_counter()
        for dataset, entries in data.items():
            space = NasBench201SearchSpace(dataset=dataset)
            for key, scores in entries.items():
                stats = model_stats(space.build(key), (1, *space.input_shape))
                total += 1
                if (round(stats["params"]) != round(scores["params"] * 1e6)
                        or round(stats["flops"]) != round(scores["flops"] * 1e6)):
                    bad += 1
                    print(f"MISMATCH {dataset} {key}: {stats} vs {scores['params']} M, {scores['flops']} MFLOPs")
        print(f"params/FLOPs vs NASLib: {total - bad}/{total} exact ({time.perf_counter() - t:.0f} s)")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
