"""Taskonomy batches for the seven TransNAS-Bench-101 tasks (torch imported inside methods).

One :class:`nasplug.data.Dataset` subclass per task, registered under the task's
name. Two sources:

* **real Taskonomy data** (the layout TransNAS-Bench-101 and NASLib read,
  ``lib/data/taskonomy_dataset.py`` / ``naslib/utils/taskonomy_dataset.py``)::

      <data_dir>/taskonomy/                     (or taskonomydata_mini/, or option taskonomy_dir=)
          <building>.json                       list of templates, e.g.
                                                "<building>/{domain}/point_0_view_0_domain_{domain}.png"
          <building>/rgb/*_domain_rgb.png       input images (all tasks)
          <building>/class_object/*.npy         1000 ImageNet teacher probabilities
          <building>/class_scene/*.npy          365 Places teacher probabilities
          <building>/room_layout/*.npy          9 normalised room-layout numbers
          <building>/segmentsemantic/*.png      class map (0 and 1 -> class 0, k -> k - 1)
          <building>/normal/*.png               surface normals (RGB)
          train_filenames_final5k.json          {"filename_list": ["<building>.json", ...]}
          val_filenames_final5k.json, test_filenames_final5k.json
                                                (here or in final5K_splits/)
          class_object_selected.npy             1000 -> 100 class mask (NASLib naslib/utils/)
          class_scene_selected.npy              365 -> 63 class mask
          permutations_hamming_max_1000.npy     jigsaw permutation set [1000, 9]

  Images are resized to the task's resolution and normalised as TransNAS-Bench-101's
  validation transforms do (no random augmentation: a batch depends only on the seed).
  Class labels already holding 63 / 100 entries need no mask file.

* **synthetic tensors**, only with ``synthetic=True`` (``--synthetic-data``): inputs
  of the right shape (uniform random pixels, normalised like real images) and
  targets of the right shape, type and range per task. ``describe()`` and
  ``batch_info()`` say "synthetic".

Options (constructor keywords, or environment variables because ``nasplug eval``
passes no dataset options):

``resolution`` / ``NASPLUG_TNB101_RESOLUTION``
    input side in pixels (jigsaw: the side of each of the 9 tiles), a multiple of
    32. Default 64 (jigsaw 32). ``"naslib"`` means NASLib's sizes, 256 (jigsaw 64),
    with which the ``flops`` predictor reproduces NASLib's numbers exactly.
``max_batch_size`` / ``NASPLUG_TNB101_MAX_BATCH``
    a batch holds ``min(requested, max_batch_size)`` samples. Defaults: 16 for
    class_scene, class_object, room_layout; 8 for segmentsemantic, normal,
    autoencoder; 4 for jigsaw (9 tiles each). With these defaults one proxy
    (one forward + backward) takes about a second per cell on one CPU core
    (``benchmarks/bench_tnb101.py``).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

from nasplug.data import Dataset
from nasplug.errors import DataError, NasplugError

from .tasks import JIGSAW_CLASSES, JIGSAW_TILES, TASK_NAMES, TASKS

SPLITS = ("train", "val", "test")
#: split -> file name of TransNAS-Bench-101's final5k split lists
SPLIT_FILES = {s: f"{s}_filenames_final5k.json" for s in SPLITS}
SPLIT_DIRS = ("final5K_splits", "final5k", ".")
DATA_FOLDERS = ("taskonomy", "taskonomydata_mini")

#: normalisation of TransNAS-Bench-101's configs (mean, std per channel)
CLASS_NORM = ((0.5224, 0.5222, 0.5221), (0.2234, 0.2235, 0.2236))  # class_*, room_layout
HALF_NORM = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # segmentsemantic, normal, autoencoder
#: jigsaw: the image is resized to 255x255, 3x3 cells of 85 pixels, a random 64x64 crop per cell
JIGSAW_IMAGE_SIDE, JIGSAW_TILE_SIDE = 255, 64
JIGSAW_CENTER_CROP = 0.9

DEFAULT_RESOLUTION = {t: 64 for t in TASK_NAMES} | {"jigsaw": 32}
NASLIB_RESOLUTION = {t: TASKS[t].input_size for t in TASK_NAMES}
DEFAULT_MAX_BATCH = {"class_scene": 16, "class_object": 16, "room_layout": 16, "jigsaw": 4,
                     "segmentsemantic": 8, "normal": 8, "autoencoder": 8}
RESOLUTION_ENV = "NASPLUG_TNB101_RESOLUTION"
MAX_BATCH_ENV = "NASPLUG_TNB101_MAX_BATCH"

#: class-selection masks of the full label vectors (NASLib/TransNAS-Bench-101 ``*_selected.npy``)
SELECTION_FILES = {"class_scene": ("class_scene_selected.npy", 365),
                   "class_object": ("class_object_selected.npy", 1000)}
PERMUTATION_FILE = "permutations_hamming_max_1000.npy"
#: task -> (folder, extension) of its label files (TransNAS-Bench-101 ``DOMAIN_DATA_SOURCE``)
LABEL_SOURCE = {
    "class_scene": ("class_scene", "npy"), "class_object": ("class_object", "npy"),
    "room_layout": ("room_layout", "npy"), "segmentsemantic": ("segmentsemantic", "png"),
    "normal": ("normal", "png"), "autoencoder": ("rgb", "png"), "jigsaw": ("rgb", "png"),
}

LAYOUT_HINT = ("expected a Taskonomy folder as TransNAS-Bench-101/NASLib use it: <data>/taskonomy/ "
               "(or taskonomydata_mini/) with <building>.json template lists, <building>/rgb/*.png, "
               "<building>/<task>/* labels and train/val/test_filenames_final5k.json "
               "(see the README, section TransNAS-Bench-101)")

_BATCH_CACHE: dict = {}
_BATCH_CACHE_MAX = 4


def _int_option(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NasplugError(f"{what} must be an integer, got {value!r}") from None
    if str(number) != str(value).strip() and not isinstance(value, int):
        raise NasplugError(f"{what} must be an integer, got {value!r}")
    return number


class TaskonomyTaskDataset(Dataset):
    """Batches of one TransNAS-Bench-101 task (subclasses set ``name``)."""

    name = ""

    def __init__(self, data_dir: Any = None, synthetic: bool = False, *,
                 resolution: int | str | None = None, max_batch_size: int | None = None,
                 taskonomy_dir: str | os.PathLike | None = None, download: bool = False,
                 **options: Any) -> None:
        super().__init__(data_dir=data_dir, synthetic=synthetic, **options)
        info = TASKS[self.name]
        self.task_info = info
        self.num_classes = info.num_classes
        self.download = download  # accepted for the common signature; Taskonomy is never downloaded
        if resolution is None:
            resolution = os.environ.get(RESOLUTION_ENV) or DEFAULT_RESOLUTION[self.name]
        if str(resolution).strip().lower() == "naslib":
            resolution = NASLIB_RESOLUTION[self.name]
        resolution = _int_option(resolution, f"{self.name} resolution")
        if resolution < 32 or resolution % 32:
            raise NasplugError(f"{self.name} resolution must be a multiple of 32 (the encoder's "
                               f"output stride), at least 32; got {resolution}")
        self.resolution = resolution
        if max_batch_size is None:
            max_batch_size = os.environ.get(MAX_BATCH_ENV) or DEFAULT_MAX_BATCH[self.name]
        self.max_batch_size = _int_option(max_batch_size, f"{self.name} max_batch_size")
        if self.max_batch_size < 1:
            raise NasplugError(f"{self.name} max_batch_size must be at least 1, got {self.max_batch_size}")
        r = self.resolution
        self.input_shape = (JIGSAW_TILES, 3, r, r) if self.name == "jigsaw" else (3, r, r)
        self._taskonomy_dir = taskonomy_dir

    # -- description --------------------------------------------------------------------------
    def _size_text(self) -> str:
        r = self.resolution
        return f"{JIGSAW_TILES} tiles of {r}x{r}" if self.name == "jigsaw" else f"{r}x{r}"

    def describe(self) -> str:
        if self.synthetic:
            return f"{self.name} (synthetic, {self._size_text()})"
        return f"{self.name} (Taskonomy {self.root()}, {self._size_text()})"

    def effective_batch_size(self, batch_size: int) -> int:
        batch_size = int(batch_size)
        if batch_size < 1:
            raise DataError(f"batch size must be at least 1, got {batch_size}")
        return min(batch_size, self.max_batch_size)

    def batch_info(self, batch_size: int, split: str = "train") -> dict:
        n = self.effective_batch_size(batch_size)
        self._check_split(split)
        info = {"dataset": self.name, "split": split, "synthetic": bool(self.synthetic),
                "batch_size": n, "requested_batch_size": int(batch_size),
                "resolution": self.resolution, "input_shape": list(self.input_shape)}
        if self.synthetic:
            info["source"] = (f"synthetic {self.name} ({self._size_text()}, batch {n}): uniform random "
                              "pixels, random targets of the task's shape")
        else:
            samples = self._templates(split)
            info["source"] = f"Taskonomy {self.root()} ({split}, {self._size_text()}, batch {n})"
            info["images_available"] = len(samples)
            info["sampling"] = (f"batch of {n} drawn {'with' if n > len(samples) else 'without'} "
                                f"replacement from {len(samples)} images")
        if n < int(batch_size):
            info["note"] = (f"batch capped at max_batch_size={self.max_batch_size} "
                            f"(set {MAX_BATCH_ENV} to change)")
        return info

    @staticmethod
    def _check_split(split: str) -> None:
        if split not in SPLITS:
            raise DataError(f"unknown split {split!r} for Taskonomy; valid: {', '.join(SPLITS)}")

    # -- batches --------------------------------------------------------------------------------
    def get_batch(self, batch_size: int, seed: int, split: str = "train"):
        """``(inputs, targets)``; see the module docstring for shapes. Same arguments, same tensors."""
        n = self.effective_batch_size(batch_size)
        self._check_split(split)
        key = (self.name, self.synthetic, str(self.root()) if not self.synthetic else None,
               self.resolution, n, int(seed), split)
        cached = _BATCH_CACHE.get(key)
        if cached is None:
            cached = self._synthetic_batch(n, int(seed), split) if self.synthetic else \
                self._real_batch(n, int(seed), split)
            if len(_BATCH_CACHE) >= _BATCH_CACHE_MAX:
                _BATCH_CACHE.pop(next(iter(_BATCH_CACHE)))
            _BATCH_CACHE[key] = cached
        # callers may modify what they get: hand out copies
        return cached[0].clone(), cached[1].clone()

    def _synthetic_batch(self, n: int, seed: int, split: str):
        import torch

        gen = torch.Generator().manual_seed(seed * len(SPLITS) + SPLITS.index(split))
        r = self.resolution
        task = self.name
        if task == "jigsaw":
            # raw tiles in [0, 1] (TransNAS-Bench-101 feeds jigsaw tiles unnormalised)
            x = torch.rand((n, JIGSAW_TILES, 3, r, r), generator=gen)
            return x, torch.randint(0, JIGSAW_CLASSES, (n,), generator=gen)
        pixels = torch.rand((n, 3, r, r), generator=gen)
        mean, std = CLASS_NORM if task in ("class_scene", "class_object", "room_layout") else HALF_NORM
        x = _normalise(pixels, mean, std)
        if task in ("class_scene", "class_object"):
            # teacher probabilities over the selected classes, like Taskonomy's labels
            logits = 3.0 * torch.randn((n, self.num_classes), generator=gen)
            return x, torch.softmax(logits, dim=1)
        if task == "room_layout":
            return x, torch.randn((n, self.num_classes), generator=gen)  # normalised 9-d layout
        if task == "segmentsemantic":
            return x, torch.randint(0, self.num_classes, (n, r, r), generator=gen)
        if task == "normal":
            return x, torch.rand((n, 3, r, r), generator=gen)  # normals as an image in [0, 1]
        return x, x.clone()  # autoencoder: the normalised input itself

    # -- real data ------------------------------------------------------------------------------
    def root(self) -> Path:
        """The Taskonomy folder (whether it exists or not)."""
        from nasplug.config import get_data_dir

        if self._taskonomy_dir:
            return Path(self._taskonomy_dir).expanduser()
        base = get_data_dir(self.data_dir)
        for folder in DATA_FOLDERS:
            if (base / folder).is_dir():
                return base / folder
        return base / DATA_FOLDERS[0]

    def _missing(self, what: str) -> DataError:
        hint = "; or pass --synthetic-data (synthetic=True) for synthetic inputs"
        if self.download:
            hint += " (Taskonomy cannot be downloaded by nasplug: get it from https://github.com/StanfordVL/taskonomy)"
        return DataError(f"no Taskonomy data for {self.name}: {what}; {LAYOUT_HINT}{hint}")

    def _split_file(self, split: str) -> Path:
        root = self.root()
        if not root.is_dir():
            raise self._missing(f"folder {str(root)!r} does not exist")
        for sub in SPLIT_DIRS:
            path = root / sub / SPLIT_FILES[split]
            if path.is_file():
                return path
        raise self._missing(f"no {SPLIT_FILES[split]} in {str(root)!r} or its "
                            f"{'/ or '.join(SPLIT_DIRS[:2])}/ folder")

    def _templates(self, split: str) -> list[str]:
        path = self._split_file(split)
        key = ("templates", str(path))
        found = _BATCH_CACHE.get(key)
        if found is not None:
            return found
        root = self.root()
        buildings = _read_json(path).get("filename_list")
        if not isinstance(buildings, list) or not buildings:
            raise DataError(f"{path}: expected {{\"filename_list\": [\"<building>.json\", ...]}}")
        templates: list[str] = []
        for building in buildings:
            listing = root / building
            if not listing.is_file():
                raise self._missing(f"building list {str(listing)!r} named in {path.name} is missing")
            entries = _read_json(listing)
            if not isinstance(entries, list):
                raise DataError(f"{listing}: expected a list of template paths")
            for entry in entries:
                stem, _, ext = str(entry).rpartition(".")
                templates.append(stem if ext in ("npy", "png") else str(entry))
        if not templates:
            raise DataError(f"{path}: the split lists no images")
        if len(_BATCH_CACHE) >= _BATCH_CACHE_MAX:
            _BATCH_CACHE.pop(next(iter(_BATCH_CACHE)))
        _BATCH_CACHE[key] = templates
        return templates

    def _file(self, template: str, domain: str, ext: str) -> Path:
        path = self.root() / f"{template.format(domain=domain)}.{ext}"
        if not path.is_file():
            raise self._missing(f"file {str(path)!r} is missing")
        return path

    def _aux_file(self, name: str, purpose: str) -> Path:
        path = self.root() / name
        if not path.is_file():
            raise self._missing(f"{purpose} {name!r} is missing from {str(self.root())!r} (it ships "
                                "with NASLib, naslib/utils/, and TransNAS-Bench-101, lib/data/)")
        return path

    def _real_batch(self, n: int, seed: int, split: str):
        import numpy as np
        import torch

        templates = self._templates(split)
        rng = random.Random(f"{seed}:{split}:{self.name}")
        picks = (rng.sample(range(len(templates)), n) if n <= len(templates)
                 else [rng.randrange(len(templates)) for _ in range(n)])
        if self.name == "jigsaw":
            perms = np.load(self._aux_file(PERMUTATION_FILE, "the jigsaw permutation set"),
                            allow_pickle=False)
            if perms.ndim != 2 or perms.shape[1] != JIGSAW_TILES or len(perms) < JIGSAW_CLASSES:
                raise DataError(f"{PERMUTATION_FILE}: expected [{JIGSAW_CLASSES}, 9] permutations, "
                                f"got {list(perms.shape)}")
            gen = torch.Generator().manual_seed(seed * len(SPLITS) + SPLITS.index(split))
            xs, ys = [], []
            for i in picks:
                label = int(torch.randint(0, JIGSAW_CLASSES, (1,), generator=gen))
                image = _read_rgb(self._file(templates[i], "rgb", "png"))
                xs.append(_jigsaw_tiles(image, perms[label], self.resolution, gen))
                ys.append(label)
            return torch.stack(xs), torch.tensor(ys, dtype=torch.long)
        xs, ys = [], []
        for i in picks:
            image = _resize(_read_rgb(self._file(templates[i], "rgb", "png")), self.resolution)
            x, y = self._real_sample(templates[i], image)
            xs.append(x)
            ys.append(y)
        return torch.stack(xs), torch.stack(ys)

    def _real_sample(self, template: str, image):
        import numpy as np
        import torch

        task = self.name
        domain, ext = LABEL_SOURCE[task]
        if task in ("class_scene", "class_object", "room_layout"):
            x = _normalise(image, *CLASS_NORM)
            label = np.load(self._file(template, domain, ext), allow_pickle=False).astype(np.float64)
            label = label.reshape(-1)
            if task == "room_layout":
                if label.size != self.num_classes:
                    raise DataError(f"{template}: room layout label has {label.size} numbers, expected 9")
                return x, torch.from_numpy(label.astype(np.float32))
            mask_name, full = SELECTION_FILES[task]
            if label.size == full:
                mask = np.load(self._aux_file(mask_name, f"the {task} class mask"),
                               allow_pickle=False).astype(bool).reshape(-1)
                if mask.size != full or int(mask.sum()) != self.num_classes:
                    raise DataError(f"{mask_name}: expected a {full}-entry mask selecting "
                                    f"{self.num_classes} classes")
                label = label[mask]
            elif label.size != self.num_classes:
                raise DataError(f"{template}: {task} label has {label.size} entries, expected "
                                f"{full} (full) or {self.num_classes} (selected)")
            total = label.sum()
            label = label / total if total > 0 else np.full_like(label, 1.0 / label.size)
            return x, torch.from_numpy(label.astype(np.float32))
        x = _normalise(image, *HALF_NORM)
        if task == "autoencoder":
            return x, x.clone()
        if task == "normal":
            return x, _resize(_read_rgb(self._file(template, domain, ext)), self.resolution)
        # segmentsemantic: nearest resize, 0 (unlabelled) merged into 1, then shift to 0..16
        label = _read_label_map(self._file(template, domain, ext), self.resolution)
        label[label == 0] = 1
        return x, (label - 1).clamp_(0, self.num_classes - 1)


# -- image helpers (torch/torchvision imported lazily) ----------------------------------------
def _read_json(path: Path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {str(path)!r} ({type(exc).__name__}: {exc})") from None


def _read_png(path: Path):
    """The PNG's pixels as a [C, H, W] tensor (uint8, or int32 for 16-bit files)."""
    import numpy as np
    import torch
    from PIL import Image

    try:
        with Image.open(path) as img:
            arr = np.asarray(img)
    except Exception as exc:
        raise DataError(f"cannot decode image {str(path)!r} ({type(exc).__name__}: {exc})") from None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.dtype != np.uint8:
        arr = arr.astype(np.int32)
    return torch.from_numpy(arr.transpose(2, 0, 1).copy())


