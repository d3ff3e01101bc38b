"""``nasplug eval``: how good is my proxy, on every installed benchmark task."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from ..errors import DataError, NasplugError


def _parse_benchmark(value: str) -> list[tuple[str, str]]:
    """``nasplug eval --benchmark`` values: ``name/task`` or ``name`` (all its tasks)."""
    from ..api import find_benchmark_class

    name, _, task = value.partition("/")
    if not name:
        raise NasplugError(f"--benchmark {value!r}: expected BENCHMARK/TASK, e.g. nasbench201/cifar10")
    cls = find_benchmark_class(name)
    space = getattr(cls, "search_space", None) or cls.name
    tasks = tuple(getattr(cls, "tasks", ()) or ())
    if not task:
        return [(space, t) for t in tasks]
    if tasks and task not in tasks:
        raise NasplugError(f"benchmark {cls.name!r} has no task {task!r}; valid: {', '.join(tasks)}")
    return [(space, task)]


def _clean(value):
    """JSON-safe: NaN/inf -> null, numpy scalars -> Python."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def _fmt(value, spec=".4f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    return format(value, spec)


def _data_label(result: dict) -> str:
    data = result.get("data") or {}
    if result.get("synthetic"):
        return "SYNTHETIC inputs"
    label = str(data.get("source", ""))
    if data.get("with_replacement"):
        label += f", batch {result['batch_size']} drawn with replacement"
    return label


def format_table(results: list[dict]) -> str:
    """The final comparison table (one row per predictor x task) and averages."""
    headers = ["predictor", "task", "n", "failed", "kendalltau", "spearman", "pearson",
               "prec@10", "s/arch", "data"]
    rows = []
    for r in results:
        task = r["task"] + (" [synthetic]" if r.get("synthetic") else "") + (
            " [augmented]" if (r.get("data") or {}).get("augmentation") else "")
        rows.append([r["predictor"], task, str(r["n_scored"]), str(r["n_failed"]),
                     _fmt(r["kendalltau"]), _fmt(r["spearman"]), _fmt(r["pearson"]),
                     _fmt(r["precision_10"], ".2f"), _fmt(r["query_time"], ".3f"), _data_label(r)])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    by_predictor: dict = {}
    for r in results:
        by_predictor.setdefault(r["predictor"], []).append(r["kendalltau"])
    lines.append("")
    for name, kts in by_predictor.items():
        finite = [k for k in kts if k is not None and not math.isnan(k)]
        avg = sum(finite) / len(finite) if finite else float("nan")
        lines.append(f"Average Kendall tau {name}: {_fmt(avg)} over {len(finite)} task(s)")
    return "\n".join(lines)


