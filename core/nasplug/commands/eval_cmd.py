"""``nasplug eval``: how good is my proxy, on every installed benchmark task.

Only the options and the glue live here: the work is done by the stages of
:mod:`nasplug.evaluation` (tasks, predictors, run, report).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import CorruptDataError, DataError, NasplugError

# The report and task helpers lived here before the evaluation package; re-exported.
from ..evaluation.report import _clean, format_table, write_output, write_plot  # noqa: F401
from ..evaluation.settings import BatchSettings
from ..evaluation.tasks import parse_benchmark as _parse_benchmark  # noqa: F401

#: exit status after Ctrl-C (nasplug.cli.INTERRUPTED)
INTERRUPTED = 130

if TYPE_CHECKING:
    from ..evaluation.predictors import ResolvedPredictor
    from ..evaluation.tasks import PreparedTask
    from ..executors import Executor


@click.command(name="eval")
@click.option("--predictor", "predictors", multiple=True, required=True, metavar="NAME|FILE",
              help="Predictor name, or a competition submission (.py/.zip). Repeat to compare.")
@click.option("--benchmark", "benchmarks", multiple=True, metavar="NAME[/TASK]",
              help="e.g. nasbench201/cifar10 (repeatable). Default: every installed task with data.")
@click.option("--test-size", default=100, show_default=True, type=click.IntRange(min=1),
              help="Architectures sampled per task.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seeds the architecture sample, the data batch and the weights.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1),
              help="Images per batch.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Data split the batch is drawn from.")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Data directory (default: $NASPLUG_DATA or ~/.local/share/nasplug).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (implies --executor pool).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Torch threads in all (a pool splits them over its workers). Default: the free "
                   "cores (affinity minus the load average), or $NASPLUG_THREADS / $OMP_NUM_THREADS.")
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
@click.option("--device", default="cpu", show_default=True, metavar="cpu|cuda|cuda:N|auto",
              callback=lambda ctx, param, value: _device_name(value),
              help="Where models and batches are put (auto: the first GPU if there is one).")
@click.option("--shared-passes/--separate-passes", default=True, show_default=True,
              help="Score all zero-cost proxies of a cell together, sharing forward and backward "
                   "passes (same scores up to float rounding), or each on its own.")
@click.option("--combine", default=None, metavar="RULE",
              help="ensemble:A,B,... predictors: rank-mean (default), geometric or vote.")
@click.option("--train-size", type=int, default=None,
              help="learned:... predictors: labelled training cells outside the test cells (default 400).")
@click.option("--encoding/--no-encoding", default=None,
              help="learned:... predictors: add the architecture's one-hot encoding to the features.")
def eval_command(predictors: tuple[str, ...], benchmarks: tuple[str, ...], test_size: int,
                 workers: int | None, threads: int | None, executor: str | None, address: str | None,
                 output: str | None, plot: str | None, no_cache: bool, no_progress: bool,
                 combine: str | None, train_size: int | None, encoding: bool | None,
                 shared_passes: bool, **batch: Any) -> None:
    """Evaluate predictors on benchmark tasks: Kendall tau, Spearman and NASLib's other metrics.

    Scores are cached in a SQLite store in the cache directory ($NASPLUG_CACHE), so a
    repeated run is instant and an interrupted one resumes.
    """
    from ..threads import passive_waiting

    passive_waiting()  # before anything imports torch: idle OpenMP threads sleep, not spin
    from ..executors import get_executor

    for flag, path in (("--output", output), ("--plot", plot)):
        if path and not Path(path).resolve().parent.is_dir():
            raise NasplugError(f"{flag}: folder {str(Path(path).parent)!r} does not exist")
    from ..population import apply_defaults

    predictors = apply_defaults(predictors, combine=combine, train_size=train_size,
                                encoding=None if encoding is None else "yes" if encoding else "no")
    batch["synthetic"] = batch.pop("synthetic_data")
    from ..devices import resolve_device

    batch["device"] = str(resolve_device(batch["device"]))
    predictors = expand_all(predictors)
    settings = BatchSettings.from_options(batch)
    if executor is None:
        executor = "ray" if address else "pool" if workers and workers > 1 else "inprocess"
    runner = get_executor(executor, workers=workers, address=address, threads=threads)
    try:
        runner.start()  # workers boot while this process resolves predictors and loads tables
        results, tasks, corrupt = _evaluate(runner, predictors, benchmarks, test_size, settings,
                                            store=not no_cache, progress=not no_progress,
                                            shared_passes=shared_passes)
    except KeyboardInterrupt:  # before scoring started (scoring interrupts are handled in _evaluate)
        click.echo("interrupted before any architecture was scored; nothing to keep", err=True)
        sys.exit(INTERRUPTED)
    finally:
        runner.close()
    _report(results, tasks, settings, test_size, output, plot,
            {"executor": executor, "workers": runner.workers,
             "threads": runner.threads or runner.worker_threads,
             "cache": not no_cache})
    if corrupt:  # the other tasks' results are printed and saved; the run still fails
        raise NasplugError(corrupt[0] + (f" (and {len(corrupt) - 1} more corrupt file(s) above)"
                                         if len(corrupt) > 1 else ""))


def _device_name(value: str) -> str:
    """``--device`` checked as a usage error (exit 2); whether the GPU exists is checked later."""
    from ..devices import check_device_name

    try:
        return check_device_name(value)
    except NasplugError as exc:
        raise click.BadParameter(str(exc).split("; ", 1)[-1]) from None


def expand_all(predictors: tuple[str, ...]) -> tuple[str, ...]:
    """``all`` stands for every installed predictor (registry order), in place, without repeats."""
    if "all" not in predictors:
        return predictors
    from ..plugins import get_registry

    installed = get_registry().names("predictors")
    expanded = [n for p in predictors for n in (installed if p == "all" else [p])]
    return tuple(dict.fromkeys(expanded))


def _score_pairs(pairs: list[tuple[ResolvedPredictor, PreparedTask]], runner: Executor, test_size: int,
                 store: Any, progress: bool, shared_passes: bool, done: list[dict]) -> None:
    """Score every pair into ``done`` (in the order of ``pairs``); with ``shared_passes``, the
    zero-cost proxies of one task are scored together (:mod:`nasplug.evaluation.together`)."""
    from ..evaluation.run import run_task
    from ..evaluation.together import run_together, shares_passes

    by_pair: dict[int, dict] = {}
    groups: dict[int, list[int]] = {}  # id(task) -> indices of its shareable pairs
    for i, (predictor, task) in enumerate(pairs):
        if shared_passes and shares_passes(predictor):
            groups.setdefault(id(task), []).append(i)
    together = {i for members in groups.values() if len(members) > 1 for i in members}
    for i, (predictor, task) in enumerate(pairs):
        if i in by_pair:
            pass
        elif i in together:
            members = groups[id(task)]
            for j, result in zip(members, run_together([pairs[j][0] for j in members], task,
                                                       test_size=test_size, executor=runner,
                                                       store=store, progress=progress)):
                by_pair[j] = result
        else:
            by_pair[i] = run_task(predictor, task, test_size=test_size, executor=runner, store=store,
                                  progress=progress)
        while len(done) in by_pair:  # keep ``done`` in pair order as results arrive
            done.append(by_pair[len(done)])


def _is_corrupt(exc: DataError) -> bool:
    """A file that exists but cannot be used (as opposed to one that is missing)."""
    if isinstance(exc, CorruptDataError):
        return True
    try:
        from ..tables import CorruptTableError
    except ImportError:  # pragma: no cover - tables not available
        return False
    return isinstance(exc, CorruptTableError)


def _prepare_tasks(benchmarks: tuple[str, ...], settings: BatchSettings,
                   ) -> tuple[list[PreparedTask], list[str]]:
    """The tasks to score, each prepared once, and the errors of corrupt files.

    Asked for explicitly (``--benchmark``), a task whose table is missing or
    corrupt is an error. By default a missing table skips its task with one
    line; a corrupt one is reported (``error: ...``) and the run carries on
    with the other tasks but fails at the end.
    """
    from ..evaluation.tasks import installed_tasks, parse_benchmark, prepare_task

    if benchmarks:
        pairs = list(dict.fromkeys(t for b in benchmarks for t in parse_benchmark(b)))
        return [prepare_task(space, task, settings) for space, task in pairs], []
    prepared, corrupt = [], []
    for space, task in installed_tasks():
        try:
            prepared.append(prepare_task(space, task, settings))
        except DataError as exc:
            if _is_corrupt(exc):
                corrupt.append(f"{space}/{task}: {exc}")
                click.echo(f"error: {space}/{task}: {exc}", err=True)
            else:
                click.echo(f"skipping {space}/{task}: {exc}", err=True)
    return prepared, corrupt


def _runnable(resolved: list[ResolvedPredictor], tasks: list[PreparedTask],
              ) -> list[tuple[ResolvedPredictor, PreparedTask]]:
    """Every (predictor, task) pair that can run; a data predictor on a task without
    images is skipped with one line (an error when nothing is left to run)."""
    pairs, skipped = [], []
    for predictor in resolved:
        for task in tasks:
            if predictor.requires_data and not task.has_images:
                skipped.append((task, f"skipping {task.task}: {task.images_error} "
                                      f"({predictor.name} reads image batches; data-free "
                                      "predictors such as synflow, flops and params still run)"))
            else:
                pairs.append((predictor, task))
    for _, line in skipped:
        click.echo(line, err=True)
    if not pairs:
        reason = f" ({skipped[0][0].images_error})" if skipped else ""
        raise NasplugError("no installed benchmark task has its data" + reason + "; install a "
                           "benchmark plugin and set NASPLUG_DATA or --data-dir (see 'nasplug list')")
    return pairs


def _evaluate(runner: Executor, predictors: tuple[str, ...], benchmarks: tuple[str, ...],
              test_size: int, settings: BatchSettings, store: bool, progress: bool,
              shared_passes: bool = True) -> tuple[list[dict], list[PreparedTask], list[str]]:
    """Resolve, prepare, score: the results of every predictor on every task it can run on."""
    from ..evaluation.predictors import resolve
    from ..store import ScoreStore

    resolved = [resolve(p) for p in predictors]
    tasks, corrupt = _prepare_tasks(benchmarks, settings)
    if corrupt and not tasks:
        raise NasplugError(corrupt[0])
    pairs = _runnable(resolved, tasks)
    score_store: ScoreStore | bool = ScoreStore() if store else False
    results: list[dict] = []
    try:
        _score_pairs(pairs, runner, test_size, score_store, progress, shared_passes, results)
    except KeyboardInterrupt:
        kept = (f"the {score_store.written} score(s) computed in this run are kept in the score store "
                f"{str(score_store.path)!r} ({len(results)} task(s) finished); rerun the same command "
                "to resume" if isinstance(score_store, ScoreStore)
                else "--no-cache was given, so nothing was kept")
        click.echo(f"interrupted: {kept}", err=True)
        sys.exit(INTERRUPTED)
    finally:
        if isinstance(score_store, ScoreStore):
            score_store.close()
    return results, tasks, corrupt


def _report(results: list[dict], tasks: list[PreparedTask], settings: BatchSettings,
            test_size: int, output: str | None, plot: str | None, run_info: dict) -> None:
    from ..evaluation.report import notes

    click.echo(format_table(results))
    many = len({r["predictor"] for r in results}) > 1
    if many:
        from ..evaluation.suite_view import format_suite_table

        click.echo("")
        click.echo(format_suite_table(results))
    for line in notes(results, synthetic=settings.synthetic):
        click.echo(line)
    s = settings
    doc_settings = {"predictors": list(dict.fromkeys(r["predictor"] for r in results)),
                    "tasks": [t.task for t in tasks], "test_size": test_size, "seed": s.seed,
                    "batch_size": s.batch_size, "split": s.split, "device": s.device,
                    "executor": run_info["executor"], "workers": run_info["workers"],
                    "threads": run_info["threads"],
                    "synthetic_data": s.synthetic, "augment": s.augment, "cache": run_info["cache"]}
    if output:
        write_output(results, doc_settings, output)
        click.echo(f"wrote {output}")
    if plot:
        write_plot(results, plot)
        click.echo(f"wrote {plot}")
        if many:
            from ..evaluation.suite_view import write_suite_plot

            suite = str(Path(plot).with_name(Path(plot).stem + "-suite" + (Path(plot).suffix or ".png")))
            write_suite_plot(results, suite)
            click.echo(f"wrote {suite}")
