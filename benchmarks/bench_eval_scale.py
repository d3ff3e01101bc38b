"""Score every NAS-Bench-201 cell with one cheap proxy in a single run; watch memory.

NASLib users report running out of memory at about 6,000 cells. This runs the
same engine as ``nasplug eval`` (evaluate_task, in-process executor, a fresh
SQLite score store committed per architecture) over ``--cells`` architectures
(default: all 15,625) and samples the process RSS as it goes.

    python benchmarks/bench_eval_scale.py                 # all 15,625 cells, params
    python benchmarks/bench_eval_scale.py --cells 2000 --predictor flops

Prints RSS after setup, at every 10% of the cells, the peak, and the growth
from 25% to 100% of the run; exits non-zero if the peak is 1 GB or more.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=15625)
    parser.add_argument("--predictor", default="params")
    parser.add_argument("--benchmark", default="nasbench201/cifar10")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()

    os.environ.setdefault("NASPLUG_CACHE", tempfile.mkdtemp(prefix="nasplug-scale-"))
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from nasplug.evaluators import evaluate_task, resolve_predictor
    from nasplug.executors import InProcessExecutor
    from nasplug.store import ScoreStore

    space, _, task = args.benchmark.partition("/")
    predictor = resolve_predictor(args.predictor)
    base = rss_mb()
    peak = [base]
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
            time.sleep(0.2)

    checkpoints: list[tuple[int, float, float]] = []
    step = max(1, args.cells // 10)

    class Watched(InProcessExecutor):
        def map(self, fn, jobs):
            done = 0
            for result in super().map(fn, jobs):
                done += len(result)
                if done % step == 0 or done == args.cells:
                    checkpoints.append((done, time.perf_counter() - start, rss_mb()))
                    print(f"  {done:>6} cells  {checkpoints[-1][1]:8.1f} s  RSS {checkpoints[-1][2]:7.1f} MB",
                          file=sys.stderr, flush=True)
                yield result

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    store = ScoreStore()
    start = time.perf_counter()
    result = evaluate_task(predictor, space, task, test_size=args.cells, seed=0,
                           batch_size=args.batch_size, executor=Watched(), store=store)
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    stored = store.count()
    store.close()
    peak_mb = max(peak[0], *(c[2] for c in checkpoints)) if checkpoints else peak[0]
    quarter = next((c for c in checkpoints if c[0] >= args.cells // 4), checkpoints[0])
    final = checkpoints[-1]
    print(f"predictor {result['predictor']} on {result['task']}: {result['n_scored']} scored, "
          f"{result['n_failed']} failed, {stored} rows in the score store")
    print(f"kendall tau {result['kendalltau']:.4f}  spearman {result['spearman']:.4f}")
    print(f"wall {wall:.1f} s = {args.cells / wall:.1f} cells/s ({wall / args.cells * 1000:.1f} ms/cell)")
    print(f"RSS: after setup {base:.0f} MB, at 25% ({quarter[0]} cells) {quarter[2]:.0f} MB, "
          f"at 100% {final[2]:.0f} MB, peak {peak_mb:.0f} MB; "
          f"growth 25%->100%: {final[2] - quarter[2]:+.0f} MB")
    ok = peak_mb < 1024
    print("memory: flat and under 1 GB" if ok else "memory: PEAK ABOVE 1 GB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
