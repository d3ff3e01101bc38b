"""NAS-Bench-Suite-Zero's three NAS-Bench-360 tasks: shapes, classes, files (no torch).

NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022 Datasets and Benchmarks)
adds nine tasks to its 19: three NAS-Bench-360 data sets (Tu et al., NeurIPS 2022)
on NAS-Bench-201, NAS-Bench-301 and TransNAS-Bench-101 micro. The numbers here
are NASLib's (``naslib/search_spaces/__init__.py``: ``dataset_n_classes`` and
``dataset_to_channels``; ``naslib/utils/utils.py``: the loaders), which built the
networks and computed the published scores.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    name: str
    #: one input, (channels, height, width), as NASLib's loaders produce it
    input_shape: tuple[int, int, int]
    num_classes: int
    title: str
    #: what the input is
    description: str
    #: where the official files come from
    source: str


TASKS: dict[str, TaskSpec] = {t.name: t for t in (
    TaskSpec("svhn", (3, 32, 32), 10, "SVHN",
             "Street View House Numbers, cropped digits (RGB 32x32, 10 classes)",
             "http://ufldl.stanford.edu/housenumbers/ (torchvision.datasets.SVHN: train_32x32.mat, "
             "test_32x32.mat; `--download` fetches them)"),
    TaskSpec("ninapro", (1, 16, 52), 18, "NinaPro DB5",
             "NinaPro DB5 sEMG windows: 16 electrodes x 52 time steps, 18 hand gestures "
             "(NAS-Bench-360's processed release)",
             "NAS-Bench-360 (https://nb360.ml.cmu.edu/, files ninapro_{train,val,test}.npy and "
             "label_{train,val,test}.npy)"),
    TaskSpec("scifar100", (3, 60, 60), 100, "Spherical CIFAR-100",
             "CIFAR-100 images projected onto the sphere and sampled on a 60x60 grid "
             "(NAS-Bench-360's Spherical CIFAR-100)",
             "NAS-Bench-360 (https://nb360.ml.cmu.edu/, file s2_cifar100.gz)"),
)}

TASK_NAMES: tuple[str, ...] = tuple(TASKS)

#: the search spaces NAS-Bench-Suite-Zero evaluates these tasks on (names as NASLib's)
SEARCH_SPACES = ("nasbench201", "nasbench301", "transbench101_micro")


def task_spec(name: str) -> TaskSpec:
    from nasplug.errors import UnknownNameError

    try:
        return TASKS[name]
    except KeyError:
        raise UnknownNameError(f"unknown NAS-Bench-360 task {name!r}; valid: {', '.join(TASK_NAMES)}") from None


__all__ = ["SEARCH_SPACES", "TASKS", "TASK_NAMES", "TaskSpec", "task_spec"]
