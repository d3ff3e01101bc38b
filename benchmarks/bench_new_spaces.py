"""Proxy quality and cost on NAS-Bench-101 and TransNAS-Bench-101 macro (issue 17).

For each task: a seeded sample of ``--cells`` labelled architectures; per cell one
network (weights seeded per cell) and one seeded batch; every proxy scores the same
network and batch (``query``; a failure counts as NASLib's -1e8); Spearman rho
against the benchmark's ground truth (NB101: NASLib's ``val_accuracy``; macro: the
NAS-Bench-Suite-Zero column of the task), and the median seconds per cell of each
proxy (network built once per cell, not counted; build time reported apart).

Runs resume: scores go to ``--out`` (JSON) after every cell, and a rerun skips what
is there, so a long measurement can be split into runs of ``--budget-s`` seconds.
The load average (``os.getloadavg``) is recorded at the start and end of each run.

    OMP_NUM_THREADS=1 nice python benchmarks/bench_new_spaces.py --space nasbench101 --cells 300 \\
        --proxies params,flops --out nb101.json
    python benchmarks/bench_new_spaces.py --space transbench101_macro --tasks jigsaw,normal \\
        --cells 40 --proxies zen,params --out macro.json
    python benchmarks/bench_new_spaces.py --report nb101.json macro.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

MACRO_TASKS = ("class_scene", "class_object", "jigsaw", "room_layout", "segmentsemantic", "normal", "autoencoder")


def M_to_str(space: str, arch_text: str) -> str:
    """The benchmark's canonical string of a NASLib key (macro tuples -> '64-...-basic')."""
    if space == "transbench101_macro":
        from nasplug_tnb101.macro_encoding import to_arch_str

        return to_arch_str(arch_text)
    return arch_text


def _load(path):
    if path and os.path.isfile(path):
        with open(path) as fh:
            return json.load(fh)
    return {"runs": [], "tasks": {}}


