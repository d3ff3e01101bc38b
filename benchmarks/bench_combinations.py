"""Proxy combinations against NAS-Bench-Suite-Zero: learned and unsupervised, per task and across tasks.

    NASPLUG_DATA=../shared/data OMP_NUM_THREADS=1 nice python benchmarks/bench_combinations.py score \\
        --space nasbench301 --task cifar10 --proxies flops,params,synflow,l2_norm --pool 600 --max-seconds 540
    NASPLUG_DATA=../shared/data OMP_NUM_THREADS=1 nice python benchmarks/bench_combinations.py report [--json out.json]

``score`` fills the score store (``$NASPLUG_CACHE``) with the proxies' scores of
a fixed seeded *pool* of labelled cells of one task, through ``evaluate_task``
(the code ``nasplug eval`` runs), stopping cleanly after ``--max-seconds`` (run
it again to resume: the store keeps every cell). ``report`` then measures,
without scoring anything new:

1. **Learned** (``learned:...``, XGBoost / scikit-learn HistGradientBoosting /
   LightGBM): Suite-Zero's protocol, 400 training and 200 test cells, 5 seeds;
   each seed re-splits the pool (train and test disjoint). NAS-Bench-201: NASLib's
   stored scores of its 491-cell Suite-Zero sample per dataset (the fair
   comparison: Suite-Zero fitted on exactly these numbers), against its
   validation accuracy; 491 cells cannot hold 400 + 200, so two splits:
   291 train / 200 test and 400 train / 91 test. NAS-Bench-301 and
   TransNAS-Bench-101: nasplug's scores from the store on the pool.
2. **Train size**: rho against the train size (25, 50, 100, 200, 400; on
   NAS-Bench-201 the 91-cell test split).
3. **Transfer**: fit on one task's cells and labels, predict another task's
   cells from that task's features (CIFAR-10 -> CIFAR-100 and ImageNet16-120 on
   NAS-Bench-201; class_scene -> class_object on TransNAS-Bench-101 micro),
   the test cells never among the training cells.
4. **Unsupervised**: every ensemble of 2-4 of the proxies with each combine
   rule on NAS-Bench-201 (NASLib's scores, all 491 cells), the best one per
   task against the best single proxy, and a fixed choice (synflow, jacov, snip)
   that is not selected on the data.

Suite-Zero's figures (Krishnakumar et al. 2022, Table/Fig. on XGBoost with
zero-cost features): NB201 0.941 / 0.939 / 0.931, NB301 0.58, TNB101 micro
0.68-0.92 (per task). Every measured number comes with ``uptime``'s load average.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

SUITE_ZERO = {  # Spearman rho of XGBoost on zero-cost features, 400 train / 200 test (issue 20)
    ("nasbench201", "cifar10"): 0.941, ("nasbench201", "cifar100"): 0.939,
    ("nasbench201", "ImageNet16-120"): 0.931, ("nasbench301", "cifar10"): 0.58,
}
SUITE_ZERO_TNB = (0.68, 0.92)
SAMPLE = "zc_nasbench201_sample.json"
NB201_TASKS = ("cifar10", "cifar100", "ImageNet16-120")
SEEDS = (0, 1, 2, 3, 4)
TRAIN_SIZES = (25, 50, 100, 200, 400)
MODELS = ("xgboost", "hgb", "lightgbm")


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def pool_cells(api, n: int) -> list[str]:
    """The fixed pool of labelled cells a task's measurements draw from (seeded, in sample order)."""
    cells = [str(a) for a in api.architectures()]
    return random.Random(f"bench-combinations-pool:{n}").sample(cells, min(n, len(cells)))


def naslib_sample_cells(task: str) -> list[str]:
    """The NB201 cells of NASLib's Suite-Zero sample for ``task`` (official strings, file order)."""
    return naslib_features(task).cells


def task_options(space: str) -> dict:
    """TransNAS-Bench-101 has no images here: its proxies run on synthetic inputs (labelled so)."""
    return {"synthetic": True} if space.startswith("transbench101") else {}


# -- score ---------------------------------------------------------------------------

