"""Measure search strategies on NAS-Bench-201 (README table, issue 21).

For each task: random search and aging evolution (no proxy), then the
zero-cost variants with each proxy: ``ae-warmup`` (first population = the top
10 of ``n`` random cells by the proxy), ``ae-move`` (child = proxy-best of 4
random mutations of the parent by default, ``--move ae-move`` for all 24
neighbours as in the paper; a random one with probability 0.25; plain mutation
once the proxy budget is spent) and ``proxy-top`` (the proxy's top cells of the same
``n``, queried best first). Population 10, sample size 3, 100 queries, 20 seeds.
Each proxy gets a per-search proxy budget (``--budget PROXY=N``, also the
warm-up's ``n``): scoring is the expensive part on a shared 2-core machine, and
the score store shares every cell across seeds and strategies (scored once
per proxy, task and batch).

    nice python benchmarks/bench_search.py [--tasks cifar10,cifar100,ImageNet16-120]
        [--proxies synflow,jacov] [--budget synflow=50 --budget jacov=50] [--out DIR]

(The README's table: ``--proxies synflow --budget synflow=50``.)

Writes DIR/<task>_<what>.json (``nasplug search --output``) and prints a
Markdown table (mean +- std of the best test accuracy found after 10/25/50/100
queries; regret to the best cell) with ``uptime``'s load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def search(args: list[str], out: Path) -> dict:
    cmd = [sys.executable, "-m", "nasplug", "search", *args, "--output", str(out), "--no-progress"]
    print("$", " ".join(cmd[2:]), flush=True)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    print(proc.stdout, proc.stderr, sep="\n", flush=True)
    if proc.returncode:
        raise SystemExit(f"nasplug search failed ({proc.returncode})")
    doc = json.loads(out.read_text())
    doc["wall_s"] = time.perf_counter() - started
    return doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="cifar10,cifar100,ImageNet16-120")
    parser.add_argument("--proxies", default="synflow,jacov")
    parser.add_argument("--budget", action="append", default=[], metavar="PROXY=N",
                        help="proxy evaluations per search (and warm-up n); default 100")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--out", default="bench_search_out")
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--move", default="ae-move:candidates=4",
                        help="the move-proposal strategy spec (default: 4 random mutations per move)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    budgets = {p: 100 for p in args.proxies.split(",") if p}
    for item in args.budget:
        name, _, value = item.partition("=")
        budgets[name] = int(value)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    common = ["--queries", str(args.queries), "--seeds", str(args.seeds)]
    rows = []
    for task in filter(None, args.tasks.split(",")):
        bench = ["--benchmark", f"nasbench201/{task}"]
        docs = []
        if not args.skip_baselines:
            docs.append(search(["--strategy", "random", "--strategy", "ae", *bench, *common],
                               out / f"{task}_baselines.json"))
        for proxy, n in budgets.items():
            before = load()
            doc = search(["--strategy", f"ae-warmup:n={n}", "--strategy", args.move,
                          "--strategy", f"proxy-top:n={n}", "--predictor", proxy,
                          "--proxy-budget", str(n), *bench, *common], out / f"{task}_{proxy}.json")
            doc["load"] = (before, load())
            docs.append(doc)
        for doc in docs:
            best = doc["tasks"][f"nasbench201/{task}"]["best_value"]
            for run in doc["runs"]:
                s = run["summary"]
                cells = [f"{s['at'][str(q)]['mean']:.2f} +- {s['at'][str(q)]['std']:.2f}"
                         for q in (10, 25, 50, 100) if str(q) in s["at"]]
                regret = s["at"][str(args.queries)]["regret"]
                rows.append(f"| {task} | {run['strategy']} | {run['predictor'] or '-'} | "
                            + " | ".join(cells) + f" | {regret:.2f} | {s['proxy_evals']:.0f} | "
                            f"{s['proxy_seconds']:.1f} | {best:.2f} |")
            if "load" in doc:
                print(f"load {task}: {doc['load'][0]} -> {doc['load'][1]}; wall {doc['wall_s']:.0f} s")
    print("| task | strategy | proxy | after 10 | after 25 | after 50 | after 100 | regret at "
          f"{args.queries} | proxy evals/search | proxy s/search | best cell |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
