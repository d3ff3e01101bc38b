"""The five NAS-Bench-Suite-Zero proxies of issue 16 (epe_nas, l2_norm, nwot, plain, zen):
faithfulness to NASLib's stored scores, quality against ground truth, speed.

    nice python benchmarks/bench_naslib_proxies.py --faithfulness --json faith.json
    nice python benchmarks/bench_naslib_proxies.py --quality 500 --json quality.json
    nice python benchmarks/bench_naslib_proxies.py --speed 20 --json speed.json

Every score is kept in ``--store`` (a JSON file, default
``results-naslib-proxies-scores.json`` in the working directory, git-ignored, written every 10
cells) keyed by section, dataset, cell and proxy, so an interrupted or repeated run
recomputes nothing it already has (``--fresh`` ignores the store). ``--max-minutes``
stops scoring after that long and reports the cells scored so far: every section is
scored round-robin (cell i of each, then cell i + 1), so what is done is the same
seeded prefix everywhere. (The faithfulness figures in the README were taken before
the shared NAS-Bench-201/301 weights of that section were seeded.)

(a) ``--faithfulness``: nasplug's scores of NASLib's own cells against NASLib's
stored ones, each cell on its own seeded real batch and its own seeded weights
(NASLib's batch and weights are not known): l2_norm, plain and epe_nas on the 491
NAS-Bench-201 cells x 3 datasets of ``naslib/zc_nasbench201_sample.json``
(``--faith-datasets`` to choose), zen on the 200 NAS-Bench-201 cells per dataset of
``zc_extra_sample.json``, nwot on its 300 NAS-Bench-301 cells. Spearman rho
(nasplug vs NASLib) per proxy; for plain also the share of positive scores, the
median per-cell ratio |nasplug| / |NASLib| and rho against validation accuracy of
both; for epe_nas whether the cells that fail are those NASLib stored as -1e8.

(b) ``--quality N``: N seeded random NAS-Bench-201 cells (the same for the three
datasets), every proxy on a seeded real batch per cell; Spearman rho against
NAS-Bench-201 test accuracy next to NASLib's published figure
(NAS-Bench-Suite-Zero, against validation accuracy). A cell a proxy cannot score
counts as NASLib's -1e8.

(c) ``--speed N``: N CIFAR-10 cells at batch 64 (after a warm-up cell): median
seconds per query and the median ratio to the compute floor (one plain forward +
backward of the same model and batch, training mode, in the same process), wall
and CPU time.

Batches: NAS-Bench-Suite-Zero's batch of 32 (NASLib ``scripts/zc``, ``--batch_size
32``) for NAS-Bench-201, 64 for NAS-Bench-301 (the size of NASLib's stored nwot
scores: at 32 the scores are half as large); CIFAR-100 batches are the 20 distinct
images of the sample (all of them, shuffled: a batch of 32 would repeat images,
which makes nwot's kernel singular).
"""

from __future__ import annotations

import argparse
import ast
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
from nasplug.metrics import Metric
from nasplug.zerocost import NASLIB_FAILURE_SCORE

PROXIES = ("epe_nas", "l2_norm", "nwot", "plain", "zen")
DATASETS = ("cifar10", "cifar100", "ImageNet16-120")
#: NAS-Bench-Suite-Zero's rho against validation accuracy (612 NB201 cells; zen: all 15,625)
NASLIB_RHO = {
    "epe_nas": {"cifar10": 0.67, "cifar100": 0.41, "ImageNet16-120": 0.11},
    "l2_norm": {"cifar10": 0.73, "cifar100": 0.75, "ImageNet16-120": 0.73},
    "nwot": {"cifar10": 0.79, "cifar100": 0.82, "ImageNet16-120": 0.79},
    "plain": {"cifar10": -0.25, "cifar100": -0.28, "ImageNet16-120": -0.27},
    "zen": {"cifar10": 0.36, "cifar100": 0.36, "ImageNet16-120": 0.40},
}
#: issue 16: minimum Spearman against NASLib's stored scores
FAITH_THRESHOLD = {"zen": 0.95, "l2_norm": 0.90, "epe_nas": 0.85, "nwot": 0.90}
#: issue 16: speed targets (x the floor)
TARGET_RATIO = {"epe_nas": 1.5, "plain": 1.5, "l2_norm": 0.7, "nwot": 0.7, "zen": 0.7}
NB201_BATCH = 32
NB301_BATCH = 64
#: distinct images in the CIFAR-100 sample
CIFAR100_SAMPLE = 20


