"""Zero-cost proxies on NAS-Bench-Suite-Zero's nine NAS-Bench-360 tasks, next to NASLib's own figures.

    nice python benchmarks/bench_nb360.py [--spaces nasbench201,...] [--tasks svhn,...]
        [--free synflow,flops,params] [--data grad_norm,snip,fisher,jacov]
        [--cells 0] [--nb301-cells 40] [--batch-size 64] [--naslib-zip 9x_all.zip]
        [--cache DIR] [--out results.json]

For every (search space, task): ``--cells`` labelled architectures (0: all 192-199,
NB301: ``--nb301-cells``, its networks are the slow ones), sampled with seed 0 by the
benchmark exactly as ``nasplug eval`` samples them, scored through
``nasplug.evaluators.evaluate_task`` (the command's own path), Spearman rho and Kendall
tau against NAS-Bench-Suite-Zero's validation accuracy.

- data-free proxies (``--free``) run **without images** (none of these data sets ships
  here): they read only the task's input shape;
- data proxies (``--data``) run on **synthetic** standard-normal inputs of the task's
  shape with uniform random labels (``--synthetic-data``), so their figures say how a
  proxy ranks with the right network and loss but not with the task's data;
- NASLib's figure (``--naslib-zip``: NASLib's ``run/results/benchmarks/9x_all.zip``,
  ``zerocost`` branch): Spearman of NASLib's stored scores on the *same* cells, and on
  all of NASLib's cells of the task; without the file, these columns are empty.

Scores are cached in ``--cache`` (a score store of its own), so an interrupted run
resumes. Prints ``uptime``'s load average at the start and end and a Markdown table.
Run with ``OMP_NUM_THREADS=1`` (the script sets one torch thread).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zipfile
from pathlib import Path

SPACES = ("nasbench201", "nasbench301", "transbench101_micro")
TASKS = ("svhn", "ninapro", "scifar100")
SHORT = {"nasbench201": "NB201", "nasbench301": "NB301", "transbench101_micro": "TNB-micro"}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def naslib_key(space: str, arch: str):
    """The normalised key of one of our canonical strings in NASLib's encoding."""
    if space == "nasbench201":
        from nasplug_nb201.conversions import to_op_indices

        return to_op_indices(arch)
    if space == "nasbench301":
        from nasplug_nb301 import encoding as enc

        return enc.normalize_compact(enc.parse_arch_string(arch))
    from nasplug_tnb101.nb360 import digits_to_naslib_graph

    return digits_to_naslib_graph(arch)


def naslib_scores(zip_path: Path | None, space: str, task: str, proxy: str) -> dict | None:
    """{normalised key: (NASLib score, val_accuracy)} from NASLib's result zip, or None."""
    if zip_path is None:
        return None
    name = f"{proxy}/benchmark--{space}--{task}--0.json"
    with zipfile.ZipFile(zip_path) as z:
        if name not in z.namelist():
            return None
        records = json.loads(z.read(name))
    out = {}
    for r in records:
        arch = r["arch"]
        if space == "nasbench301":
            from nasplug_nb301 import encoding as enc

            key = enc.normalize_compact(enc.parse_arch_string(arch))
        else:
            key = tuple(int(v) for v in arch.strip("()[] ").split(","))
        out[key] = (float(r[proxy]["score"]), float(r["val_accuracy"]))
    return out


def spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spaces", default=",".join(SPACES))
    parser.add_argument("--tasks", default=",".join(TASKS))
    parser.add_argument("--free", default="synflow,flops,params")
    parser.add_argument("--data", default="grad_norm,snip,fisher,jacov")
    parser.add_argument("--cells", type=int, default=0, help="cells per task (0: every labelled one)")
    parser.add_argument("--nb301-cells", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--naslib-zip", type=Path, default=None)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "nasplug-bench-nb360")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    import nasplug
    from nasplug.evaluators import evaluate_task
    from nasplug.store import ScoreStore

    args.cache.mkdir(parents=True, exist_ok=True)
    store = ScoreStore(args.cache / "scores.sqlite")
    start_load, start = load_average(), time.time()
    print(f"load average at start: {start_load}", flush=True)
    rows = []
    free = [p for p in args.free.split(",") if p]
    data = [p for p in args.data.split(",") if p]
    for space in args.spaces.split(","):
        for task in args.tasks.split(","):
            api = nasplug.get_dataset_api(space, task)
            n = args.nb301_cells if space == "nasbench301" else args.cells
            n = len(api) if n <= 0 else min(n, len(api))
            for proxy, synthetic in [(p, False) for p in free] + [(p, True) for p in data]:
                t0 = time.time()
                res = evaluate_task(proxy, space, task, test_size=n, seed=0, batch_size=args.batch_size,
                                    synthetic=synthetic, store=store)
                ours = {naslib_key(space, c["arch"]): c["score"] for c in res["cells"] if c.get("score") is not None}
                ref = naslib_scores(args.naslib_zip, space, task, proxy)
                same = all_cells = None
                if ref is not None:
                    common = [k for k in ours if k in ref]
                    if len(common) >= 3:
                        same = spearman([ref[k][0] for k in common], [ref[k][1] for k in common])
                    all_cells = spearman([v[0] for v in ref.values()], [v[1] for v in ref.values()])
                inputs = "synthetic" if synthetic else "none (shape only)"
                row = dict(space=space, task=task, proxy=proxy, inputs=inputs,
                           n=res["n_scored"], failed=res["n_failed"], spearman=res["spearman"],
                           kendalltau=res["kendalltau"], naslib_same_cells=same, naslib_all_cells=all_cells,
                           naslib_n=len(ref) if ref else None, seconds=round(time.time() - t0, 1),
                           cached=res.get("cached"))
                rows.append(row)
                print(json.dumps(row), flush=True)
    end_load = load_average()
    print(f"load average at end: {end_load}; wall {time.time() - start:.0f} s", flush=True)

    def fmt(v):
        return "-" if v is None else f"{v:.2f}"

    print("\n| space | task | proxy | inputs | n | rho | tau | NASLib rho, same cells | NASLib rho, all cells |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {SHORT[r['space']]} | {r['task']} | {r['proxy']} | {r['inputs']} | {r['n']} | {fmt(r['spearman'])} "
              f"| {fmt(r['kendalltau'])} | {fmt(r['naslib_same_cells'])} | {fmt(r['naslib_all_cells'])} |")
    if args.out:
        args.out.write_text(json.dumps({"load_average_start": start_load, "load_average_end": end_load,
                                        "batch_size": args.batch_size, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