def _read_rgb(path: Path):
    """float32 [3, H, W] in [0, 1]."""
    import torch

    img = _read_png(path)
    if img.shape[0] == 1:
        img = img.expand(3, -1, -1)
    elif img.shape[0] == 4:
        img = img[:3]
    scale = 255.0 if img.dtype == torch.uint8 else 65535.0
    return img.float().div_(scale)


def _read_label_map(path: Path, side: int):
    import torch
    from torch.nn import functional as F

    img = _read_png(path)
    label = img[0].to(torch.long)
    return F.interpolate(label[None, None].float(), size=(side, side), mode="nearest")[0, 0].long()


def _resize(img, side: int):
    from torch.nn import functional as F

    if img.shape[-2:] == (side, side):
        return img
    return F.interpolate(img[None], size=(side, side), mode="bilinear", align_corners=False,
                         antialias=True)[0].clamp_(0.0, 1.0)


def _normalise(img, mean, std):
    import torch

    shape = (1, 3, 1, 1) if img.dim() == 4 else (3, 1, 1)
    m = torch.tensor(mean, dtype=img.dtype).view(shape)
    s = torch.tensor(std, dtype=img.dtype).view(shape)
    return (img - m) / s


def _jigsaw_tiles(image, permutation, tile: int, gen):
    """TransNAS-Bench-101 ``MakeJigsawPuzzle`` without its random colour/flip augmentation:
    resize, 0.9 centre crop resized back, 3x3 cells, one random ``tile`` crop per cell,
    tile ``i`` taken from cell ``permutation[i]``; unnormalised pixels in [0, 1]."""
    import torch

    side = 3 * ((JIGSAW_IMAGE_SIDE // 3) * tile // JIGSAW_TILE_SIDE)  # 255 for 64-pixel tiles
    img = _resize(image, side)
    crop = int(side * JIGSAW_CENTER_CROP)
    top = (side - crop) // 2
    img = _resize(img[:, top:top + crop, top:top + crop].contiguous(), side)
    unit = side // 3
    tiles = []
    for cell in permutation:
        row, col = divmod(int(cell), 3)
        di = int(torch.randint(0, unit - tile + 1, (1,), generator=gen))
        dj = int(torch.randint(0, unit - tile + 1, (1,), generator=gen))
        y0, x0 = row * unit + di, col * unit + dj
        tiles.append(img[:, y0:y0 + tile, x0:x0 + tile])
    return torch.stack(tiles)


def _make_task_class(task: str) -> type:
    info = TASKS[task]
    doc = f"Taskonomy batches for TransNAS-Bench-101's {task} task: {info.description}."
    class_name = "Taskonomy" + "".join(part.capitalize() for part in task.split("_"))
    return type(class_name, (TaskonomyTaskDataset,),
                {"name": task, "num_classes": info.num_classes, "__doc__": doc,
                 "__module__": __name__})


#: task name -> Dataset class
DATASET_CLASSES: dict[str, type] = {task: _make_task_class(task) for task in TASK_NAMES}
globals().update({cls.__name__: cls for cls in DATASET_CLASSES.values()})


def clear_cache() -> None:
    """Forget cached batches and split listings."""
    _BATCH_CACHE.clear()