def data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


class Store:
    """Scores by ``section/dataset/cell/proxy``, saved as JSON (None = the proxy failed)."""

    def __init__(self, path: Path, fresh: bool) -> None:
        self.path = path
        self.data: dict = {}
        if path.is_file() and not fresh:
            self.data = json.loads(path.read_text())
        self.dirty = 0

    def get(self, *key):
        return self.data.get("/".join(map(str, key)), "missing")

    def put(self, value, *key) -> None:
        self.data["/".join(map(str, key))] = value
        self.dirty += 1

    def save(self, force: bool = False) -> None:
        if self.dirty and (force or self.dirty >= 50):
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data))
            tmp.replace(self.path)
            self.dirty = 0


def load_dataset(name: str):
    return nasplug.get_registry().get("datasets", name)(data_dir=data_dir())


def batch_size_for(dataset: str, wanted: int) -> int:
    return min(wanted, CIFAR100_SAMPLE) if dataset == "cifar100" else wanted


def build(space, spec):
    if hasattr(space, "build"):
        return space.build(spec)
    graph = space.clone()
    graph.set_spec(spec)
    return graph.parse()


def score_cell(store: Store, section: str, dataset: str, cell: str, graph_fn, batch_fn, proxies,
               predictors, failures: dict) -> dict:
    """Every proxy's score of one cell, from the store or computed (the graph built only if needed)."""
    out, todo = {}, []
    for p in proxies:
        value = store.get(section, dataset, cell, p)
        if value == "missing":
            todo.append(p)
        else:
            out[p] = value
    if todo:
        graph, batch = graph_fn(), batch_fn()
        for p in todo:
            try:
                value = predictors[p].query(graph, [batch])
            except nasplug.zerocost.ScoringError as exc:
                failures.setdefault(p, []).append(f"{cell}: {exc.reason}")
                value = None
            store.put(value, section, dataset, cell, p)
            out[p] = value
    return out


def _rho(a, b) -> float:
    return float(spearmanr(a, b).correlation) if len(a) > 2 else float("nan")


def _as_naslib(values):
    return [NASLIB_FAILURE_SCORE if v is None else v for v in values]


class Section:
    """One list of cells to score: a search space and task, the proxies, the batch size."""

    def __init__(self, name, dataset, keys, proxies, space, data, batch_size, spec=ast.literal_eval):
        self.name, self.dataset, self.keys, self.proxies = name, dataset, list(keys), tuple(proxies)
        self.space, self.data, self.batch_size, self.spec = space, data, batch_size, spec
        self.scores = {p: [] for p in self.proxies}
        self.failures: dict = {}


