"""Zero-cost proxies on NAS-Bench-201: quality, speed, and NASLib's counts.

    python benchmarks/bench_proxies.py --cells 500            # quality + speed (long on 2 cores)
    python benchmarks/bench_proxies.py --cells 100 --speed-cells 20
    python benchmarks/bench_proxies.py --cells 500 --data-cells 60   # data proxies on 60 of them
    python benchmarks/bench_proxies.py --check-counts --cells 0   # flops/params vs NASLib, 491 x 3

(a) Quality: ``--cells`` seeded random NAS-Bench-201 CIFAR-10 cells (from all
15,625), each scored by every proxy on its own seeded real CIFAR-10 batch of
``--batch`` (as ``nasplug eval`` does); Spearman rho against the cells' test
accuracy, next to NASLib's published figure (NAS-Bench-Suite-Zero, rho against
validation accuracy). A cell a proxy cannot score counts as NASLib's -1e8.
``--data-cells M`` scores the data-dependent proxies (jacov, snip, grad_norm,
grasp, fisher) on the first M cells only (the report says how many each used).

``--augment`` prepares each batch as NASLib's training loader does (random
crop of the zero-padded image, horizontal flip: the cifar10 dataset's
``augment=True``), as NASLib's published scores were computed.

(b) Speed, on the first ``--speed-cells`` of those cells (after one warm-up cell):
median seconds per cell of each proxy's ``query`` (scoring copy included), the
compute floor measured on the same model and batch in the same process (one
plain forward + backward in training mode), the ratio proxy/floor (median over
cells), the median time to build and parse a cell, and NASLib's figures on these
machines (seconds per cell at batch 64, 2 threads; NASLib adds 0.12 s to build).
"cpu x" is the same ratio in process CPU seconds, which load from other processes
on a shared machine disturbs less than wall-clock time.

(c) ``--check-counts``: the flops and params predictors on all 491 cells x 3
datasets of ``naslib/zc_nasbench201_sample.json`` against NASLib's numbers
(exact equality), with milliseconds per cell, next to the same count taken by
a batch-1 forward pass with counting hooks (``model_stats(..., static=False)``,
the way NASLib/tensorwatch count), in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

import torch
from scipy.stats import spearmanr

import nasplug
import nasplug.allocator
from nasplug.counting import model_stats
from nasplug.metrics import Metric
from nasplug.zerocost import NASLIB_FAILURE_SCORE

PROXIES = ("synflow", "jacov", "snip", "grad_norm", "grasp", "fisher", "flops", "params")
#: proxies that need no real batch (cheap: scored on every --cells cell)
DATA_FREE = ("synflow", "flops", "params")
#: NASLib's Spearman rho on NAS-Bench-201 CIFAR-10 (NAS-Bench-Suite-Zero, vs validation accuracy)
NASLIB_RHO = {"synflow": 0.74, "jacov": 0.77, "snip": 0.61, "grad_norm": 0.61, "grasp": 0.54,
              "fisher": 0.51, "flops": 0.71, "params": 0.74}
#: NASLib (Develop) seconds per cell on these 2-core machines, batch 64, 2 threads
NASLIB_SECONDS = {"synflow": 0.87, "snip": 1.21, "grasp": 2.64, "fisher": 1.25, "jacov": 1.24,
                  "grad_norm": 1.23, "flops": 0.14, "params": 0.14}
NASLIB_BUILD_SECONDS = 0.12
#: issue 8 speed targets: ratio to the floor (data proxies), or absolute seconds (counts)
TARGET_RATIO = {"grasp": 3.0}
DEFAULT_TARGET_RATIO = 1.5
TARGET_SECONDS = {"flops": 0.010, "params": 0.010}


def data_dir() -> Path:
    from nasplug.config import get_data_dir

    env = os.environ.get("NASPLUG_DATA")
    if env:
        return Path(env)
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    return shared if shared.is_dir() else Path(get_data_dir(None))


def build(space, spec):
    if hasattr(space, "build"):
        return space.build(spec)
    graph = space.clone()
    graph.set_spec(spec)
    return graph.parse()


def floor_seconds(graph, batch) -> tuple[float, float]:
    """Wall and CPU seconds of one plain forward + backward pass (training mode) of ``graph``."""
    x, y = batch
    mode = graph.training
    graph.train()
    start, cpu = time.perf_counter(), time.process_time()
    loss = torch.nn.functional.cross_entropy(graph(x), y)
    loss.backward()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    graph.zero_grad(set_to_none=True)
    graph.train(mode)
    return elapsed, cpu


def run_quality_and_speed(args) -> dict:
    ddir = data_dir()
    api = nasplug.get_dataset_api("nasbench201", "cifar10", data_dir=ddir)
    torch.manual_seed(args.seed)  # the stem, residual blocks and head every cell shares
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    dataset = nasplug.get_registry().get("datasets", "cifar10")(data_dir=ddir, augment=args.augment)
    cells = random.Random(args.seed).sample(api.architectures(Metric.TEST_ACCURACY), args.cells)
    proxies = [p for p in args.proxies.split(",") if p]
    predictors = {p: nasplug.get_predictor(p, on_failure="naslib") for p in proxies}

    # warm-up: the first call of each conv shape builds oneDNN kernels
    warm = build(space, cells[0])
    warm_batch = dataset.get_batch(args.batch, seed=10**6)
    floor_seconds(warm, warm_batch)
    for p in predictors.values():
        p.query(warm, [warm_batch])

    n_cells = {p: len(cells) if p in DATA_FREE or args.data_cells is None else min(args.data_cells, len(cells))
               for p in proxies}
    scores = {p: [] for p in proxies}
    seconds = {p: [] for p in proxies}
    ratios = {p: [] for p in proxies}
    cpu_ratios = {p: [] for p in proxies}
    floors, builds, accuracy, failures = [], [], [], {p: 0 for p in proxies}
    start = time.time()
    for i, arch in enumerate(cells):
        torch.manual_seed(args.seed * 100003 + i)
        t = time.perf_counter()
        graph = build(space, arch)
        built = time.perf_counter() - t
        batch = dataset.get_batch(args.batch, seed=args.seed * 100003 + i)
        timed = i < args.speed_cells
        if timed:
            builds.append(built)
            fl, fl_cpu = floor_seconds(graph, batch)
            floors.append(fl)
        for p, predictor in predictors.items():
            if i >= n_cells[p]:
                continue
            t, c = time.perf_counter(), time.process_time()
            s = predictor.query(graph, [batch])
            dt, dc = time.perf_counter() - t, time.process_time() - c
            scores[p].append(s)
            failures[p] += s == NASLIB_FAILURE_SCORE
            if timed:
                seconds[p].append(dt)
                ratios[p].append(dt / fl)
                cpu_ratios[p].append(dc / fl_cpu)
        accuracy.append(api.query(arch, Metric.TEST_ACCURACY))
        if args.json and (i + 1) % 10 == 0:  # partial results survive an interrupted run
            Path(args.json + ".partial").write_text(json.dumps({"cells": cells[:i + 1], "scores": scores,
                                                               "accuracy": accuracy}))
        if args.verbose or (i + 1) % 10 == 0:
            print(f"  {i + 1}/{len(cells)} cells, {time.time() - start:.0f} s", file=sys.stderr, flush=True)

    result = {"cells": len(cells), "speed_cells": min(args.speed_cells, len(cells)), "batch": args.batch,
              "augmentation": dataset.augmentation("train"),
              "malloc_keeps_freed_memory": nasplug.allocator.keep_freed_memory(),
              "threads": torch.get_num_threads(), "seed": args.seed,
              "floor_s": statistics.median(floors) if floors else None,
              "build_s": statistics.median(builds) if builds else None, "proxies": {}}
    for p in proxies:
        n = n_cells[p]
        rho = spearmanr(scores[p], accuracy[:n]).correlation if n > 2 else float("nan")
        row = {"rho": rho, "cells": n, "naslib_rho": NASLIB_RHO.get(p), "failed_cells": failures[p]}
        if seconds[p]:
            sec = statistics.median(seconds[p])
            row.update(seconds=sec, ratio=statistics.median(ratios[p]), cpu_ratio=statistics.median(cpu_ratios[p]),
                       naslib_seconds=NASLIB_SECONDS.get(p))
            if p in NASLIB_SECONDS and result["build_s"] is not None:
                row["speedup_vs_naslib"] = ((NASLIB_SECONDS[p] + NASLIB_BUILD_SECONDS)
                                            / (sec + result["build_s"]))
        result["proxies"][p] = row
    return result


def check_counts(args) -> dict:
    ddir = data_dir()
    with open(ddir / "naslib" / "zc_nasbench201_sample.json") as fh:
        data = json.load(fh)["nasbench201"]
    flops, params = nasplug.get_predictor("flops"), nasplug.get_predictor("params")
    out = {}
    for dataset, cells in data.items():
        space = nasplug.get_search_space("nasbench201", dataset=dataset)
        shape_batch = torch.zeros(1, *space.input_shape)
        mismatches, times = [], {"flops": [], "params": [], "forward": []}
        for key, ref in cells.items():
            graph = build(space, key)
            t = time.perf_counter()
            f = flops.query(graph, [shape_batch])
            times["flops"].append(time.perf_counter() - t)
            t = time.perf_counter()  # baseline: the same count by a batch-1 forward pass with hooks
            reference = model_stats(graph, shape_batch, static=False)
            times["forward"].append(time.perf_counter() - t)
            if reference["flops"] / 1e6 != f:
                mismatches.append((key, "static != forward-pass count", f, reference["flops"] / 1e6))
            t = time.perf_counter()
            n = params.query(graph)
            times["params"].append(time.perf_counter() - t)
            if f != ref["flops"] or n != ref["params"]:
                mismatches.append((key, f, ref["flops"], n, ref["params"]))
        out[dataset] = {"cells": len(cells), "mismatches": len(mismatches), "examples": mismatches[:3],
                        "flops_ms": 1000 * statistics.median(times["flops"]),
                        "forward_count_ms": 1000 * statistics.median(times["forward"]),
                        "params_ms": 1000 * statistics.median(times["params"])}
        print(f"  counts {dataset}: {len(cells)} cells, {len(mismatches)} mismatches", file=sys.stderr)
    return out


def print_report(result: dict | None, counts: dict | None) -> None:
    if result:
        print(f"NAS-Bench-201 CIFAR-10: {result['cells']} seeded random cells (seed {result['seed']}), "
              f"batch {result['batch']}, {result['threads']} threads"
              + (f"; batches augmented ({result['augmentation']})" if result.get("augmentation") else "")
              + f"; malloc keeps freed memory: {result.get('malloc_keeps_freed_memory')}")
        if result["floor_s"] is not None:
            print(f"speed on {result['speed_cells']} cells: floor (fwd+bwd) {result['floor_s']:.3f} s/cell, "
                  f"build+parse {result['build_s']:.3f} s/cell (NASLib {NASLIB_BUILD_SECONDS})")
        print(f"{'proxy':<10} {'cells':>5} {'rho':>6} {'NASLib':>6} {'diff':>6} {'failed':>6}   {'s/cell':>7} "
              f"{'x floor':>7} {'cpu x':>6} {'target':>7} {'NASLib s':>8} {'speedup':>7}")
        for p, row in result["proxies"].items():
            diff = row["rho"] - row["naslib_rho"] if row.get("naslib_rho") is not None else float("nan")
            naslib = row['naslib_rho'] or float('nan')
            line = f"{p:<10} {row['cells']:>5} {row['rho']:>6.3f} {naslib:>6.2f} {diff:>+6.3f} " \
                   f"{row['failed_cells']:>6}"
            if "seconds" in row:
                target = (f"<{TARGET_SECONDS[p] * 1000:.0f}ms" if p in TARGET_SECONDS
                          else f"<={TARGET_RATIO.get(p, DEFAULT_TARGET_RATIO)}x")
                line += f"   {row['seconds']:>7.3f} {row['ratio']:>7.2f} {row['cpu_ratio']:>6.2f} {target:>7} " \
                        f"{row.get('naslib_seconds') or float('nan'):>8.2f} " \
                        f"{row.get('speedup_vs_naslib', float('nan')):>6.1f}x"
            print(line)
    if counts:
        print("flops/params vs NASLib's zc_nasbench201_sample.json:")
        for dataset, row in counts.items():
            print(f"  {dataset:<15} {row['cells']} cells, {row['mismatches']} mismatches; "
                  f"flops {row['flops_ms']:.2f} ms/cell (counting by a forward pass: "
                  f"{row['forward_count_ms']:.1f} ms, {row['forward_count_ms'] / row['flops_ms']:.0f}x), "
                  f"params {row['params_ms']:.2f} ms/cell")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=500, help="cells for quality (0: skip)")
    parser.add_argument("--data-cells", type=int, default=None,
                        help="score the data-dependent proxies on only the first N cells")
    parser.add_argument("--speed-cells", type=int, default=20, help="of those, cells timed")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--augment", action="store_true",
                        help="batches as NASLib's training loader makes them (random crop, flip)")
    parser.add_argument("--proxies", default=",".join(PROXIES))
    parser.add_argument("--check-counts", action="store_true", help="flops/params on all 491 x 3 NASLib cells")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = run_quality_and_speed(args) if args.cells > 0 else None
    counts = check_counts(args) if args.check_counts else None
    print_report(result, counts)
    if args.json:
        Path(args.json).write_text(json.dumps({"quality_speed": result, "counts": counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
