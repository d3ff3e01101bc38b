"""The seven TransNAS-Bench-101 tasks: what each network predicts and is scored on (no torch).

Numbers come from TransNAS-Bench-101 (Duan et al., CVPR 2021; code
github.com/yawen-d/TransNASBench) as NASLib uses them
(``naslib/search_spaces/transbench101``, ``naslib/utils/utils.py``), which is
where the NAS-Bench-Suite-Zero ground truth in ``tnb101_micro.csv`` comes from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskInfo:
    name: str
    #: what the network outputs
    kind: str
    #: output classes / regression size (None for image outputs)
    num_classes: int | None
    #: training loss (see ``losses.py``)
    loss: str
    #: what the benchmark column holds (NASLib's ``Metric.VAL_ACCURACY`` for the task)
    column_meaning: str
    #: NASLib's key in the TransNAS-Bench-101 API answering Metric.VAL_ACCURACY
    naslib_metric_key: str
    #: input side length NASLib feeds (jigsaw: side of each of the 9 tiles)
    input_size: int
    description: str


TASKS: dict[str, TaskInfo] = {t.name: t for t in (
    TaskInfo("class_scene", "classification", 63, "soft_cross_entropy",
             "validation top-1 accuracy (%) against the argmax of the 63 selected Places365 scene classes",
             "valid_top1", 256,
             "scene classification: 63 Places365 classes, soft targets (teacher probabilities)"),
    TaskInfo("class_object", "classification", 100, "soft_cross_entropy",
             "validation top-1 accuracy (%) against the argmax of the 100 selected ImageNet object classes",
             "valid_top1", 256,
             "object classification: 100 ImageNet classes, soft targets (teacher probabilities)"),
    TaskInfo("jigsaw", "classification", 1000, "cross_entropy",
             "validation top-1 accuracy (%) of the permutation class (1,000 permutations)",
             "valid_top1", 64,
             "jigsaw puzzle: 9 tiles of 64x64 through a shared encoder, 1,000 permutation classes"),
    TaskInfo("room_layout", "regression", 9, "mse",
             "negative validation L2 (MSE) loss of the 9-d room layout (higher is better)",
             "valid_neg_loss", 256,
             "room layout: 9 normalised numbers (box centre, rotation, size)"),
    TaskInfo("segmentsemantic", "segmentation", 17, "pixel_cross_entropy",
             "validation pixel accuracy (%) over 17 semantic classes",
             "valid_acc", 256,
             "semantic segmentation: 17 classes per pixel"),
    TaskInfo("normal", "image", None, "l1",
             "validation SSIM of the predicted surface normals (0..1, higher is better)",
             "valid_ssim", 256,
             "surface normals: 3-channel image in [0, 1]"),
    TaskInfo("autoencoder", "image", None, "l1",
             "validation SSIM of the reconstructed image (0..1, higher is better)",
             "valid_ssim", 256,
             "autoencoding: reconstruct the input image (normalised to [-1, 1])"),
)}

TASK_NAMES: tuple[str, ...] = tuple(TASKS)

#: jigsaw: tiles per image and permutation classes (TransNAS-Bench-101 ``MakeJigsawPuzzle``)
JIGSAW_TILES = 9
JIGSAW_CLASSES = 1000


def task_info(task: str) -> TaskInfo:
    from nasplug.errors import UnknownNameError

    try:
        return TASKS[task]
    except KeyError:
        raise UnknownNameError(
            f"unknown TransNAS-Bench-101 task {task!r}; valid: {', '.join(TASK_NAMES)}") from None
