"""Image data for benchmark tasks.

A dataset plugin registers a :class:`Dataset` subclass whose ``name`` is the
dataset/task name a benchmark uses (``"cifar10"``, ``"class_scene"`` ...). The
evaluation scores each architecture on a batch drawn reproducibly from it.

Contract (subclasses implement ``_load`` or override ``get_batch``):

- ``Dataset(data_dir=None, synthetic=False, **options)``; real data is read from
  the data directory and a missing file is a :class:`nasplug.errors.DataError`;
  synthetic tensors of the right shape are produced only with ``synthetic=True``
  and then ``self.synthetic`` is True and ``describe()`` says so.
- ``get_batch(batch_size, seed, split="train") -> (inputs, targets)``: the same
  arguments always give the same tensors.
- ``get_loader(batch_size, seed, split="train")``: an iterable of ``(inputs,
  targets)`` batches (what ``Predictor.query`` receives as ``dataloader``).
- optional ``batch_info(batch_size, split) -> dict``: where the images come from
  and how the batch is drawn; the evaluation copies it into every result.
- optional ``supports_augment = True`` when the constructor takes ``augment=True``
  (NASLib's training transforms, ``nasplug eval --augment``); ``batch_info`` then
  names the transforms under ``"augmentation"``.

Built-in datasets (registered by the core's own plugin, ``nasplug.default_plugins``):
``cifar10``, ``cifar100`` and ``ImageNet16-120``. Each looks, in this order, for

1. the official files: torchvision's CIFAR folders (``cifar-10-batches-py/``,
   ``cifar-100-python/``) or the downsampled ImageNet16 files
   (``ImageNet16-120/`` or ``ImageNet16/`` holding ``train_data_batch_1..10`` and
   ``val_data``) directly under the data directory;
2. with ``download=True`` only (CLI ``--download``), CIFAR is fetched by
   torchvision into the data directory (needs a network connection);
3. the NPZ samples of ``<data>/images/`` (``cifar10_train.npz`` ...);

and raises :class:`DataError` naming what it looked for when none is there.

Batches: ``batch_size`` images drawn with a NumPy generator seeded by ``(seed,
split)``, without replacement when the source holds at least ``batch_size``
images and **with replacement** otherwise (the CIFAR-100 sample has 20 images,
the ImageNet16-120 sample 278); ``batch_info`` reports which, and the evaluation
copies it into its results. Images are scaled to [0, 1] and normalised with the
per-channel mean/std NAS-Bench-201 (and NASLib) train with.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from .errors import DataError

# Per-channel normalisation used to train NAS-Bench-201 (Dong & Yang 2020, the
# NATS-Bench/AutoDL-Projects data code) and by NASLib's loaders
# (naslib/utils: _data_transforms_cifar10 / _cifar100 / _ImageNet_16_120).
CIFAR10_MEAN = (0.49139968, 0.48215827, 0.44653124)
CIFAR10_STD = (0.24703233, 0.24348505, 0.26158768)
CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
CIFAR100_STD = (0.2673, 0.2564, 0.2762)
IMAGENET16_MEAN = tuple(x / 255 for x in (122.68, 116.66, 104.01))
IMAGENET16_STD = tuple(x / 255 for x in (63.22, 61.26, 65.09))

SPLITS = ("train", "test")


class Dataset:
    """Base class of dataset plugins."""

    name: str = ""
    #: shape of one input, e.g. (3, 32, 32)
    input_shape: tuple = ()
    num_classes: int | None = None
    #: True when the constructor takes ``augment=True`` (NASLib's training transforms)
    supports_augment: bool = False

    def __init__(self, data_dir: Any = None, synthetic: bool = False, **options: Any) -> None:
        self.data_dir = data_dir
        self.synthetic = synthetic
        self.options = options

    def describe(self) -> str:
        return f"{self.name} (synthetic)" if self.synthetic else self.name

    def get_batch(self, batch_size: int, seed: int, split: str = "train"):
        raise NotImplementedError

    def get_loader(self, batch_size: int, seed: int, split: str = "train"):
        """One seeded batch wrapped as a re-iterable loader."""
        return [self.get_batch(batch_size, seed, split)]

    def batch_info(self, batch_size: int, split: str = "train") -> dict:
        """Where a batch comes from; subclasses add the source and sampling."""
        return {"dataset": self.name, "split": split, "synthetic": bool(self.synthetic),
                "source": self.describe()}


# -- reading the official files ------------------------------------------------

class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler for the official CIFAR / ImageNet16 batch files.

    Those files are pickled dicts of NumPy arrays and lists. Only the globals
    needed to rebuild NumPy arrays are allowed, so a tampered file cannot run code.
    """

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise DataError(f"refusing to load {module}.{name} from a data file: "
                        "only pickled NumPy arrays are accepted")