def write_plot(results: list[dict], path: str) -> None:
    """Predicted score against ground truth, one panel per predictor x task (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    predictors = list(dict.fromkeys(r["predictor"] for r in results))
    tasks = list(dict.fromkeys(r["task"] for r in results))
    fig, axes = plt.subplots(len(predictors), len(tasks), squeeze=False,
                             figsize=(4.2 * len(tasks), 3.6 * len(predictors)))
    lookup = {(r["predictor"], r["task"]): r for r in results}
    for i, pred in enumerate(predictors):
        for j, task in enumerate(tasks):
            ax = axes[i][j]
            r = lookup.get((pred, task))
            if r is None:
                ax.axis("off")
                continue
            y = np.asarray(r["full_ytest"], dtype=float)
            s = np.asarray(r["full_testpred"], dtype=float)
            ax.scatter(y, s, s=10, alpha=0.7)
            if len(s) and np.all(s > 0) and s.max() / max(s.min(), 1e-300) > 1e3:
                ax.set_yscale("log")
            tag = " [synthetic]" if r.get("synthetic") else ""
            ax.set_title(f"{task}{tag}\n{pred}: tau={_fmt(r['kendalltau'], '.3f')}  "
                         f"rho={_fmt(r['spearman'], '.3f')}  (n={r['n_scored']})", fontsize=9)
            ax.set_xlabel(f"ground truth ({r.get('metric') or 'metric'})", fontsize=8)
            ax.set_ylabel("predicted score", fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise NasplugError(f"cannot write plot {path!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


def write_output(results: list[dict], settings: dict, path: str) -> None:
    summary = [{k: v for k, v in r.items() if k not in ("cells", "full_ytest", "full_testpred")}
               for r in results]
    cells = [{"predictor": r["predictor"], "task": r["task"], **cell}
             for r in results for cell in r["cells"]]
    doc = {"settings": settings, "summary": summary, "architectures": cells}
    try:
        Path(path).write_text(json.dumps(_clean(doc), indent=1) + "\n")
    except OSError as exc:
        raise NasplugError(f"cannot write results to {path!r}: {exc.strerror or exc}") from None


@click.command(name="eval")
@click.option("--predictor", "predictors", multiple=True, required=True, metavar="NAME|FILE",
              help="Predictor name, or a competition submission (.py/.zip). Repeat to compare.")
@click.option("--benchmark", "benchmarks", multiple=True, metavar="NAME[/TASK]",
              help="e.g. nasbench201/cifar10 (repeatable). Default: every installed task with data.")
@click.option("--test-size", default=100, show_default=True, type=int,
              help="Architectures sampled per task.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seeds the architecture sample, the data batch and the weights.")
@click.option("--batch-size", default=64, show_default=True, type=int, help="Images per batch.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Data split the batch is drawn from.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Data directory (default: $NASPLUG_DATA or ~/.local/share/nasplug).")
@click.option("--workers", type=int, default=None, help="Worker processes (implies --executor pool).")
@click.option("--executor", default=None, help="inprocess (default), pool, ray, or a plugin's.")
@click.option("--address", default=None, help="Ray cluster address (implies --executor ray).")
@click.option("--output", type=click.Path(dir_okay=False), default=None,
              help="Write summary + every scored architecture as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Write a PNG: score vs ground truth per task, tau and rho in titles.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the score store.")
@click.option("--synthetic-data", is_flag=True,
              help="Score on random tensors of the right shape (results are labelled synthetic).")
@click.option("--download", is_flag=True, help="Download CIFAR-10/100 into the data directory.")
@click.option("--augment", is_flag=True,
              help="Prepare train batches as NASLib's training loader does (random crop of the "
                   "zero-padded image, horizontal flip), as NASLib's published scores were computed.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def eval_command(predictors, benchmarks, test_size, seed, batch_size, split, data_dir, workers,
                 executor, address, output, plot, no_cache, synthetic_data, download, augment,
                 no_progress):
    """Evaluate predictors on benchmark tasks: Kendall tau, Spearman and NASLib's other metrics.

    Scores are cached in a SQLite store in the cache directory ($NASPLUG_CACHE), so a
    repeated run is instant and an interrupted one resumes.
    """
    from ..executors import get_executor

    if test_size < 1:
        raise NasplugError(f"--test-size must be at least 1, got {test_size}")
    if batch_size < 1:
        raise NasplugError(f"--batch-size must be at least 1, got {batch_size}")
    if workers is not None and workers < 1:
        raise NasplugError(f"--workers must be at least 1, got {workers}")
    if output and Path(output).parent and not Path(output).resolve().parent.is_dir():
        raise NasplugError(f"--output: folder {str(Path(output).parent)!r} does not exist")
    if plot and not Path(plot).resolve().parent.is_dir():
        raise NasplugError(f"--plot: folder {str(Path(plot).parent)!r} does not exist")
    if executor is None:
        executor = "ray" if address else "pool" if workers and workers > 1 else "inprocess"
    runner = get_executor(executor, workers=workers, address=address)
    try:
        runner.start()  # workers boot while this process resolves predictors and loads tables
        _run(runner, executor, predictors, benchmarks, test_size, seed, batch_size, split, data_dir,
             output, plot, no_cache, synthetic_data, download, augment, no_progress)
    finally:
        runner.close()


def _run(runner, executor, predictors, benchmarks, test_size, seed, batch_size, split, data_dir,
         output, plot, no_cache, synthetic_data, download, augment, no_progress):
    from ..evaluators import (check_task, evaluate_task, failure_summary, installed_tasks,
                              resolve_predictor)
    from ..store import ScoreStore

    instances = [resolve_predictor(p) for p in predictors]
    options = dict(data_dir=data_dir, batch_size=batch_size, split=split,
                   synthetic=synthetic_data, download=download, augment=augment)

    if benchmarks:
        tasks = list(dict.fromkeys(t for b in benchmarks for t in _parse_benchmark(b)))
        for space, task in tasks:  # asked for explicitly: missing data is an error
            check_task(space, task, **options)
    else:
        tasks = []
        for space, task in installed_tasks():
            try:
                check_task(space, task, **options)
            except DataError as exc:
                click.echo(f"skipping {space}/{task}: {exc}", err=True)
                continue
            tasks.append((space, task))
        if not tasks:
            raise NasplugError("no installed benchmark task has its data; install a benchmark "
                               "plugin and set NASPLUG_DATA or --data-dir (see 'nasplug list')")

    store = False if no_cache else ScoreStore()
    results = []
    try:
        for predictor in instances:
            for space, task in tasks:
                results.append(evaluate_task(
                    predictor, space, task, test_size=test_size, seed=seed, executor=runner,
                    store=store, progress=not no_progress, **options))
    except KeyboardInterrupt:
        kept = "every score computed so far is kept in the score store; rerun to resume" \
            if store else "--no-cache was given, so nothing was kept"
        click.echo(f"interrupted: {kept}", err=True)
        sys.exit(130)
    finally:
        if store:
            store.close()

    click.echo(format_table(results))
    for r in results:
        line = failure_summary(r)
        if line:
            click.echo(line)
    for task, data in {r["task"]: r["data"] for r in results}.items():
        if data.get("with_replacement"):
            click.echo(f"note: {task}: {data.get('sampling')} ({data.get('source')})")
        if data.get("augmentation_note"):
            click.echo(f"note: {task}: {data['augmentation_note']}")
    if synthetic_data:
        click.echo("note: scores were computed on SYNTHETIC inputs (--synthetic-data), "
                   "not real images")
    settings = {"predictors": [r for r in dict.fromkeys(x["predictor"] for x in results)],
                "tasks": [f"{s}/{t}" for s, t in tasks], "test_size": test_size, "seed": seed,
                "batch_size": batch_size, "split": split, "executor": executor,
                "workers": runner.workers, "synthetic_data": synthetic_data, "augment": augment,
                "cache": not no_cache}
    if output:
        write_output(results, settings, output)
        click.echo(f"wrote {output}")
    if plot:
        write_plot(results, plot)
        click.echo(f"wrote {plot}")
