"""TransNAS-Bench-101 micro: cost of the evaluator's per-cell path and of one proxy per cell.

    python benchmarks/bench_tnb101.py [--tasks class_scene,jigsaw] [--cells 3] [--threads 1]
                                      [--predictor grad_norm] [--skip-naslib]

For each task, on ``--cells`` cells sampled from the benchmark (seed 0):

* ``build``: ``ss.clone(); g.set_spec(arch); g.parse()`` (what ``nasplug eval`` does per cell);
* ``proxy``: one ``--predictor`` query (default grad_norm: one forward + backward) on the
  task's synthetic batch with the dataset's defaults (resolution 64, jigsaw 9 tiles of 32,
  batch capped at ``max_batch_size``);
* baseline, same process and cells: the same query at NASLib's input size (256, jigsaw
  tiles of 64) and the same batch size; ``ratio`` = default / NASLib-size time.

Also: cloning the unsampled search space (meta-device candidates shared) against a plain
``copy.deepcopy`` of it. Synthetic data only; times are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time


def _timeit(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    import torch

    import nasplug
    from nasplug_tnb101.data import DATASET_CLASSES, DEFAULT_MAX_BATCH
    from nasplug_tnb101.tasks import TASK_NAMES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(TASK_NAMES))
    parser.add_argument("--cells", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--predictor", default="grad_norm")
    parser.add_argument("--skip-naslib", action="store_true", help="skip the NASLib-size baseline")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]

    ss = nasplug.get_search_space("transbench101_micro", dataset="class_scene")
    t_clone = _timeit(ss.clone, repeat=5)
    t_deep = _timeit(lambda: copy.deepcopy(ss), repeat=5)
    print(f"clone of the unsampled space: {t_clone * 1e3:.1f} ms; plain deepcopy {t_deep * 1e3:.1f} ms "
          f"(ratio {t_clone / t_deep:.2f})")
    print(f"torch threads {args.threads}; predictor {args.predictor}; {args.cells} cells per task\n")
    header = (f"{'task':<16}{'batch':>6}{'input':>18}{'build s':>9}{'proxy s':>9}"
              f"{'NASLib-size s':>15}{'ratio':>7}")
    print(header)
    print("-" * len(header))
    for task in tasks:
        ss = nasplug.get_search_space("transbench101_micro", dataset=task)
        api = nasplug.get_dataset_api("transbench101_micro", task)
        archs = api.sample(args.cells, seed=0)
        ds = DATASET_CLASSES[task](synthetic=True)
        ds_naslib = DATASET_CLASSES[task](synthetic=True, resolution="naslib")
        batch = DEFAULT_MAX_BATCH[task]
        loader = ds.get_loader(64, seed=0)  # what nasplug eval asks for; capped to `batch`
        loader_naslib = ds_naslib.get_loader(batch, seed=0)
        predictor = nasplug.get_predictor(args.predictor)
        predictor.pre_process()
        builds, proxies, naslib = [], [], []
        for arch in archs:
            torch.manual_seed(0)
            start = time.perf_counter()
            g = ss.clone()
            g.set_spec(arch)
            g.parse()
            builds.append(time.perf_counter() - start)
            proxies.append(_timeit(lambda: predictor.query(g, dataloader=loader)))
            if not args.skip_naslib:
                naslib.append(_timeit(lambda: predictor.query(g, dataloader=loader_naslib)))
        shape = "x".join(str(s) for s in loader[0][0].shape[1:])
        mean_proxy = statistics.mean(proxies)
        if naslib:
            mean_naslib = statistics.mean(naslib)
            tail = f"{mean_naslib:>15.2f}{mean_proxy / mean_naslib:>7.2f}"
        else:
            tail = f"{'-':>15}{'-':>7}"
        print(f"{task:<16}{loader[0][0].shape[0]:>6}{shape:>18}{statistics.mean(builds):>9.2f}"
              f"{mean_proxy:>9.2f}{tail}", flush=True)


if __name__ == "__main__":
    main()