def _read_batch_file(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            entry = _ArrayUnpickler(fh, encoding="latin1").load()
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"cannot read data file {str(path)!r} ({type(exc).__name__}: {exc}); "
                        "it is corrupt or not in the official format") from None
    if not isinstance(entry, dict):
        raise DataError(f"data file {str(path)!r} does not hold a dict of arrays")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}


def _hwc_from_rows(data, side: int):
    """Rows of channel-major pixels (N x 3*side*side) -> uint8 N x side x side x 3."""
    import numpy as np

    arr = np.asarray(data, dtype=np.uint8)
    return np.ascontiguousarray(arr.reshape(-1, 3, side, side).transpose(0, 2, 3, 1))


class _Images:
    """Decoded images of one split: uint8 NHWC ``x``, int64 ``y``, a description."""

    __slots__ = ("x", "y", "source")

    def __init__(self, x, y, source: str) -> None:
        self.x, self.y, self.source = x, y, source


#: decoded arrays, shared by every Dataset instance of a process (a worker loads once)
_IMAGE_CACHE: dict = {}
_IMAGE_CACHE_MAX = 4


def _cached(key, loader):
    found = _IMAGE_CACHE.get(key)
    if found is None:
        found = loader()
        if len(_IMAGE_CACHE) >= _IMAGE_CACHE_MAX:
            _IMAGE_CACHE.pop(next(iter(_IMAGE_CACHE)))
        _IMAGE_CACHE[key] = found
    return found