def _save(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def measure(args) -> None:
    import torch

    import nasplug
    from nasplug.population import cell_components, is_population_predictor
    from nasplug.testing.fixtures import load_batch

    torch.set_num_threads(1)
    data = _load(args.out)
    run = {"start": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "load_start": os.getloadavg(),
           "batch_size": args.batch_size, "resolution": args.resolution, "threads": 1}
    deadline = time.monotonic() + args.budget_s
    registry = nasplug.get_registry()
    names = registry.names("predictors") if args.proxies == "all" else args.proxies.split(",")
    names = [n for n in names if n not in ("myplugin",)]  # the tutorial's copy of params
    tasks = args.tasks.split(",") if args.tasks else list(registry.get("search_spaces", args.space).datasets)
    space_cls = args.space
    stop = False
    for task in tasks:
        api = nasplug.get_dataset_api(args.space, task)
        if args.archs_from:  # NASLib's cells: "<file>:<key>", e.g. zc_extra_sample.json's macro zen entries
            path, _, key = args.archs_from.rpartition(":")
            with open(path) as fh:
                listed = json.load(fh)[key.replace("{task}", task)]
            archs = [M_to_str(space_cls, a) for a in listed][:args.cells]
            entry_ref = {M_to_str(space_cls, a): v for a, v in listed.items()}
        else:
            archs = api.architectures()
            archs = archs if args.cells >= len(archs) else api.sample(args.cells, seed=args.seed)
            entry_ref = {}
        entry = data["tasks"].setdefault(f"{args.space}/{task}", {"truth": {}, "scores": {}, "seconds": {},
                                                                    "build_s": {}})
        ss = nasplug.get_search_space(args.space, dataset=task)
        if entry_ref:
            entry.setdefault("reference", {}).update(entry_ref)
        options = {"resolution": args.resolution} if args.resolution and task in MACRO_TASKS else {}
        predictors = {}
        for name in names:
            try:
                predictors[name] = nasplug.get_predictor(name)
                predictors[name].pre_process()
            except Exception as exc:  # a proxy that cannot start: reported, not fatal
                print(f"{name}: cannot construct ({type(exc).__name__}: {exc})", file=sys.stderr)
        for index, arch in enumerate(archs):
            if index < args.start:
                continue
            todo = [n for n in predictors if arch not in entry["scores"].get(n, {})]
            if not todo:
                continue
            if time.monotonic() > deadline:
                stop = True
                break
            entry["truth"][arch] = api.query(arch)
            x, y, synthetic = load_batch(task, args.batch_size, seed=args.seed * 100003 + index,
                                         synthetic=None, **options)
            t0 = time.perf_counter()
            with torch.random.fork_rng():
                torch.manual_seed(args.seed * 1000003 + index)
                graph = ss.clone()
                graph.set_spec(arch)
                graph.parse()
            entry["build_s"][arch] = time.perf_counter() - t0
            for name in todo:
                t0 = time.perf_counter()
                try:
                    with torch.random.fork_rng():
                        torch.manual_seed(args.seed)
                        if is_population_predictor(predictors[name]):  # components now, combined in report
                            score = cell_components(predictors[name], graph, [(x, y)])
                        else:
                            score = float(predictors[name].query(graph, dataloader=[(x, y)]))
                    if not isinstance(score, dict) and not math.isfinite(score):
                        score = -1e8
                except Exception as exc:
                    print(f"{name} on {arch}: {type(exc).__name__}: {exc}"[:300], file=sys.stderr)
                    score = -1e8
                entry["seconds"].setdefault(name, {})[arch] = time.perf_counter() - t0
                entry["scores"].setdefault(name, {})[arch] = score
            entry["synthetic"] = synthetic
            _save(args.out, data)
            print(f"{task} cell {index + 1}/{len(archs)} done ({len(todo)} proxies)", flush=True)
        if stop:
            break
    run["end"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    run["load_end"] = os.getloadavg()
    data["runs"].append(run)
    _save(args.out, data)


def _combined(name, scores, cells):
    """Scores of a population predictor (stored as per-cell components): its ``combine`` over
    the cells measured (a failed cell, -1e8, stays -1e8); other proxies unchanged."""
    good = [(c, s) for c, s in zip(cells, scores) if isinstance(s, dict)]
    if not good:
        return scores
    import nasplug
    from nasplug.population import Population

    predictor = nasplug.get_predictor(name)
    names = tuple(predictor.component_names)
    population = Population(cells=tuple(c for c, _ in good), extra=(), components=dict(good), names=names,
                            context=None)
    combined = predictor.combine(population)
    return [combined[c] if isinstance(s, dict) else s for c, s in zip(cells, scores)]


def _merge(paths) -> dict:
    """The result files as one: per task, the union of cells and proxies."""
    merged = {"runs": [], "tasks": {}}
    for path in paths:
        data = _load(path)
        merged["runs"].extend(data["runs"])
        for task, entry in data["tasks"].items():
            into = merged["tasks"].setdefault(task, {"truth": {}, "scores": {}, "seconds": {}, "build_s": {}})
            into["truth"].update(entry["truth"])
            into["build_s"].update(entry["build_s"])
            into["synthetic"] = entry.get("synthetic")
            into.setdefault("reference", {}).update(entry.get("reference", {}))
            for key in ("scores", "seconds"):
                for name, values in entry[key].items():
                    into[key].setdefault(name, {}).update(values)
    return merged


def report(paths) -> None:
    from scipy.stats import spearmanr

    data = _merge(paths)
    for run in data["runs"]:
        print(f"# run {run['start']} .. {run.get('end')}: load average {run['load_start']} -> "
              f"{run.get('load_end')}, batch {run['batch_size']}, resolution {run.get('resolution')}")
    if True:
        for task, entry in data["tasks"].items():
            builds = list(entry["build_s"].values())
            print(f"\n{task}: {len(entry['truth'])} cells, build+parse median "
                  f"{statistics.median(builds) if builds else float('nan'):.3f} s"
                  f"{' [synthetic inputs]' if entry.get('synthetic') else ''}")
            print(f"{'proxy':<10} {'n':>4} {'rho':>7} {'s/cell':>8} {'failed':>6}")
            for name in sorted(entry["scores"]):
                cells = [a for a in entry["scores"][name] if a in entry["truth"]]
                scores = _combined(name, [entry["scores"][name][a] for a in cells], cells)
                truth = [entry["truth"][a] for a in cells]
                rho = spearmanr(scores, truth).statistic if len(cells) > 2 else float("nan")
                secs = statistics.median(entry["seconds"][name][a] for a in cells) if cells else float("nan")
                failed = sum(s == -1e8 for s in scores)
                ref = entry.get("reference", {})
                shared = [(s, ref[a][name]) for s, a in zip(scores, cells) if a in ref and name in ref[a]]
                agree = ""
                if len(shared) > 2:
                    truth_shared = [entry["truth"][a] for a in cells if a in ref and name in ref[a]]
                    own = spearmanr([v for _, v in shared], truth_shared).statistic
                    agree = (f"  vs the file's {name}: rho {spearmanr(*zip(*shared)).statistic:.3f} on "
                             f"{len(shared)}; the file's own rho {own:.3f}")
                print(f"{name:<10} {len(cells):>4} {rho:>7.3f} {secs:>8.3f} {failed:>6}{agree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", default="nasbench101")
    parser.add_argument("--tasks", default="", help="comma-separated (default: every task of the space)")
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--proxies", default="all")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--resolution", type=int, default=None, help="TransNAS-Bench-101 input side")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0,
                        help="skip the first cells of the sample (run a second process on a later part)")
    parser.add_argument("--budget-s", type=float, default=540.0, help="stop starting new cells after this")
    parser.add_argument("--out", default="bench_new_spaces.json")
    parser.add_argument("--archs-from", default="",
                        help="score the cells listed in a NASLib JSON file instead of a sample: PATH:KEY, "
                             "KEY may contain {task} (e.g. zc_extra_sample.json:transbench101_macro/{task}/zen); "
                             "the report compares with the file's scores")
    parser.add_argument("--report", nargs="*", help="print the table of these result files and exit")
    args = parser.parse_args()
    if args.report is not None:
        report(args.report or [args.out])
        return
    try:
        os.nice(10)
    except OSError:
        pass
    measure(args)
    report([args.out])


if __name__ == "__main__":
    main()
