"""``nasplug search``: how good an architecture does a strategy find with a query budget."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from ..errors import NasplugError


def _fmt(value: float, spec: str = ".2f") -> str:
    return "nan" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def format_table(runs: list[dict], points: list[int]) -> str:
    """One row per task x strategy x predictor: best-so-far mean +- std (regret) at each point."""
    headers = ["task", "strategy", "predictor"] + [f"after {n}" for n in points] + [
        "proxy evals/seed", "proxy s/seed"]
    rows = []
    for run in runs:
        s = run["summary"]
        cells = [run["task"], run["strategy"], run["predictor"] or "-"]
        for n in points:
            at = s["at"].get(str(n))
            cells.append("-" if at is None else
                         f"{_fmt(at['mean'])} +- {_fmt(at['std'])} ({_fmt(at['regret'])})")
        cells += [_fmt(s["proxy_evals"], ".0f"), _fmt(s["proxy_seconds"], ".1f")]
        rows.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def write_plot(runs: list[dict], tasks: dict, path: str) -> None:
    """Best-so-far curves (mean over seeds, 25-75% band), one panel per task (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ..search import best_so_far

    names = list(tasks)
    fig, axes = plt.subplots(1, len(names), squeeze=False, figsize=(5.5 * len(names), 4.2))
    for ax, name in zip(axes[0], names):
        for run in (r for r in runs if r["task"] == name):
            q = run["queries"]
            curves = np.array([[best_so_far(rec, n) for n in range(1, q + 1)] for rec in run["records"]])
            x = np.arange(1, q + 1)
            label = run["strategy"] + (f" [{run['predictor']}]" if run["predictor"] else "")
            line, = ax.plot(x, curves.mean(axis=0), label=label)
            ax.fill_between(x, np.quantile(curves, 0.25, axis=0), np.quantile(curves, 0.75, axis=0),
                            color=line.get_color(), alpha=0.15)
        best = tasks[name]["best_value"]
        ax.axhline(best, color="k", ls="--", lw=0.8, label=f"best cell ({best:.2f})")
        ax.set_title(f"{name} ({len(run['records'])} seeds; band: 25-75%)", fontsize=9)
        ax.set_xlabel("queries (ground-truth lookups)")
        ax.set_ylabel(f"best found: {tasks[name]['metric']}")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise NasplugError(f"cannot write plot {path!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


def _clean(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


@click.command(name="search")
@click.option("--strategy", "strategies", multiple=True, required=True, metavar="NAME[:K=V,...]",
              help="Search strategy (repeatable), e.g. random, ae, ae-warmup:n=1000.")
@click.option("--predictor", "predictors", multiple=True, metavar="NAME|FILE",
              help="Predictor for the strategies that use a proxy (repeatable: each is searched with).")
@click.option("--benchmark", "benchmarks", multiple=True, required=True, metavar="NAME[/TASK]",
              help="e.g. nasbench201/cifar10 (repeatable).")
@click.option("--queries", default=50, show_default=True, type=int,
              help="Ground-truth queries per search (each stands for one trained network).")
@click.option("--seeds", default=20, show_default=True, type=int, help="Searches per strategy (seeds).")
@click.option("--first-seed", default=0, show_default=True, type=int, help="Seeds are first-seed, first-seed+1, ...")
@click.option("--proxy-budget", default=None, type=int,
              help="Proxy evaluations allowed per search (default: unlimited).")
@click.option("--seed", "score_seed", default=0, show_default=True, type=int,
              help="Seeds the proxy's batch and weights, as nasplug eval's --seed (so eval's scores are reused).")
@click.option("--batch-size", default=64, show_default=True, type=int, help="Images per batch.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data directory (default: $NASPLUG_DATA or ~/.local/share/nasplug).")
@click.option("--workers", type=int, default=None, help="Worker processes for scoring (implies --executor pool).")
@click.option("--executor", default=None, help="inprocess (default), pool, ray, or a plugin's.")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write settings, summaries and every seed's trajectory as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG of best-so-far curves with 25-75% bands.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the score store.")
@click.option("--synthetic-data", is_flag=True, help="Score on random tensors of the right shape.")
@click.option("--augment", is_flag=True, help="NASLib's training augmentation on train batches.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def search_command(strategies, predictors, benchmarks, queries, seeds, first_seed, proxy_budget,
                   score_seed, batch_size, split, data_dir, workers, executor, output, plot,
                   no_cache, synthetic_data, augment, no_progress):
    """Search benchmark tasks with strategies and proxies; best ground truth found per query budget.

    Proxy scores come from the score store under nasplug eval's keys (a cell is
    scored once per predictor, task and batch, whatever the seed or strategy), so a
    killed search resumes without re-scoring.
    """
    from ..executors import get_executor

    if queries < 1:
        raise NasplugError(f"--queries must be at least 1, got {queries}")
    if seeds < 1:
        raise NasplugError(f"--seeds must be at least 1, got {seeds}")
    if proxy_budget is not None and proxy_budget < 1:
        raise NasplugError(f"--proxy-budget must be at least 1, got {proxy_budget}")
    if batch_size < 1:
        raise NasplugError(f"--batch-size must be at least 1, got {batch_size}")
    if workers is not None and workers < 1:
        raise NasplugError(f"--workers must be at least 1, got {workers}")
    for option, value in (("--output", output), ("--plot", plot)):
        if value and not Path(value).resolve().parent.is_dir():
            raise NasplugError(f"{option}: folder {str(Path(value).parent)!r} does not exist")
    executor = executor or ("pool" if workers and workers > 1 else "inprocess")
    runner = get_executor(executor, workers=workers)
    try:
        _run(runner, executor, strategies, predictors, benchmarks, queries, seeds, first_seed,
             proxy_budget, score_seed, batch_size, split, data_dir, output, plot, no_cache,
             synthetic_data, augment, no_progress)
    finally:
        runner.close()


def _run(runner, executor, strategies, predictors, benchmarks, queries, seeds, first_seed,
         proxy_budget, score_seed, batch_size, split, data_dir, output, plot, no_cache,
         synthetic_data, augment, no_progress):
    from ..evaluation.settings import BatchSettings
    from ..evaluation.tasks import parse_benchmark
    from ..search import ProxyOracle, checkpoints, get_strategy, open_task, run_search, summarize
    from ..store import ScoreStore

    instances = [get_strategy(s) for s in strategies]  # unknown names fail before any work
    if any(s.uses_proxy for s in instances) and not predictors:
        names = ", ".join(s.name for s in instances if s.uses_proxy)
        raise NasplugError(f"strategy {names} ranks architectures with a proxy: give --predictor")
    if predictors and not any(s.uses_proxy for s in instances):
        click.echo("note: no strategy given uses a proxy; --predictor is ignored", err=True)
    task_names = list(dict.fromkeys(t for b in benchmarks for t in parse_benchmark(b)))
    tasks = [open_task(space, dataset, data_dir=data_dir) for space, dataset in task_names]
    settings = BatchSettings(data_dir=data_dir, batch_size=batch_size, split=split,
                             synthetic=synthetic_data, augment=augment, seed=score_seed)
    store = False if no_cache else ScoreStore()
    oracles: dict = {}
    runs: list[dict] = []
    info: dict = {}
    plan = []  # (task, strategy spec, strategy, predictor or None)
    for task in tasks:
        for spec, strategy in zip(strategies, instances):
            for predictor in (predictors if strategy.uses_proxy else [None]):
                plan.append((task, spec, strategy, predictor))
    bar = None
    if not no_progress:
        from tqdm import tqdm

        bar = tqdm(total=len(plan) * seeds, desc="search", unit="search", file=sys.stderr,
                   dynamic_ncols=True, leave=False)
    try:
        for task in tasks:
            best_arch, best_value = task.best()
            metric = getattr(task.metric, "name", str(task.metric)).lower()
            info[task.name] = {"best_arch": best_arch, "best_value": best_value, "metric": metric}
        for task, spec, strategy, predictor in plan:
            oracle = None
            if predictor is not None:
                key = (task.name, predictor)
                if key not in oracles:
                    oracles[key] = ProxyOracle(predictor, task.search_space, task.dataset,
                                               settings=settings, store=store, executor=runner,
                                               dataset_api=task.api)
                oracle = oracles[key]
            space = strategy.domain(task)
            records = []
            for seed in range(first_seed, first_seed + seeds):
                if bar is not None:
                    bar.set_postfix_str(f"{task.name} {spec}{' ' + predictor if predictor else ''} "
                                        f"seed {seed}", refresh=True)
                records.append(run_search(strategy, space, task, seed, queries, proxy_budget, oracle))
                if bar is not None:
                    bar.update(1)
            runs.append({"task": task.name, "strategy": spec, "name": strategy.name,
                         "options": strategy.options,
                         "predictor": oracle.name if oracle is not None else None,
                         "predictor_version": oracle.resolved.version if oracle is not None else None,
                         "queries": queries, "proxy_budget": proxy_budget,
                         "summary": summarize(records, queries, info[task.name]["best_value"]),
                         "records": records})
    except KeyboardInterrupt:
        kept = ("every proxy score computed so far is kept in the score store; rerun to resume"
                if store else "--no-cache was given, so nothing was kept")
        click.echo(f"interrupted: {kept}", err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.close()
        for oracle in oracles.values():
            oracle.close()
        if store:
            store.close()

    points = checkpoints(queries)
    click.echo(format_table(runs, points))
    click.echo("cells: best-found ground truth, mean +- std over seeds (regret to the best cell "
               "of the table); proxy s/seed: scoring time each search used (stored seconds)")
    for name, t in info.items():
        click.echo(f"best cell of {name}: {t['best_value']:.4f} ({t['metric']}) {t['best_arch']}")
    for (name, predictor), oracle in oracles.items():
        click.echo(f"{name} {oracle.name}: {oracle.computed} cells scored now "
                   f"({oracle.computed_seconds:.1f} s), {oracle.reused} read from the score store")
    doc = {"settings": {"strategies": list(strategies), "predictors": list(predictors),
                        "tasks": list(info), "queries": queries, "seeds": seeds,
                        "first_seed": first_seed, "proxy_budget": proxy_budget,
                        "score_seed": score_seed, "batch_size": batch_size, "split": split,
                        "synthetic_data": synthetic_data, "augment": augment,
                        "executor": executor, "cache": not no_cache, "checkpoints": points},
           "tasks": info, "runs": runs}
    if output:
        try:
            Path(output).write_text(json.dumps(_clean(doc), indent=1) + "\n")
        except OSError as exc:
            raise NasplugError(f"cannot write results to {output!r}: {exc.strerror or exc}") from None
        click.echo(f"wrote {output}")
    if plot:
        write_plot(runs, info, plot)
        click.echo(f"wrote {plot}")