class ImageClassificationDataset(Dataset):
    """An image-classification dataset with official files, an NPZ sample, or synthetic data.

    Subclasses set ``name``, ``input_shape``, ``num_classes``, ``mean``, ``std``,
    ``npz_files`` (split -> path under the data directory) and implement
    ``_official_root()`` / ``_load_official(root, split)``.
    """

    mean: tuple = ()
    std: tuple = ()
    npz_files: dict = {}
    official_label: str = ""
    source_hint: str = ""
    #: torchvision dataset class name used for ``download=True`` (None: no download)
    torchvision_class: str | None = None
    #: zero padding of NASLib's training-loader random crop (``augment=True``)
    crop_padding: int = 4
    supports_augment = True

    def __init__(self, data_dir: Any = None, synthetic: bool = False, download: bool = False,
                 augment: bool = False, **options: Any) -> None:
        super().__init__(data_dir=data_dir, synthetic=synthetic, **options)
        self.download = download
        self.augment = bool(augment)

    def augmentation(self, split: str = "train") -> str | None:
        """What ``augment=True`` does to a batch of ``split`` (None: nothing)."""
        if not self.augment or self.synthetic or split != "train":
            return None
        side = self.input_shape[-1]
        return (f"NASLib's training transforms: RandomCrop({side}, padding={self.crop_padding}), "
                "RandomHorizontalFlip")

    def _augment(self, x, rng):
        """NASLib's training transforms on an NCHW batch in [0, 1] (before normalising):
        a random ``side x side`` window of the image zero-padded by ``crop_padding``
        on every side, then a horizontal flip with probability 1/2, per image."""
        import torch

        pad = self.crop_padding
        side_h, side_w = x.shape[-2:]
        padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
        offsets = rng.integers(0, 2 * pad + 1, size=(len(x), 2))
        flips = rng.random(len(x)) < 0.5
        out = torch.empty_like(x)
        for n, ((i, j), flip) in enumerate(zip(offsets, flips)):
            window = padded[n, :, i:i + side_h, j:j + side_w]
            out[n] = window.flip(-1) if flip else window
        return out

    # -- locating data --------------------------------------------------------
    def _root(self) -> Path:
        from .config import get_data_dir

        return get_data_dir(self.data_dir)

    def _official_root(self) -> Path | None:  # pragma: no cover - overridden
        return None

    def _load_official(self, root: Path, split: str) -> _Images:  # pragma: no cover
        raise NotImplementedError

    def _download(self) -> None:
        if self.torchvision_class is None:
            raise DataError(f"{self.name} cannot be downloaded automatically; get it from "
                            f"{self.source_hint}")
        import torchvision

        root = self._root()
        root.mkdir(parents=True, exist_ok=True)
        cls = getattr(torchvision.datasets, self.torchvision_class)
        try:
            for train in (True, False):
                cls(root=str(root), train=train, download=True)
        except Exception as exc:
            raise DataError(f"downloading {self.name} into {str(root)!r} failed "
                            f"({type(exc).__name__}: {exc}); check the network connection "
                            f"or get it from {self.source_hint}") from None

    def _check_split(self, split: str) -> None:
        if split not in SPLITS:
            raise DataError(f"unknown split {split!r} for {self.name}; valid: {', '.join(SPLITS)}")

    def images(self, split: str = "train") -> _Images:
        """The decoded images of ``split`` (cached per process)."""
        self._check_split(split)
        if self.synthetic:
            raise DataError(f"{self.name} is synthetic: it has no images")
        official = self._official_root()
        if official is None and self.download:
            self._download()
            official = self._official_root()
        if official is not None:
            return _cached((type(self).__name__, str(official), split),
                           lambda: self._load_official(official, split))
        rel = self.npz_files.get(split)
        root = self._root()
        path = root / rel if rel else None
        if path is not None and path.is_file():
            return _cached((type(self).__name__, str(path), split),
                           lambda: self._load_npz(path, rel))
        looked = f"{self.official_label} or {rel}" if rel else self.official_label
        raise DataError(
            f"no {self.name} images in data directory {str(root)!r} (looked for {looked}); "
            f"set NASPLUG_DATA or pass --data-dir, add --download to fetch them"
            f"{'' if self.torchvision_class else ' (not available for this dataset)'}, "
            "or --synthetic-data for random inputs")

    def _load_npz(self, path: Path, rel: str) -> _Images:
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as npz:
                x = np.ascontiguousarray(npz["x"], dtype=np.uint8)
                y = np.asarray(npz["y"], dtype=np.int64)
        except Exception as exc:
            raise DataError(f"cannot read {str(path)!r} ({type(exc).__name__}: {exc}); "
                            "expected arrays x (uint8 NHWC) and y (int64)") from None
        side = self.input_shape[1]
        if x.ndim != 4 or x.shape[1:] != (side, side, 3) or len(x) != len(y) or len(x) == 0:
            raise DataError(f"{str(path)!r} holds x{tuple(x.shape)} / y{tuple(y.shape)}; "
                            f"expected x[N, {side}, {side}, 3] and y[N]")
        return _Images(x, y, f"NPZ sample {rel} ({len(x)} images)")

    # -- batches ----------------------------------------------------------------
    def _available(self, split: str) -> tuple[int | None, str]:
        if self.synthetic:
            shape = "x".join(str(s) for s in self.input_shape)
            return None, f"synthetic (standard-normal tensors {shape}, random labels)"
        imgs = self.images(split)
        return len(imgs.x), imgs.source

    def batch_info(self, batch_size: int, split: str = "train") -> dict:
        n, source = self._available(split)
        info = {"dataset": self.name, "split": split, "synthetic": bool(self.synthetic),
                "source": source, "images_available": n, "batch_size": int(batch_size)}
        if n is not None:
            info["with_replacement"] = batch_size > n
            info["sampling"] = (f"batch of {batch_size} drawn with replacement from {n} images"
                                if batch_size > n else f"batch of {batch_size} drawn without "
                                f"replacement from {n} images")
        augmentation = self.augmentation(split)
        if augmentation:
            info["augmentation"] = augmentation
        return info

    def describe(self) -> str:
        if self.synthetic:
            return f"{self.name} (synthetic)"
        try:
            return f"{self.name} ({self.images('train').source})"
        except DataError:
            return self.name

    def get_batch(self, batch_size: int, seed: int, split: str = "train"):
        """``batch_size`` normalised images (float32 NCHW) and their int64 labels."""
        import numpy as np
        import torch

        if int(batch_size) < 1:
            raise DataError(f"batch size must be at least 1, got {batch_size}")
        self._check_split(split)
        batch_size = int(batch_size)
        if self.synthetic:
            gen = torch.Generator().manual_seed(int(seed) * 2 + SPLITS.index(split))
            x = torch.randn((batch_size, *self.input_shape), generator=gen)
            y = torch.randint(0, int(self.num_classes or 1), (batch_size,), generator=gen)
            return x, y
        imgs = self.images(split)
        n = len(imgs.x)
        rng = np.random.default_rng([int(seed), SPLITS.index(split)])
        idx = rng.choice(n, size=batch_size, replace=batch_size > n)
        x = torch.from_numpy(imgs.x[idx]).permute(0, 3, 1, 2).float().div_(255.0)
        if self.augmentation(split):
            # a stream of its own: the same seed picks the same images with or without
            x = self._augment(x, np.random.default_rng([int(seed), SPLITS.index(split), 1]))
        mean = torch.tensor(self.mean, dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(1, 3, 1, 1)
        x = ((x - mean) / std).contiguous()
        y = torch.from_numpy(np.ascontiguousarray(imgs.y[idx]))
        return x, y


class _CifarDataset(ImageClassificationDataset):
    input_shape = (3, 32, 32)
    folder: str = ""
    train_files: tuple = ()
    test_files: tuple = ()
    label_key: str = "labels"
    source_hint = "https://www.cs.toronto.edu/~kriz/cifar.html (or pass --download)"

    @property
    def official_label(self) -> str:  # type: ignore[override]
        return f"{self.folder}/"

    def _official_root(self) -> Path | None:
        root = self._root() / self.folder
        files = self.train_files + self.test_files
        return root if all((root / f).is_file() for f in files) else None

    def _load_official(self, root: Path, split: str) -> _Images:
        import numpy as np

        xs, ys = [], []
        for fname in self.train_files if split == "train" else self.test_files:
            entry = _read_batch_file(root / fname)
            if "data" not in entry or self.label_key not in entry:
                raise DataError(f"{str(root / fname)!r} lacks 'data' or {self.label_key!r}")
            xs.append(_hwc_from_rows(entry["data"], 32))
            ys.append(np.asarray(entry[self.label_key], dtype=np.int64))
        x, y = np.concatenate(xs), np.concatenate(ys)
        return _Images(x, y, f"{self.folder}/ ({split}, {len(x)} images)")


class Cifar10Dataset(_CifarDataset):
    """CIFAR-10 (NAS-Bench-201 task ``cifar10``)."""

    name = "cifar10"
    num_classes = 10
    mean, std = CIFAR10_MEAN, CIFAR10_STD
    folder = "cifar-10-batches-py"
    train_files = tuple(f"data_batch_{i}" for i in range(1, 6))
    test_files = ("test_batch",)
    npz_files = {"train": "images/cifar10_train.npz", "test": "images/cifar10_test.npz"}
    torchvision_class = "CIFAR10"


class Cifar100Dataset(_CifarDataset):
    """CIFAR-100 with fine labels (NAS-Bench-201 task ``cifar100``)."""

    name = "cifar100"
    num_classes = 100
    mean, std = CIFAR100_MEAN, CIFAR100_STD
    folder = "cifar-100-python"
    train_files = ("train",)
    test_files = ("test",)
    label_key = "fine_labels"
    # the only CIFAR-100 sample is 20 test images: it serves both splits
    npz_files = {"train": "images/cifar100_sample.npz", "test": "images/cifar100_sample.npz"}
    torchvision_class = "CIFAR100"


#: classes of ImageNet16-120: the first 120 (1-based labels 1..120) of downsampled ImageNet
IMAGENET16_CLASSES = 120


class ImageNet16Dataset(ImageClassificationDataset):
    """ImageNet16-120: 16x16 downsampled ImageNet, its first 120 classes (NAS-Bench-201).

    Official format (Chrabaszcz et al. 2017, as read by NAS-Bench-201's
    ``ImageNet16`` class): pickled dicts with ``data`` (N x 768 channel-major
    uint8 rows) and 1-based ``labels``; files ``train_data_batch_1`` ..
    ``train_data_batch_10`` and ``val_data``. Labels 1..120 are kept and shifted
    to 0..119. Files are read one at a time so only the 120 classes stay in memory.
    """

    name = "ImageNet16-120"
    input_shape = (3, 16, 16)
    crop_padding = 2  # NASLib: RandomCrop(16, padding=2)
    num_classes = IMAGENET16_CLASSES
    mean, std = IMAGENET16_MEAN, IMAGENET16_STD
    folders = ("ImageNet16-120", "ImageNet16")
    train_files = tuple(f"train_data_batch_{i}" for i in range(1, 11))
    test_files = ("val_data",)
    npz_files = {"train": "images/imagenet16_120_sample.npz",
                 "test": "images/imagenet16_120_sample.npz"}
    official_label = "ImageNet16-120/ (train_data_batch_1..10, val_data)"
    source_hint = "the NAS-Bench-201 release (https://github.com/D-X-Y/NAS-Bench-201)"

    def _official_root(self) -> Path | None:
        for folder in self.folders:
            root = self._root() / folder
            if (root / self.test_files[0]).is_file() and any(
                    (root / f).is_file() for f in self.train_files):
                return root
        return None

    def _load_official(self, root: Path, split: str) -> _Images:
        import numpy as np

        files = self.train_files if split == "train" else self.test_files
        xs, ys = [], []
        for fname in files:
            if not (root / fname).is_file():
                continue
            entry = _read_batch_file(root / fname)
            if "data" not in entry or "labels" not in entry:
                raise DataError(f"{str(root / fname)!r} lacks 'data' or 'labels'")
            labels = np.asarray(entry["labels"], dtype=np.int64)
            keep = (labels >= 1) & (labels <= IMAGENET16_CLASSES)
            xs.append(_hwc_from_rows(np.asarray(entry["data"])[keep], 16))
            ys.append(labels[keep] - 1)
            del entry
        x, y = np.concatenate(xs), np.concatenate(ys)
        if len(x) == 0:
            raise DataError(f"no images of the first {IMAGENET16_CLASSES} classes in {str(root)!r}")
        return _Images(x, y, f"{root.name}/ ({split}, {len(x)} images)")


BUILTIN_DATASETS: list = [Cifar10Dataset, Cifar100Dataset, ImageNet16Dataset]


def augment_option(name: str, augment: bool) -> dict:
    """``{"augment": True}`` when ``augment`` is asked for and dataset ``name`` supports it, else ``{}``
    (a dataset without NASLib's augmentation scores plain batches; its batch info says so)."""
    from .plugins import get_registry

    if not augment:
        return {}
    return {"augment": True} if getattr(get_registry().get("datasets", name), "supports_augment", False) else {}


def get_dataset(name: str, data_dir: Any = None, synthetic: bool = False, **options: Any) -> Dataset:
    """An instance of the dataset registered as ``name`` (a benchmark task)."""
    from .plugins import get_registry

    cls = get_registry().get("datasets", name)
    return cls(data_dir=data_dir, synthetic=synthetic, **options)


def get_train_val_loaders(config: Any = None, dataset: str | None = None, batch_size: int | None = None,
                          seed: int | None = None, data_dir: Any = None, synthetic: bool = False):
    """NASLib's ``utils.get_train_val_loaders(config)``, with nasplug's seeded batches.

    Reads ``config.dataset``, ``config.batch_size`` (default 64), ``config.seed``
    (default 0) and ``config.data`` (the data directory) unless given explicitly.
    Returns ``(train_loader, valid_loader, test_loader, train_transform,
    valid_transform)`` like NASLib; each loader is one seeded batch (train: the
    train split; valid: the train split with seed+1; test: the test split) and
    the transforms are None because batches come normalised.
    """
    def pick(explicit, attr, default):
        if explicit is not None:
            return explicit
        value = getattr(config, attr, None) if config is not None else None
        return default if value is None else value

    name = pick(dataset, "dataset", "cifar10")
    bs = int(pick(batch_size, "batch_size", 64))
    sd = int(pick(seed, "seed", 0))
    ds = get_dataset(name, data_dir=pick(data_dir, "data", None), synthetic=synthetic)
    return (ds.get_loader(bs, sd, "train"), ds.get_loader(bs, sd + 1, "train"),
            ds.get_loader(bs, sd, "test"), None, None)


def clear_cache() -> None:
    """Forget decoded images (tests, long-running processes)."""
    _IMAGE_CACHE.clear()


__all__ = ["BUILTIN_DATASETS", "Cifar100Dataset", "Cifar10Dataset", "Dataset",
           "ImageClassificationDataset", "ImageNet16Dataset", "get_dataset", "clear_cache",
           "get_train_val_loaders",
           "CIFAR10_MEAN", "CIFAR10_STD", "CIFAR100_MEAN", "CIFAR100_STD", "IMAGENET16_MEAN",
           "IMAGENET16_STD"]