def cmd_score(args) -> int:
    import nasplug
    from nasplug.evaluators import evaluate_task
    from nasplug.store import ScoreStore

    api = nasplug.get_dataset_api(args.space, args.task)
    pool = naslib_sample_cells(args.task) if args.naslib_cells else pool_cells(api, args.pool)
    started = time.time()
    print(f"{args.space}/{args.task}: pool of {len(pool)} cells; {load()}", flush=True)
    with ScoreStore() as store:
        for proxy in args.proxies.split(","):
            t0, done, failed = time.time(), 0, 0
            for start in range(0, len(pool), args.chunk):
                if time.time() - started > args.max_seconds:
                    print(f"stopped after {time.time() - started:.0f} s (--max-seconds); rerun to resume; "
                          f"{load()}", flush=True)
                    return 0
                part = pool[start:start + args.chunk]
                r = evaluate_task(proxy, args.space, args.task, archs=part, test_size=len(part),
                                  batch_size=args.batch_size, store=store, **task_options(args.space))
                done += len(part) - r["cached"]
                failed += r["n_failed"]
            print(f"{proxy}: {done} cells scored now ({failed} failed in all) in {time.time() - t0:.0f} s; "
                  f"{load()}", flush=True)
    return 0


# -- report ----------------------------------------------------------------------------

def rho(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


class Features:
    """Per-cell features and labels of one task: NASLib's stored scores or nasplug's from the store."""

    def __init__(self, space: str, task: str, cells: list[str], names: list[str], values: dict,
                 labels: dict, source: str) -> None:
        self.space, self.task, self.cells, self.names = space, task, cells, names
        self.values, self.labels, self.source = values, labels, source

    def matrix(self, cells, names=None):
        import numpy as np

        names = self.names if names is None else names
        return np.array([[self.values[c][n] for n in names] for c in cells], dtype=float)

    def y(self, cells):
        return [self.labels[c] for c in cells]


def naslib_features(task: str) -> Features:
    """NASLib's stored scores and validation accuracy of the 491-cell NB201 sample, through
    ``naslib:<proxy>`` predictors (nasplug.naslib_scores) and the benchmark reading the same file."""
    from nasplug.config import get_data_dir
    from nasplug.naslib_scores import NaslibScores, file_proxies
    from nasplug.population import PopulationContext, score_population
    from nasplug_nb201.benchmark import NasBench201Benchmark

    zc = get_data_dir() / "naslib" / SAMPLE
    bench = NasBench201Benchmark(task, zc_path=zc)  # default metric: NASLib's val_accuracy
    ctx = PopulationContext("nasbench201", task, seed=0, dataset_api=bench)
    names = file_proxies(ctx, SAMPLE)
    cells = NaslibScores(names[0], file=SAMPLE).candidate_cells(ctx)
    values = {c: {} for c in cells}
    for name in names:
        r = score_population(NaslibScores(name, file=SAMPLE), ctx, cells, None)
        for c in cells:
            values[c][name] = r.scores.get(c, float("nan"))
    labels = dict(zip(cells, ctx.labels(cells)))
    return Features("nasbench201", task, cells, names, values, labels, f"NASLib's stored scores ({SAMPLE})")


def store_features(space: str, task: str, proxies: list[str], pool: int, batch_size: int,
                   cells: list[str] | None = None) -> Features:
    """nasplug's scores of the pool (or ``cells``) read from the score store under the keys
    ``nasplug eval`` uses (nothing is scored); cells missing a proxy are dropped."""
    import nasplug
    from nasplug.evaluation.predictors import resolve
    from nasplug.evaluation.settings import BatchSettings
    from nasplug.evaluation.tasks import prepare_task
    from nasplug.store import ScoreStore, StoreKey

    api = nasplug.get_dataset_api(space, task)
    cells = pool_cells(api, pool) if cells is None else cells
    prepared = prepare_task(space, task, BatchSettings(batch_size=batch_size, **task_options(space)))
    values: dict = {c: {} for c in cells}
    failed = 0
    with ScoreStore() as store:
        for proxy in proxies:
            r = resolve(proxy)
            key = StoreKey(r.name, r.version, prepared.task, prepared.settings.seed, prepared.batch_key())
            for cell, stored in store.lookup(key, cells).items():
                if stored.failed:
                    failed += 1
                else:
                    values[cell][proxy] = stored.score
    complete = [c for c in cells if len(values[c]) == len(proxies)]
    if len(complete) < 20:
        raise SystemExit(f"only {len(complete)} of {len(cells)} cells have every one of {', '.join(proxies)} "
                         "in the score store: run 'score' first")
    labels = {c: float(api.query(c, metric=api.default_metric, dataset=task)) for c in complete}
    return Features(space, task, complete, list(proxies), values, labels,
                    f"nasplug's scores from the score store ({len(complete)} of {len(cells)} pool cells "
                    f"complete, {failed} failed)")


def fit_predict(model: str, X_train, y_train, X_test, seed: int):
    from nasplug.learned import make_model

    m = make_model(model, seed)
    m.fit(X_train, y_train)
    return m.predict(X_test)


def with_encoding(space: str, cells, X):
    import numpy as np

    from nasplug.learned import compact_encoding, one_hot

    return np.hstack([X, one_hot([compact_encoding(space, c) for c in cells])])


def learned_runs(f: Features, n_train: int, n_test: int, model: str, encoding: bool = False,
                 seeds=SEEDS) -> list[float]:
    out = []
    for seed in seeds:
        rng = random.Random(f"split:{seed}")
        cells = rng.sample(f.cells, n_train + n_test)
        train, test = cells[:n_train], cells[n_train:]
        assert not set(train) & set(test)
        X = f.matrix(train + test)
        if encoding:
            X = with_encoding(f.space, train + test, X)
        pred = fit_predict(model, X[:n_train], f.y(train), X[n_train:], seed)
        out.append(rho(f.y(test), pred))
    return out


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} +- {statistics.stdev(values):.3f}"


