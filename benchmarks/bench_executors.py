"""Process pool vs in-process scoring, same cells, same process, for a data-dependent proxy.

    python benchmarks/bench_executors.py                       # grad_norm, 16 NB201 cells, 2 workers
    python benchmarks/bench_executors.py --predictor jacov --cells 8

Runs ``evaluate_task`` (no score store) on the same seeded cells with the
in-process executor (torch's default thread count: one process using every
core) and with the pool executor (``--workers`` spawned processes, cores//workers
torch threads each). Prints both wall times and the speedup; "cold" includes
starting the pool (spawning workers, importing torch, building the search space),
"warm" reuses the started pool. The in-process run is also timed with one torch
thread, to separate parallelism from thread oversubscription. Also checks that
both give the same scores.
"""

from __future__ import annotations

import argparse
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictor", default="grad_norm")
    parser.add_argument("--benchmark", default="nasbench201/cifar10")
    parser.add_argument("--cells", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch

    from nasplug.evaluators import evaluate_task, resolve_predictor
    from nasplug.executors import InProcessExecutor, PoolExecutor, available_cores

    space, _, task = args.benchmark.partition("/")
    opts = dict(test_size=args.cells, seed=args.seed, batch_size=args.batch_size, store=False)

    def timed(executor, **extra):
        start = time.perf_counter()
        result = evaluate_task(resolve_predictor(args.predictor), space, task, executor=executor,
                               **{**opts, **extra})
        return time.perf_counter() - start, result

    print(f"{available_cores()} cores; predictor {args.predictor} on {args.benchmark}, "
          f"{args.cells} cells, batch {args.batch_size}")
    inproc_exec = InProcessExecutor()
    timed(inproc_exec, test_size=2, seed=args.seed + 1)  # warm-up: imports, search space, data
    t_in, r_in = timed(inproc_exec)
    default_threads = torch.get_num_threads()
    print(f"inprocess ({default_threads} torch threads, the default): {t_in:7.2f} s")
    torch.set_num_threads(1)
    t_in1, _ = timed(inproc_exec)
    torch.set_num_threads(default_threads)
    print(f"inprocess (1 torch thread):                  {t_in1:7.2f} s")
    with PoolExecutor(workers=args.workers) as pool:
        t_cold, r_cold = timed(pool)
        print(f"pool x{args.workers} ({pool.worker_threads} torch thread(s) each), cold: {t_cold:7.2f} s")
        t_warm, r_warm = timed(pool)
        print(f"pool x{args.workers}, warm:                             {t_warm:7.2f} s")
    same = all(abs(a - b) <= 1e-4 * max(1.0, abs(a)) for a, b in zip(r_in["full_testpred"], r_warm["full_testpred"]))
    same = same and [c["arch"] for c in r_in["cells"]] == [c["arch"] for c in r_warm["cells"]]
    print(f"speedup pool vs inprocess with 1 thread: warm {t_in1 / t_warm:.2f}x, "
          f"cold {t_in1 / t_cold:.2f}x")
    print(f"speedup pool vs inprocess (default threads): warm {t_in / t_warm:.2f}x, cold {t_in / t_cold:.2f}x; "
          f"same scores: {'yes' if same else 'NO'}; failed cells {r_in['n_failed']}/{r_warm['n_failed']}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
