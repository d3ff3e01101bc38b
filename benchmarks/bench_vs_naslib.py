"""nasplug beside NASLib's own ``ZeroCost``: same cells, same batch, same process, one run.

    python benchmarks/bench_vs_naslib.py --cells 30           # needs NASLib importable (below)

The only honest speed-up is one measured side by side, so this script times,
for each of ``--cells`` seeded NAS-Bench-201 CIFAR-10 cells and one real
CIFAR-10 batch of ``--batch`` per cell, interleaved cell by cell:

- NASLib: build (``NasBench201SearchSpace`` clone, ``set_spec``, ``parse``) and
  ``ZeroCost(method_type=P).query(graph, dataloader=[batch])``;
- nasplug: ``space.build(arch)`` and ``get_predictor(P).query(graph, [batch])``,
  and all proxies of the cell in one ``score_many`` call (shared passes);

and prints median seconds per cell and the ratio NASLib / nasplug, build
included, with the load average. Without NASLib it explains how to make the
environment and exits 0.

Making the environment (once; NASLib is not a dependency of nasplug)::

    git clone https://github.com/automl/NASLib && cd NASLib && git checkout Develop
    python -m venv ../naslib-venv && ../naslib-venv/bin/pip install torch==2.14.1 torchvision==0.29.1
    ../naslib-venv/bin/pip install -e . --no-deps
    ../naslib-venv/bin/pip install ConfigSpace pyyaml networkx fvcore scikit-learn scipy tqdm \\
        tensorwatch transforms3d lightgbm xgboost ngboost emcee pybnn grakel pyro-ppl
    ../naslib-venv/bin/pip install -e /path/to/nasplug -e /path/to/nasplug/plugins/nasplug-nb201 ...
    ../naslib-venv/bin/python benchmarks/bench_vs_naslib.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

import torch

import nasplug
from nasplug.metrics import Metric
from nasplug.zerocost.engine import score_many

#: the proxies both tools define, by their common name
COMMON = ("synflow", "snip", "grasp", "fisher", "jacov", "grad_norm", "flops", "params",
          "epe_nas", "l2_norm", "nwot", "plain", "zen")


def naslib_modules():
    """``(NasBench201SearchSpace, ZeroCost)`` from NASLib, or None when it is not importable."""
    try:
        from naslib.predictors.zerocost import ZeroCost
        from naslib.search_spaces.nasbench201.graph import NasBench201SearchSpace
    except Exception as exc:  # any import failure: NASLib pulls many optional packages
        print(f"NASLib is not importable here ({type(exc).__name__}: {exc}); see this script's "
              "docstring for how to make an environment with it. Nothing measured.")
        return None
    return NasBench201SearchSpace, ZeroCost


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=int, default=30)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--proxies", default=",".join(COMMON))
    args = ap.parse_args(argv)
    modules = naslib_modules()
    if modules is None:
        return 0
    NaslibSpace, ZeroCost = modules
    from nasplug_nb201 import convert_str_to_op_indices

    installed = set(nasplug.get_registry().names("predictors"))
    proxies = [p for p in args.proxies.split(",") if p and p in installed]
    api = nasplug.get_dataset_api("nasbench201", "cifar10")
    space = nasplug.get_search_space("nasbench201", dataset="cifar10")
    dataset = nasplug.get_registry().get("datasets", "cifar10")()
    cells = random.Random(args.seed).sample(api.architectures(Metric.TEST_ACCURACY), args.cells + 1)
    naslib_space = NaslibSpace(n_classes=10)
    ours = {p: nasplug.get_predictor(p) for p in proxies}
    theirs = {p: ZeroCost(method_type=p) for p in proxies}
    t_naslib = {p: [] for p in proxies}
    t_nasplug = {p: [] for p in proxies}
    t_shared = []
    for i, arch in enumerate(cells):
        batch = dataset.get_batch(args.batch, seed=args.seed * 100003 + i)
        for p in proxies:
            start = time.perf_counter()
            graph = naslib_space.clone()
            graph.set_spec(list(convert_str_to_op_indices(arch)))
            graph.parse()
            theirs[p].query(graph, dataloader=[batch])
            a = time.perf_counter() - start
            start = time.perf_counter()
            ours[p].query(space.build(arch), [batch])
            b = time.perf_counter() - start
            if i:
                t_naslib[p].append(a)
                t_nasplug[p].append(b)
        start = time.perf_counter()
        score_many(list(ours.values()), space.build(arch), [batch])
        if i:
            t_shared.append(time.perf_counter() - start)
    med = statistics.median
    load = os.getloadavg()
    print(f"{args.cells} NB201 CIFAR-10 cells, batch {args.batch}, torch threads {torch.get_num_threads()}, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'proxy':<10} {'NASLib s':>9} {'nasplug s':>9} {'speed-up':>8}   (build included)")
    for p in proxies:
        print(f"{p:<10} {med(t_naslib[p]):>9.3f} {med(t_nasplug[p]):>9.3f} "
              f"{med(t_naslib[p]) / med(t_nasplug[p]):>7.1f}x")
    total = sum(med(t_naslib[p]) for p in proxies)
    print(f"all {len(proxies)}: NASLib {total:.3f} s/cell, nasplug shared passes {med(t_shared):.3f} s/cell "
          f"({total / med(t_shared):.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