def cmd_report(args) -> int:

    from nasplug.ensemble import COMBINES

    report: dict = {"load_start": load(), "learned": [], "train_size": [], "transfer": [],
                    "unsupervised": [], "models_seconds": {}}
    print(f"report; {load()}", flush=True)
    nb201 = {t: naslib_features(t) for t in NB201_TASKS} if args.nb201 else {}
    naslib_c10 = nb201.get("cifar10") or (naslib_features("cifar10") if args.recomputed else None)
    sections = set(args.sections.split(","))
    if nb201:
        common = set.intersection(*(set(f.cells) for f in nb201.values()))
        print(f"NB201: NASLib's sample, {', '.join(f'{t} {len(f.cells)}' for t, f in nb201.items())} cells, "
              f"{len(common)} common; features {', '.join(nb201['cifar10'].names)}", flush=True)

    # 1. learned, per task, per model
    tasks = [(nb201[t], ((291, 200), (400, 91))) for t in nb201]
    others = []
    for spec in args.store_task:
        space, task, proxies, *bs = spec.split(":")
        try:
            others.append(store_features(space, task, proxies.split(","), args.pool,
                                         int(bs[0]) if bs else args.batch_size))
        except SystemExit as exc:
            print(f"{space}/{task}: skipped: {exc}", flush=True)
    for f in others:
        n = len(f.cells)
        tasks.append((f, ((400, 200),) if n >= 600 else ((n - 200, 200),) if n > 300 else ((n // 2, n - n // 2),)))
    for f, splits in (tasks if "learned" in sections else []):
        for n_train, n_test in splits:
            for model in (MODELS if args.models == "all" else args.models.split(",")):
                for encoding in ((False, True) if model == args.curve_model else (False,)):
                    t0 = time.process_time()
                    values = learned_runs(f, n_train, n_test, model, encoding)
                    cpu = (time.process_time() - t0) / len(SEEDS)
                    anchor = SUITE_ZERO.get((f.space, f.task))
                    row = {"task": f"{f.space}/{f.task}", "features": f.names, "source": f.source,
                           "train": n_train, "test": n_test, "model": model, "encoding": encoding,
                           "rho": values, "mean": statistics.mean(values), "suite_zero": anchor,
                           "fit_cpu_s": cpu, "load": load()}
                    report["learned"].append(row)
                    print(f"learned {row['task']:32s} {model:8s} enc={'y' if encoding else 'n'} "
                          f"{n_train}/{n_test}: rho {summary(values)}  (Suite-Zero {anchor or SUITE_ZERO_TNB}) "
                          f"fit {cpu:.2f} s CPU; {load()}", flush=True)

    model = args.curve_model
    # 2. rho vs train size
    for f in (list(nb201.values()) + others if "curve" in sections else []):
        n_test = 91 if f.space == "nasbench201" else min(200, len(f.cells) // 3)
        for n_train in TRAIN_SIZES:
            if n_train + n_test > len(f.cells):
                continue
            values = learned_runs(f, n_train, n_test, model)
            report["train_size"].append({"task": f"{f.space}/{f.task}", "train": n_train, "test": n_test,
                                         "model": model, "rho": values, "load": load()})
            print(f"train size {f.space}/{f.task:16s} {n_train:4d} (test {n_test}): rho {summary(values)}", flush=True)

    # 3. transfer
    pairs = [(nb201["cifar10"], nb201[t]) for t in ("cifar100", "ImageNet16-120")] if nb201 else []
    by_task = {f.task: f for f in others}
    if "class_scene" in by_task and "class_object" in by_task:
        pairs.append((by_task["class_scene"], by_task["class_object"]))
    for src, dst in (pairs if "transfer" in sections else []):
        shared = [c for c in src.cells if c in set(dst.cells)]
        names = [n for n in src.names if n in dst.names]
        n_test = 200 if len(shared) >= 600 else 91 if len(shared) >= 491 else len(shared) // 3
        n_train = min(400, len(shared) - n_test)
        values, same = [], []
        for seed in SEEDS:
            cells = random.Random(f"transfer:{seed}").sample(shared, n_train + n_test)
            train, test = cells[:n_train], cells[n_train:]
            pred = fit_predict(model, src.matrix(train, names), src.y(train), dst.matrix(test, names), seed)
            values.append(rho(dst.y(test), pred))
            own = fit_predict(model, dst.matrix(train, names), dst.y(train), dst.matrix(test, names), seed)
            same.append(rho(dst.y(test), own))
        row = {"train_task": f"{src.space}/{src.task}", "test_task": f"{dst.space}/{dst.task}",
               "train": n_train, "test": n_test, "model": model, "rho": values, "rho_trained_on_target": same,
               "load": load()}
        report["transfer"].append(row)
        print(f"transfer {src.task} -> {dst.task}: rho {summary(values)} (trained on {dst.task} itself: "
              f"{summary(same)}); {n_train}/{n_test}", flush=True)

    # 4. unsupervised combinations on NB201 (NASLib's scores, every cell of the sample)
    for t, f in (nb201.items() if "unsupervised" in sections else []):
        y = f.y(f.cells)
        singles = {n: rho(y, f.matrix(f.cells, [n])[:, 0]) for n in f.names}
        best_single = max(singles, key=singles.get)
        results = []
        for k in (2, 3, 4):
            for combo in itertools.combinations(f.names, k):
                m = f.matrix(f.cells, list(combo))
                for rule, fn in COMBINES.items():
                    results.append((rho(y, fn(m)), combo, rule))
        results.sort(reverse=True)
        fixed = {rule: rho(y, fn(f.matrix(f.cells, ["synflow", "jacov", "snip"]))) for rule, fn in COMBINES.items()}
        best = results[0]
        row = {"task": f"nasbench201/{t}", "cells": len(f.cells), "singles": singles,
               "best_single": [best_single, singles[best_single]],
               "best_combination": {"rho": best[0], "members": list(best[1]), "combine": best[2]},
               "top5": [{"rho": r, "members": list(c), "combine": g} for r, c, g in results[:5]],
               "synflow_jacov_snip": fixed, "n_combinations": len(results), "load": load()}
        report["unsupervised"].append(row)
        print(f"unsupervised {t}: best single {best_single} {singles[best_single]:.3f}; best combination "
              f"{'+'.join(best[1])} ({best[2]}) {best[0]:.3f} of {len(results)}; synflow+jacov+snip "
              + ", ".join(f"{k} {v:.3f}" for k, v in fixed.items()), flush=True)

    for f in (others if "unsupervised" in sections else []):
        y = f.y(f.cells)
        singles = {n: rho(y, f.matrix(f.cells, [n])[:, 0]) for n in f.names}
        combos = [(rho(y, fn(f.matrix(f.cells, list(c)))), c, g) for k in range(2, len(f.names) + 1)
                  for c in itertools.combinations(f.names, k) for g, fn in COMBINES.items()]
        combos.sort(reverse=True)
        best_single = max(singles, key=singles.get)
        row = {"task": f"{f.space}/{f.task}", "cells": len(f.cells), "singles": singles,
               "best_single": [best_single, singles[best_single]],
               "best_combination": {"rho": combos[0][0], "members": list(combos[0][1]), "combine": combos[0][2]}
               if combos else None, "load": load()}
        report["unsupervised"].append(row)
        print(f"unsupervised {f.space}/{f.task}: singles " + ", ".join(f"{k} {v:.3f}" for k, v in singles.items())
              + (f"; best combination {'+'.join(combos[0][1])} ({combos[0][2]}) {combos[0][0]:.3f}" if combos else ""),
              flush=True)

    # 5. the same cells, NASLib's stored scores against nasplug's recomputed ones (NB201 CIFAR-10)
    if args.recomputed and naslib_c10 is not None:
        theirs = naslib_c10
        proxies = args.recomputed.split(",")
        try:
            ours = store_features("nasbench201", "cifar10", proxies, 0, args.batch_size, cells=theirs.cells)
        except SystemExit as exc:
            ours = None
            print(f"recomputed: skipped: {exc}", flush=True)
        if ours is not None:
            cells = ours.cells
            y = theirs.y(cells)  # NASLib's validation accuracy for both
            row: dict = {"cells": len(cells), "proxies": proxies, "single": {}, "ensemble": {}, "learned": {},
                         "load": load()}
            for n in proxies:
                a, b = ours.matrix(cells, [n])[:, 0], theirs.matrix(cells, [n])[:, 0]
                row["single"][n] = {"nasplug": rho(y, a), "naslib": rho(y, b), "agreement": rho(a, b)}
            for rule, fn in COMBINES.items():
                row["ensemble"][rule] = {"nasplug": rho(y, fn(ours.matrix(cells, proxies))),
                                         "naslib": rho(y, fn(theirs.matrix(cells, proxies)))}
            ours.labels = {c: theirs.labels[c] for c in cells}
            sub = Features("nasbench201", "cifar10", cells, proxies, theirs.values, theirs.labels, theirs.source)
            n_test = 200
            for name, f in (("nasplug", ours), ("naslib", sub)):
                row["learned"][name] = learned_runs(f, len(cells) - n_test, n_test, model)
            report["recomputed"] = row
            print("recomputed vs NASLib on " + f"{len(cells)} NB201 CIFAR-10 cells (rho vs NASLib's val acc): "
                  + "; ".join(f"{n} {v['nasplug']:.3f} vs {v['naslib']:.3f} (agree {v['agreement']:.3f})"
                              for n, v in row["single"].items())
                  + "; ensembles " + ", ".join(f"{k} {v['nasplug']:.3f} vs {v['naslib']:.3f}"
                                               for k, v in row["ensemble"].items())
                  + f"; learned {model} {len(cells) - n_test}/{n_test}: {summary(row['learned']['nasplug'])} vs "
                  f"{summary(row['learned']['naslib'])}", flush=True)

    report["load_end"] = load()
    print(f"done; {load()}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("score", help="fill the score store for a pool of cells (resumable)")
    s.add_argument("--space", required=True)
    s.add_argument("--task", required=True)
    s.add_argument("--proxies", required=True)
    s.add_argument("--pool", type=int, default=600)
    s.add_argument("--naslib-cells", action="store_true",
                   help="score the cells of NASLib's NB201 sample instead of a pool (NB201 only)")
    s.add_argument("--chunk", type=int, default=25)
    s.add_argument("--batch-size", type=int, default=64)
    s.add_argument("--max-seconds", type=float, default=540)
    r = sub.add_parser("report", help="measure (no new scoring)")
    r.add_argument("--store-task", action="append", default=[], metavar="SPACE:TASK:P1,P2[:BATCH]",
                   help="a task measured on nasplug's stored scores of the pool (repeatable; BATCH: the "
                        "batch size it was scored with, default --batch-size)")
    r.add_argument("--pool", type=int, default=600)
    r.add_argument("--batch-size", type=int, default=64)
    r.add_argument("--models", default="all")
    r.add_argument("--sections", default="learned,curve,transfer,unsupervised",
                   help="comma-separated: learned, curve, transfer, unsupervised (recomputed runs with --recomputed)")
    r.add_argument("--recomputed", default=None, metavar="P1,P2",
                   help="compare nasplug's stored scores of these proxies on NASLib's NB201 CIFAR-10 "
                        "cells ('score --naslib-cells' first) with NASLib's")
    r.add_argument("--no-nb201", dest="nb201", action="store_false",
                   help="skip the NAS-Bench-201 measurements on NASLib's stored scores")
    r.add_argument("--curve-model", default="xgboost")
    r.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    return cmd_score(args) if args.command == "score" else cmd_report(args)


if __name__ == "__main__":
    sys.exit(main())