def score_round_robin(sections, store: Store, args, label: str) -> None:
    """Cell i of every section, then cell i + 1, ...: stopping after ``--max-minutes``
    leaves the same seeded prefix of each section scored."""
    predictors = {p: nasplug.get_predictor(p) for p in PROXIES}
    start = time.time()
    longest = max(len(s.keys) for s in sections)
    for i in range(longest):
        if args.max_minutes and time.time() - start > 60 * args.max_minutes:
            print(f"  {label}: stopped after {args.max_minutes} min at cell {i}", file=sys.stderr)
            break
        for sec in sections:
            if i >= len(sec.keys):
                continue
            key = sec.keys[i]

            def graph_fn(sec=sec, key=key, i=i):
                torch.manual_seed(args.seed * 100003 + i)
                return build(sec.space, sec.spec(key))
            s = score_cell(store, sec.name, sec.dataset, key, graph_fn,
                           lambda sec=sec, i=i: sec.data.get_batch(sec.batch_size, seed=args.seed * 100003 + i),
                           sec.proxies, predictors, sec.failures)
            for p in sec.proxies:
                sec.scores[p].append(s[p])
        store.save()
        if (i + 1) % 10 == 0:
            print(f"  {label}: {i + 1}/{longest} cells per section, {time.time() - start:.0f} s, "
                  f"load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)


def _reasons(sec, p):
    return sorted(set(r.split(": ", 1)[1] for r in sec.failures.get(p, [])))[:3]


def run_faithfulness(args, store: Store) -> dict:
    ddir = data_dir()
    base = json.loads((ddir / "naslib" / "zc_nasbench201_sample.json").read_text())["nasbench201"]
    extra = json.loads((ddir / "naslib" / "zc_extra_sample.json").read_text())
    sections = []
    for dataset in args.faith_datasets.split(","):
        torch.manual_seed(args.seed)  # the weights every cell shares (stem, residual blocks, head)
        space = nasplug.get_search_space("nasbench201", dataset=dataset)
        data = load_dataset(dataset)
        bs = batch_size_for(dataset, NB201_BATCH)
        for name, cells, proxies in (("faith201", base[dataset], ("l2_norm", "plain", "epe_nas")),
                                     ("faith201zen", extra[f"nasbench201/{dataset}/zen"], ("zen",))):
            keys = list(cells)[:args.faith_cells] if args.faith_cells else list(cells)
            sec = Section(name, dataset, keys, proxies, space, data, bs)
            sec.reference = cells
            sections.append(sec)
    cells = extra["nasbench301/cifar10/nwot"]
    keys = list(cells)[:args.faith_cells] if args.faith_cells else list(cells)
    torch.manual_seed(args.seed)
    sec = Section("faith301", "cifar10", keys, ("nwot",), nasplug.get_search_space("nasbench301", dataset="cifar10"),
                  load_dataset("cifar10"), NB301_BATCH)
    sec.reference = cells
    sections.append(sec)
    score_round_robin(sections, store, args, "faithfulness")

    result: dict = {}
    for sec in sections:
        for p in sec.proxies:
            n = len(sec.scores[p])
            keys = sec.keys[:n]
            theirs = [sec.reference[k][p] for k in keys]
            mine = _as_naslib(sec.scores[p])
            row = {"cells": n, "rho_vs_naslib": _rho(mine, theirs), "threshold": FAITH_THRESHOLD.get(p),
                   "failed": sum(v is None for v in sec.scores[p]),
                   "naslib_failed": sum(t == NASLIB_FAILURE_SCORE for t in theirs), "reasons": _reasons(sec, p),
                   "batch": sec.batch_size}
            if "val_accuracy" in sec.reference[keys[0]]:
                acc = [sec.reference[k]["val_accuracy"] for k in keys]
                row.update(rho_vs_val_ours=_rho(mine, acc), rho_vs_val_naslib=_rho(theirs, acc))
            ok = [(m, t) for m, t in zip(sec.scores[p], theirs)
                  if m is not None and t not in (0, NASLIB_FAILURE_SCORE)]
            row.update(median_ours=statistics.median(m for m, _ in ok),
                       median_naslib=statistics.median(t for _, t in ok),
                       median_ratio=statistics.median(m / t for m, t in ok))
            if p == "epe_nas":
                row["same_failed_cells"] = [v is None for v in sec.scores[p]] == [t == NASLIB_FAILURE_SCORE
                                                                                for t in theirs]
            if p == "plain":
                row.update(positive_ours=sum(m > 0 for m, _ in ok) / len(ok),
                           positive_naslib=sum(t > 0 for _, t in ok) / len(ok),
                           median_abs_ours=statistics.median(abs(m) for m, _ in ok),
                           median_abs_naslib=statistics.median(abs(t) for _, t in ok),
                           median_ratio_abs=statistics.median(abs(m) / abs(t) for m, t in ok))
            space = "nasbench301/" if sec.name == "faith301" else ""
            result.setdefault(p, {})[space + sec.dataset] = row
    return result


def run_quality(args, store: Store) -> dict:
    sections = []
    for dataset in args.quality_datasets.split(","):
        api = nasplug.get_dataset_api("nasbench201", dataset, data_dir=data_dir())
        torch.manual_seed(args.seed)  # the stem, residual blocks and head every cell shares
        space = nasplug.get_search_space("nasbench201", dataset=dataset)
        cells = random.Random(args.seed).sample(api.architectures(Metric.TEST_ACCURACY), args.quality)
        sec = Section("quality", dataset, cells, PROXIES, space, load_dataset(dataset),
                      batch_size_for(dataset, NB201_BATCH), spec=lambda key: key)
        sec.api = api
        sections.append(sec)
    score_round_robin(sections, store, args, "quality")
    result: dict = {}
    for sec in sections:
        for p in PROXIES:
            n = len(sec.scores[p])
            acc = [sec.api.query(arch, Metric.TEST_ACCURACY) for arch in sec.keys[:n]]
            rho = _rho(_as_naslib(sec.scores[p]), acc)
            naslib = NASLIB_RHO[p][sec.dataset]
            result.setdefault(p, {})[sec.dataset] = {
                "cells": n, "batch": sec.batch_size, "rho": rho, "naslib_rho": naslib, "diff": rho - naslib,
                "failed": sum(v is None for v in sec.scores[p]), "reasons": _reasons(sec, p)}
    return result


def floor_seconds(graph, batch) -> tuple[float, float]:
    """Wall and CPU seconds of one plain forward + backward (training mode) of ``graph``."""
    x, y = batch
    mode = graph.training
    graph.train()
    start, cpu = time.perf_counter(), time.process_time()
    torch.nn.functional.cross_entropy(graph(x), y).backward()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    graph.zero_grad(set_to_none=True)
    graph.train(mode)
    return elapsed, cpu


def run_speed(args) -> dict:
    api = nasplug.get_dataset_api("nasbench201", "cifar10", data_dir=data_dir())
    torch.manual_seed(args.seed)
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    data = load_dataset("cifar10")
    cells = random.Random(args.seed + 1).sample(api.architectures(Metric.TEST_ACCURACY), args.speed + 1)
    predictors = {p: nasplug.get_predictor(p, on_failure="nan") for p in PROXIES}
    floors: list[float] = []
    seconds = {p: [] for p in PROXIES}
    ratios = {p: [] for p in PROXIES}
    cpu_ratios = {p: [] for p in PROXIES}
    for i, arch in enumerate(cells):
        torch.manual_seed(args.seed * 100003 + i)
        graph = build(space, arch)
        batch = data.get_batch(args.speed_batch, seed=10**6 + i)
        fl, fl_cpu = floor_seconds(graph, batch)
        order = list(PROXIES)
        random.Random(i).shuffle(order)  # no proxy always runs first after the floor
        for p in order:
            t, c = time.perf_counter(), time.process_time()
            predictors[p].query(graph, [batch])
            dt, dc = time.perf_counter() - t, time.process_time() - c
            if i > 0:  # cell 0 warms oneDNN's kernels up
                seconds[p].append(dt)
                ratios[p].append(dt / fl)
                cpu_ratios[p].append(dc / fl_cpu)
        if i > 0:
            floors.append(fl)
    return {"cells": args.speed, "batch": args.speed_batch, "threads": torch.get_num_threads(),
            "floor_s": statistics.median(floors),
            "proxies": {p: {"seconds": statistics.median(seconds[p]), "ratio": statistics.median(ratios[p]),
                            "cpu_ratio": statistics.median(cpu_ratios[p]), "target": TARGET_RATIO[p]}
                        for p in PROXIES}}


def print_report(out: dict) -> None:
    if out.get("faithfulness"):
        print("Faithfulness: Spearman rho, nasplug vs NASLib's stored scores (a seeded real batch per cell)")
        for p, rows in out["faithfulness"].items():
            for ds, row in rows.items():
                line = f"  {p:<8} {ds:<20} {row['cells']:>4} cells  rho {row['rho_vs_naslib']:.3f}"
                line += f"  median ours {row['median_ours']:.4g} / NASLib {row['median_naslib']:.4g}"
                if row.get("threshold"):
                    line += f" (>= {row['threshold']})"
                line += f"  failed {row['failed']}"
                if "naslib_failed" in row:
                    line += f" (NASLib {row['naslib_failed']})"
                if "rho_vs_val_ours" in row:
                    line += f"  rho vs val: ours {row['rho_vs_val_ours']:.3f}, NASLib {row['rho_vs_val_naslib']:.3f}"
                if p == "plain":
                    line += (f"  positive: ours {row['positive_ours']:.2f}, NASLib {row['positive_naslib']:.2f};"
                             f" median |s| ours {row['median_abs_ours']:.4f}, NASLib {row['median_abs_naslib']:.4f},"
                             f" median ratio {row['median_ratio_abs']:.2f}")
                if "same_failed_cells" in row:
                    line += f"  same failed cells: {row['same_failed_cells']}"
                print(line)
    if out.get("quality"):
        print("Quality: Spearman rho vs NAS-Bench-201 test accuracy (NASLib: vs validation accuracy)")
        for p, rows in out["quality"].items():
            print(f"  {p:<8} " + "  ".join(
                f"{ds} {r['rho']:+.3f} (NASLib {r['naslib_rho']:+.2f}, {r['diff']:+.3f}; {r['cells']} cells, "
                f"{r['failed']} failed)"
                for ds, r in rows.items()))
    if out.get("speed"):
        s = out["speed"]
        print(f"Speed: {s['cells']} CIFAR-10 cells, batch {s['batch']}, {s['threads']} thread(s), "
              f"floor {s['floor_s']:.3f} s/cell")
        for p, r in s["proxies"].items():
            print(f"  {p:<8} {r['seconds']:.3f} s/cell  {r['ratio']:.2f}x floor (CPU {r['cpu_ratio']:.2f}x), "
                  f"target < {r['target']}x")
    print(f"load average at the end: {os.getloadavg()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faithfulness", action="store_true")
    parser.add_argument("--faith-datasets", default=",".join(DATASETS))
    parser.add_argument("--faith-cells", type=int, default=0, help="first N cells of each file (0: all)")
    parser.add_argument("--quality", type=int, default=0, help="seeded NB201 cells per dataset (0: skip)")
    parser.add_argument("--quality-datasets", default=",".join(DATASETS))
    parser.add_argument("--speed", type=int, default=0, help="timed CIFAR-10 cells (0: skip)")
    parser.add_argument("--speed-batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=0,
                        help="stop scoring after this long and report the cells scored (0: no limit)")
    parser.add_argument("--store", default="results-naslib-proxies-scores.json")
    parser.add_argument("--fresh", action="store_true", help="ignore the stored scores")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    store = Store(Path(args.store), args.fresh)
    out = {"load_average_start": os.getloadavg(), "threads": args.threads, "seed": args.seed}
    try:
        if args.faithfulness:
            out["faithfulness"] = run_faithfulness(args, store)
        if args.quality:
            out["quality"] = run_quality(args, store)
    finally:
        store.save(force=True)
    if args.speed:
        out["speed"] = run_speed(args)
    out["load_average_end"] = os.getloadavg()
    print_report(out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
