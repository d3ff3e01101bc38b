"""Stage 1, tasks: which ``(search space, task)`` pairs to score, and what each needs.

:func:`installed_tasks` lists every task of every installed benchmark;
:func:`parse_benchmark` reads ``--benchmark NAME[/TASK]``; :func:`prepare_task`
loads a task's ground-truth table and builds its Dataset once, and returns
what it learned as a :class:`PreparedTask` (the benchmark API, the metric, the
batch description, the dataset options, and, when the images are missing,
why). A missing or corrupt table is a :class:`nasplug.errors.DataError`;
missing images are not: predictors that read no batch (``requires_data =
False``: synflow, flops, params) still run on the input shape alone, and the
others are skipped with :attr:`PreparedTask.images_error` as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import DataError, NasplugError
from .settings import BatchSettings


def installed_tasks(search_spaces: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """``(search_space, task)`` for every task of every installed benchmark."""
    from ..plugins import get_registry

    registry = get_registry()
    wanted = set(search_spaces) if search_spaces is not None else None
    out = []
    for name in registry.names("benchmarks"):
        cls = registry.get("benchmarks", name)
        space = getattr(cls, "search_space", None) or name
        if wanted is not None and space not in wanted and name not in wanted:
            continue
        for task in getattr(cls, "tasks", ()) or ():
            out.append((space, task))
    return out


def parse_benchmark(value: str) -> list[tuple[str, str]]:
    """``--benchmark`` values: ``name/task`` or ``name`` (all its tasks)."""
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


@dataclass
class PreparedTask:
    """One task, checked: everything later stages need to know about it.

    ``settings`` are the requested ones with ``augment`` set to what the
    batches really get; ``data`` describes the batch (copied into every result;
    ``synthetic`` is always present); ``dataset_options`` are the keyword
    arguments the task's Dataset is built with (workers build it the same way);
    ``images_error`` is ``None`` when the task has images, else the one-line
    reason (then ``data["images"]`` is False and only data-free predictors run,
    on ``input_shape``).
    """

    search_space: str
    dataset: str
    settings: BatchSettings
    api: Any = field(repr=False)
    metric: Any
    data: dict
    dataset_options: dict
    images_error: str | None = None
    input_shape: tuple = ()
    #: the Dataset built here, reused by in-process scoring (never pickled)
    live_dataset: Any = field(default=None, repr=False, compare=False)

    @property
    def task(self) -> str:
        return f"{self.search_space}/{self.dataset}"

    @property
    def has_images(self) -> bool:
        return self.images_error is None

    def batch_key(self) -> str:
        """The batch part of the score store's key (size, split, source, augmentation)."""
        key = f"bs={self.settings.batch_size};split={self.settings.split};data={self.data.get('source')}"
        if self.data.get("augmentation"):  # augmented batches are other batches
            key += f";aug={self.data['augmentation']}"
        return key

    def require_images(self, predictor: str) -> None:
        """A DataError when ``predictor`` reads the batch and this task has no images."""
        if self.images_error is not None:
            raise DataError(f"{predictor} reads image batches and {self.task} has none: "
                            f"{self.images_error}")


def _dataset_class(dataset: str) -> Any:
    from ..plugins import get_registry

    registry = get_registry()
    if dataset not in registry.names("datasets"):
        raise DataError(f"no installed dataset plugin provides images for task {dataset!r}")
    return registry.get("datasets", dataset)


def _describe_batch(ds: Any, dataset: str, settings: BatchSettings, options: dict) -> dict:
    """The Dataset's own batch description, with the augmentation note when it was not applied."""
    info = dict(ds.batch_info(settings.batch_size, settings.split))
    info["synthetic"] = bool(info.get("synthetic", settings.synthetic))
    info.setdefault("source", ds.describe())
    if settings.augment and not info.get("augmentation"):
        info["augmentation"] = None
        info["augmentation_note"] = (
            f"{dataset} has no NASLib augmentation: plain batches" if not options else
            "synthetic inputs are not augmented" if info["synthetic"] else
            f"NASLib augments only training batches: plain {settings.split} batches")
    return info


def _shape_only(dataset: str, settings: BatchSettings, shape: tuple, reason: str) -> dict:
    text = "x".join(str(s) for s in shape) if shape else "unknown"
    return {"dataset": dataset, "split": settings.split, "synthetic": False, "images": False,
            "source": f"no images: input shape {text} only", "missing": reason}


def prepare_task(search_space: str, dataset: str, settings: BatchSettings,
                 dataset_api: Any = None) -> PreparedTask:
    """Load the task's table and describe its batch; see the module docstring.

    Raises :class:`DataError` for a missing or corrupt table (or a task without
    a dataset plugin); missing images end up in ``images_error``.
    """
    from ..api import get_dataset_api
    from ..data import augment_option, get_dataset

    api = dataset_api if dataset_api is not None else get_dataset_api(
        search_space, dataset, data_dir=settings.data_dir)
    metric = getattr(api, "default_metric", None)
    _dataset_class(dataset)
    options = augment_option(dataset, settings.augment)
    ds = get_dataset(dataset, data_dir=settings.data_dir, synthetic=settings.synthetic,
                     download=settings.download, **options)
    shape = tuple(getattr(ds, "input_shape", ()) or ())
    try:
        data = _describe_batch(ds, dataset, settings, options)
        images_error = None
    except DataError as exc:
        images_error = str(exc)
        data = _shape_only(dataset, settings, shape, images_error)
        options = {}
    effective = settings.replace(augment=bool(data.get("augmentation")))
    return PreparedTask(search_space, dataset, effective, api, metric, data, options,
                        images_error, shape, live_dataset=ds)


def check_task(search_space: str, dataset: str, *, settings: BatchSettings | None = None,
               **batch: Any) -> PreparedTask:
    """:func:`prepare_task`, raising the images' DataError too (kept for NASLib-style callers).

    ``batch``: :class:`BatchSettings` fields (``data_dir``, ``batch_size`` ...).
    """
    prepared = prepare_task(search_space, dataset, settings or BatchSettings.from_options(batch))
    if prepared.images_error is not None:
        raise DataError(prepared.images_error)
    return prepared


__all__ = ["PreparedTask", "check_task", "installed_tasks", "parse_benchmark", "prepare_task"]
