"""Thread count and OpenMP waiting on a busy machine (issue 15): is nasplug's default near the best?

For each proxy (synflow, snip, jacov) and each setting, a fresh process scores
``--cells`` NAS-Bench-201 CIFAR-10 cells (batch 64, the core's packaged CIFAR-10
sample or the data directory's images) and reports the median seconds per
query. Settings, each in its own interpreter because OpenMP reads its
environment when torch is imported:

``1``            1 torch thread
``2``            2 threads, OpenMP's default waiting (a thread spins a while before it sleeps):
                 torch's default on 2 cores, nasplug's behaviour before issue 15
``2-passive``    2 threads, ``OMP_WAIT_POLICY=PASSIVE``
``default``      nasplug's default (:func:`nasplug.threads.default_threads` and passive waiting)

Two scenarios: the machine as found, then with a deliberate background load (a
second scoring process, synflow in a loop with 2 spinning threads, running for
the whole scenario). Every figure is printed with the load average; compare
ratios within one run, never wall times across runs.

    nice python benchmarks/bench_threads.py [--cells 3] [--repeats 2] [--proxies synflow,snip,jacov]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SETTINGS = {
    "1": {"NASPLUG_THREADS": "1", "OMP_NUM_THREADS": "1"},
    "2": {"NASPLUG_THREADS": "2", "OMP_NUM_THREADS": "2"},
    "2-passive": {"NASPLUG_THREADS": "2", "OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"},
    "default": {},
}

#: the settings this run measures (--settings)
ACTIVE: list[str] = list(SETTINGS)

WORKER = r"""
import json, statistics, sys, time
import nasplug.threads as th
th.passive_waiting()
import torch, nasplug
from nasplug.data import get_dataset
proxy, cells = sys.argv[1], int(sys.argv[2])
threads = th.default_threads()
th.apply(threads)
api = nasplug.get_dataset_api("nasbench201", "cifar10")
space = nasplug.get_search_space("nasbench201", dataset="cifar10")
loader = get_dataset("cifar10").get_loader(64, 0, "train")
predictor = nasplug.get_predictor(proxy)
times = []
for i, arch in enumerate(api.sample(cells + 1, seed=0)):
    torch.manual_seed(i)
    g = space.clone(); g.set_spec(arch); g.parse()
    t = time.perf_counter(); predictor.query(g, dataloader=loader); dt = time.perf_counter() - t
    if i:  # the first query warms up (allocator, kernels)
        times.append(dt)
print(json.dumps({"threads": torch.get_num_threads(), "median": statistics.median(times),
                  "times": times}))
"""

LOAD = r"""
import sys, torch, nasplug
from nasplug.data import get_dataset
torch.set_num_threads(2)
space = nasplug.get_search_space("nasbench201", dataset="cifar10")
loader = get_dataset("cifar10").get_loader(64, 0, "train")
p = nasplug.get_predictor("snip")
i = 0
while True:
    g = space.clone(); g.sample_random_architecture(seed=i); g.parse(); p.query(g, dataloader=loader); i += 1
"""


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run_setting(proxy: str, setting: str, cells: int) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "NASPLUG_THREADS", "OMP_WAIT_POLICY", "KMP_BLOCKTIME")}
    env.update(SETTINGS[setting])
    before = load_average()
    out = subprocess.run([sys.executable, "-c", WORKER, proxy, str(cells)], env=env,
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"{proxy} {setting} failed: {out.stderr.strip().splitlines()[-1:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(load_before=before, load_after=load_average())
    return result


def scenario(name: str, proxies: list[str], cells: int, repeats: int) -> dict:
    """Every setting ``repeats`` times, in a rotated order each time, so a load that drifts
    during the scenario does not favour the settings measured first; the figure is the
    median over the repeats of each run's median seconds per query."""
    names = [n for n in SETTINGS if n in ACTIVE]
    rows: dict = {}
    print(f"\n== {name} (load average {load_average()}) ==")
    print(f"{'proxy':8s} " + " ".join(f"{s:>14s}" for s in names) + "   default / best   load")
    for proxy in proxies:
        runs: dict = {s: [] for s in names}
        loads = []
        for rep in range(repeats):
            for setting in names[rep % len(names):] + names[:rep % len(names)]:
                result = run_setting(proxy, setting, cells)
                runs[setting].append(result)
                loads.append(result["load_before"])
        medians = {s: statistics.median(r["median"] for r in runs[s]) for s in names}
        best = min(medians.values())
        rows[proxy] = {"median_s": medians, "runs": runs,
                       "default_threads": [r["threads"] for r in runs.get("default", [])],
                       "default_over_best": medians["default"] / best if "default" in medians else None}
        cols = " ".join(f"{medians[s]:11.3f} s" for s in names)
        threads_used = "/".join(str(t) for t in rows[proxy]["default_threads"]) or "-"
        ratio = f"{medians['default'] / best:.2f}x" if "default" in medians else "-"
        print(f"{proxy:8s} {cols}   {ratio} ({threads_used}t)   "
              f"{loads[0]} .. {loads[-1]}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--proxies", default="synflow,snip,jacov")
    parser.add_argument("--settings", default=",".join(SETTINGS), help="a subset of " + ", ".join(SETTINGS))
    parser.add_argument("--json", default=None, help="also write every measurement here")
    args = parser.parse_args(argv)
    proxies = args.proxies.split(",")
    ACTIVE[:] = [x for x in args.settings.split(",") if x in SETTINGS]
    print(f"cores (affinity): {len(os.sched_getaffinity(0))}; cells per setting: {args.cells}")
    report = {"as_found": scenario("as found", proxies, args.cells, args.repeats)}
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    load = subprocess.Popen([sys.executable, "-c", LOAD], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        time.sleep(20)  # let the load process start and the load average rise
        report["background_load"] = scenario("with a second scoring process (snip, 2 spinning threads)",
                                             proxies, args.cells, args.repeats)
    finally:
        load.kill()
        load.wait()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
