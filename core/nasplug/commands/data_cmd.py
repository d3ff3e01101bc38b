"""``nasplug data``: which table and images each installed task uses; fetch CIFAR; import NASLib files.

- ``nasplug data [--json] [--data-dir DIR]``: per installed benchmark task, its
  ground-truth files (packaged copy or which user file, rows, sha256) and its images
  (source and count, or what is missing and how to get it). Exit status 1 when a
  table is corrupt (:class:`nasplug.tables.CorruptTableError`), else 0: a missing
  table or missing images are states to report, not errors.
- ``nasplug data fetch cifar10|cifar100 [--data-dir DIR]``: torchvision download
  into the data directory, atomically (:mod:`nasplug.data.fetch`); the only command
  that uses the network.
- ``nasplug data import FILE [--data-dir DIR] [--force]``: check a NASLib
  NAS-Bench-Suite-Zero file (``zc_<search space>.json``) against the installed
  benchmark of its search space and copy it to ``<data>/naslib/zc_<space>.json``,
  where the benchmarks look for it.

Every user error is one ``Error: ...`` line and exit status 1; nothing half-written
is left in the data directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click

from ..errors import DataError, NasplugError

DATA_DIR_OPTION = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                               help="Data directory (default: $NASPLUG_DATA, else ~/.local/share/nasplug).")


class DataGroup(click.Group):
    """Turns a :class:`NasplugError` of a subcommand into one line (exit 1)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NasplugError as exc:
            raise click.ClickException(str(exc)) from None

    def resolve_command(self, ctx, args):
        # an unknown subcommand is one line too (click's own message adds usage lines)
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise click.ClickException(f"unknown 'nasplug data' command {name!r}; "
                                       f"valid: {', '.join(self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


# -- status ---------------------------------------------------------------------

def _load(obj: Any) -> Any:
    load = getattr(obj, "load", None)
    return load() if type(obj).__name__ == "LazyClass" and callable(load) else obj


def _images(registry, task: str, data_dir) -> dict[str, Any]:
    """Where the task's training images come from, or what is missing."""
    try:
        cls = _load(registry.get("datasets", task))
    except NasplugError:
        return {"status": "missing", "source": None, "count": None,
                "hint": f"no dataset plugin named {task!r} is installed"}
    try:
        info = cls(data_dir=data_dir).batch_info(1, "train")
    except NasplugError as exc:
        return {"status": "missing", "source": None, "count": None,
                "hint": f"{exc} (data-free predictors such as synflow, flops and params still run)"}
    return {"status": "ok", "source": info.get("source"), "count": info.get("images_available"), "hint": None}


def collect(data_dir=None) -> dict[str, Any]:
    """What ``nasplug data`` reports, as JSON-ready data."""
    from ..config import get_data_dir
    from ..plugins import get_registry

    registry = get_registry()
    root = get_data_dir(data_dir)
    tasks: list[dict[str, Any]] = []
    seen: dict[tuple, dict] = {}  # the same table serves many tasks: hash it once
    for name in registry.names("benchmarks"):
        entry = registry.entry("benchmarks", name)
        lazy = registry.get("benchmarks", name)
        for task in getattr(lazy, "tasks", ()) or ():
            row: dict[str, Any] = {"benchmark": name, "search_space": getattr(lazy, "search_space", name),
                                   "task": task, "distribution": entry.distribution, "files": [],
                                   "error": None, "corrupt": False}
            try:
                bench = _load(lazy)(task, data_dir=data_dir)
                sources = []
                for info in bench.data_files():
                    key = (info["role"], info["location"], info["sha256"])
                    sources.append(seen.setdefault(key, info))
                row["files"] = sources
            except NasplugError as exc:
                from ..tables import CorruptTableError

                row["error"] = str(exc)
                row["corrupt"] = isinstance(exc, CorruptTableError)
            row["images"] = _images(registry, task, data_dir)
            tasks.append(row)
    return {"data_dir": str(root), "data_dir_exists": root.is_dir(), "tasks": tasks}


def _describe_file(info: dict) -> str:
    where = (f"packaged in {info['distribution']} ({info['location']})" if info["origin"] == "packaged"
             else f"user file {info['location']}")
    rows = f", {info['rows']:,} rows" if info.get("rows") is not None else ""
    return f"{where}{rows}, sha256 {info['sha256'][:16]}"


@click.group(name="data", cls=DataGroup, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@DATA_DIR_OPTION
@click.pass_context
def data_command(ctx: click.Context, as_json: bool, data_dir: str | None) -> None:
    """Show the table and images of every installed task; fetch or import data."""
    if ctx.invoked_subcommand is not None:
        return
    report = collect(data_dir)
    broken = [t for t in report["tasks"] if t["corrupt"]]
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        state = "" if report["data_dir_exists"] else " (does not exist: packaged data only)"
        click.echo(f"data directory: {report['data_dir']}{state}")
        for t in report["tasks"]:
            click.secho(f"{t['benchmark']}/{t['task']}", bold=True)
            if t["error"]:
                click.echo(f"  table   {'CORRUPT' if t['corrupt'] else 'missing'}: {t['error']}")
            for info in t["files"]:
                label = "table" if info["role"] == "table" else "naslib"
                click.echo(f"  {label:<7} {_describe_file(info)}")
            img = t["images"]
            if img["status"] == "ok":
                count = f" ({img['count']:,} images)" if img["count"] is not None and \
                    f"{img['count']} images" not in str(img["source"]) else ""
                click.echo(f"  images  {img['source']}{count}")
            else:
                click.echo(f"  images  missing: {img['hint']}")
        if not report["tasks"]:
            click.echo("no benchmark installed: pip install nasplug-nb201 (or another benchmark plugin)")
    if broken:
        ctx.exit(1)


# -- fetch ------------------------------------------------------------------------

@data_command.command(name="fetch")
@click.argument("target")
@DATA_DIR_OPTION
def fetch_command(target: str, data_dir: str | None) -> None:
    """Download a dataset's files: cifar10 or cifar100 (through torchvision), or any installed
    dataset plugin that can fetch its own (svhn with nasplug-nb360)."""
    from ..config import get_data_dir
    from ..data.fetch import TARGETS, fetch

    fetcher = None if target in TARGETS else _plugin_fetcher(target)
    if target not in TARGETS and fetcher is None:
        names = [*TARGETS, *_plugin_fetchable()]
        raise NasplugError(f"unknown data target {target!r}; 'nasplug data fetch' downloads "
                           f"{', '.join(names[:-1])} or {names[-1]}")
    root = get_data_dir(data_dir)
    click.echo(f"fetching {target} into {root} (torchvision)")
    folder = fetch(target, data_dir) if fetcher is None else fetcher(data_dir)
    click.echo(f"{target}: {folder}")


def _plugin_fetcher(name: str):
    """The ``fetch_files`` of the installed dataset plugin ``name`` (dataset contract), or None."""
    from ..plugins import get_registry

    registry = get_registry()
    if name not in registry.names("datasets"):
        return None
    try:
        fetcher = getattr(registry.get("datasets", name), "fetch_files", None)
    except Exception:  # a broken plugin is reported by 'nasplug list', not here
        return None
    return fetcher if callable(fetcher) else None


def _plugin_fetchable() -> list[str]:
    """The installed dataset plugins that can download their files (for the error line)."""
    from ..plugins import get_registry

    return [n for n in get_registry().names("datasets") if _plugin_fetcher(n) is not None]


# -- import -----------------------------------------------------------------------

def _benchmarks_for(registry, search_space: str) -> list:
    found = []
    for name in registry.names("benchmarks"):
        lazy = registry.get("benchmarks", name)
        if getattr(lazy, "search_space", None) == search_space:
            found.append(_load(lazy))
    return found


def validate_naslib_file(path: Path) -> tuple[str, dict[str, int]]:
    """``(search space, {dataset: architectures})`` of a NASLib Suite-Zero file, checked
    against the installed benchmark of that search space; a one-line error otherwise."""
    from ..naslib_zc import load_naslib_zc
    from ..plugins import get_registry

    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except FileNotFoundError:
        raise DataError(f"file {str(path)!r} not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{str(path)!r} is not a NASLib NAS-Bench-Suite-Zero file: cannot read it as "
                        f"JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(raw, dict) or len(raw) != 1 or not isinstance(next(iter(raw.values())), dict):
        raise DataError(f"{str(path)!r} is not a NASLib NAS-Bench-Suite-Zero file: expected one object "
                        "{search space: {dataset: {architecture: scores}}}")
    space = next(iter(raw))
    del raw
    stem = path.name[:-len(".json")] if path.name.endswith(".json") else path.name
    if stem.startswith("zc_") and not stem[3:].startswith(space):
        raise DataError(f"{path.name} holds search space {space!r}, not the one its name says "
                        f"({stem[3:]!r}); rename or re-download it")
    registry = get_registry()
    benchmarks = _benchmarks_for(registry, space)
    if not benchmarks:
        spaces = sorted({getattr(registry.get("benchmarks", n), "search_space", n)
                         for n in registry.names("benchmarks")})
        raise DataError(f"{path.name} holds search space {space!r}, which no installed benchmark reads "
                        f"(installed: {', '.join(spaces) or 'none'})")
    bench = benchmarks[0]
    tasks = tuple(getattr(bench, "tasks", ()))
    data = load_naslib_zc(path, space, key=getattr(bench, "naslib_key", None))
    unknown = [d for d in data if tasks and d not in tasks]
    if unknown:
        raise DataError(f"{path.name} holds dataset(s) {', '.join(map(repr, unknown))}, which benchmark "
                        f"{bench.name!r} does not have (tasks: {', '.join(tasks)})")
    counts = {d: len(archs) for d, archs in data.items()}
    if not any(counts.values()):
        raise DataError(f"{path.name} lists no architecture")
    unlabelled = [d for d, archs in data.items() if archs and not any("val_accuracy" in s for s in archs.values())]
    if unlabelled:
        raise DataError(f"{path.name}: dataset(s) {', '.join(unlabelled)} have no 'val_accuracy'; "
                        "not a NAS-Bench-Suite-Zero ground-truth file")
    return space, counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_atomically(src: Path, dest: Path) -> None:
    """Copy ``src`` to ``dest`` through a temporary file in ``dest``'s folder and one rename."""
    import shutil

    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    except OSError as exc:
        raise DataError(f"cannot write to {str(dest.parent)!r} ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
        os.replace(tmp, dest)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DataError(f"copying {str(src)!r} to {str(dest)!r} failed ({exc.strerror or exc})") from None
        raise


@data_command.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@DATA_DIR_OPTION
@click.option("--force", is_flag=True, help="Replace a different file already imported.")
def import_command(file: str, data_dir: str | None, force: bool) -> None:
    """Check a NASLib NAS-Bench-Suite-Zero JSON (zc_<space>.json) and copy it where benchmarks find it."""
    from ..config import get_data_dir

    src = Path(file)
    space, counts = validate_naslib_file(src)
    dest = get_data_dir(data_dir) / "naslib" / f"zc_{space}.json"
    summary = ", ".join(f"{d}: {n:,}" for d, n in counts.items())
    if dest.is_file():
        if _sha256(dest) == _sha256(src):
            click.echo(f"{dest} already holds this file ({space}; {summary})")
            return
        if not force:
            raise DataError(f"{str(dest)!r} exists and differs from {src.name}; pass --force to replace it")
    copy_atomically(src, dest)
    click.echo(f"imported {src.name} -> {dest} ({space}; architectures per dataset: {summary})")
