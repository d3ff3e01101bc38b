"""Datasets ``svhn``, ``ninapro`` and ``scifar100`` (torch is imported only to make a batch).

Each follows nasplug's :class:`nasplug.data.Dataset` contract, with the batches
NASLib's ``get_train_val_loaders`` gives NAS-Bench-Suite-Zero's proxies:

=========  ==================  =======  ==================================================
dataset    one input           classes  values
=========  ==================  =======  ==================================================
svhn       3 x 32 x 32         10       [0, 1] RGB normalised with SVHN mean / std
ninapro    1 x 16 x 52         18       raw sEMG values (NASLib normalises nothing)
scifar100  3 x 60 x 60         100      stored values as float32 (NASLib normalises nothing)
=========  ==================  =======  ==================================================

Files (formats in :mod:`nasplug_nb360.formats`), under the data directory
(``--data-dir`` / ``$NASPLUG_DATA``):

- svhn: ``train_32x32.mat``, ``test_32x32.mat`` directly in it (where
  ``torchvision.datasets.SVHN(root=<data>)`` keeps them) or in ``svhn/``;
  ``download=True`` (``nasplug eval --download``) fetches them through
  torchvision into the data directory, atomically (:func:`fetch_svhn`);
- ninapro: ``ninapro/ninapro_{train,val,test}.npy`` and ``label_*.npy`` (NASLib's
  ``<data>/ninapro/``); ``train`` = train + val, ``test`` = test;
- scifar100: ``s2_cifar100.gz`` in it (NASLib's place) or in ``spherical/``.

Without the files, ``batch_info`` / ``get_batch`` raise one :class:`DataError`
line saying that no images are present, what was looked for and where to get
it: the evaluation then runs only the data-free proxies (synflow, flops, params)
on ``input_shape``. ``synthetic=True`` (``--synthetic-data``) gives standard-
normal tensors of the input shape and uniform random labels instead, reported
as synthetic.

Batches: ``batch_size`` inputs drawn with a NumPy generator seeded by ``(seed,
split)``, without replacement when the split holds at least ``batch_size``
inputs, else with replacement (``batch_info`` says which). ``augment=True``
(svhn only, as NASLib: ``RandomCrop(32, padding=4)`` and
``RandomHorizontalFlip`` before normalising) draws the crops and flips from a
stream of their own, so the same images are picked with or without it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from nasplug.data import Dataset
from nasplug.errors import DataError

from . import formats
from .tasks import TASKS

SPLITS = ("train", "test")
#: NASLib's ``_data_transforms_svhn``
SVHN_MEAN = (0.4377, 0.4438, 0.4728)
SVHN_STD = (0.1980, 0.2010, 0.1970)

#: (class, location, split) -> (x, y, source): decoded arrays shared by every instance of a process
_CACHE: dict[tuple, tuple[Any, Any, str]] = {}
_CACHE_MAX = 4


def clear_cache() -> None:
    """Forget decoded arrays (tests, long-running processes)."""
    _CACHE.clear()


class NB360Dataset(Dataset):
    """Common part: locating files, caching decoded splits, seeded batches, synthetic inputs.

    Subclasses set ``name`` and implement ``_locate()`` (the file or folder, or
    None), ``_looked_for()`` (what a user must provide), ``_read(location, split)``
    -> ``(x, y)`` and optionally ``_to_tensor(x, rng)``.
    """

    #: how to get the files (for the "no images" message)
    how_to_get: str = ""

    def __init__(self, data_dir: Any = None, synthetic: bool = False, download: bool = False,
                 augment: bool = False, **options: Any) -> None:
        super().__init__(data_dir=data_dir, synthetic=synthetic, **options)
        spec = TASKS[self.name]
        self.input_shape = spec.input_shape
        self.num_classes = spec.num_classes
        self.download = bool(download)
        self.augment = bool(augment) and self.supports_augment

    # -- locating ---------------------------------------------------------------------------
    def _root(self) -> Path:
        from nasplug.config import get_data_dir

        return get_data_dir(self.data_dir)

    def _locate(self) -> Path | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _looked_for(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def _read(self, location: Path, split: str):  # pragma: no cover - overridden
        raise NotImplementedError

    def _fetch(self) -> None:
        """Download the files (only datasets that can be downloaded override this)."""

    def _check_split(self, split: str) -> None:
        if split not in SPLITS:
            raise DataError(f"unknown split {split!r} for {self.name}; valid: {', '.join(SPLITS)}")

    def missing_message(self) -> str:
        """The one line said when the files are not there."""
        root = self._root()
        return (f"no {TASKS[self.name].title} images are present: {self.name} needs {self._looked_for()} "
                f"in data directory {str(root)!r} (set NASPLUG_DATA or pass --data-dir); {self.how_to_get}; "
                "or pass --synthetic-data for random inputs")

    def images(self, split: str = "train"):
        """``(x, y, source)`` of ``split``: decoded arrays (cached per process) and where they came from."""
        self._check_split(split)
        if self.synthetic:
            raise DataError(f"{self.name} is synthetic: it has no images")
        location = self._locate()
        if location is None and self.download:
            self._fetch()
            location = self._locate()
        if location is None:
            raise DataError(self.missing_message())
        try:
            stamp = location.stat().st_mtime_ns
        except OSError:
            stamp = 0
        key = (type(self).__name__, str(location), stamp, split)
        found = _CACHE.get(key)
        if found is None:
            x, y = self._read(location, split)
            if len(x) == 0:
                raise DataError(f"{str(location)!r} holds no {split} inputs for {self.name}")
            found = (x, y, f"{self._source_label(location)} ({split}, {len(x)} inputs)")
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[key] = found
        return found

    def _source_label(self, location: Path) -> str:
        return str(location)

    # -- contract ---------------------------------------------------------------------------
    def augmentation(self, split: str = "train") -> str | None:
        """What ``augment=True`` does to a ``split`` batch (None: nothing)."""
        return None

    def describe(self) -> str:
        if self.synthetic:
            return f"{self.name} (synthetic)"
        try:
            return f"{self.name} ({self.images('train')[2]})"
        except DataError:
            return f"{self.name} (no images)"

    def batch_info(self, batch_size: int, split: str = "train") -> dict:
        """Where a batch comes from; a :class:`DataError` when no images are present."""
        self._check_split(split)
        info: dict[str, Any] = {"dataset": self.name, "split": split, "synthetic": bool(self.synthetic),
                                "batch_size": int(batch_size), "input_shape": list(self.input_shape)}
        if self.synthetic:
            shape = "x".join(str(s) for s in self.input_shape)
            info.update(source=f"synthetic (standard-normal tensors {shape}, random labels)",
                        images_available=None)
            return info
        x, _, source = self.images(split)
        n = len(x)
        info.update(source=source, images_available=n, with_replacement=batch_size > n,
                    sampling=(f"batch of {batch_size} drawn with replacement from {n} inputs"
                              if batch_size > n else
                              f"batch of {batch_size} drawn without replacement from {n} inputs"))
        augmentation = self.augmentation(split)
        if augmentation:
            info["augmentation"] = augmentation
        return info

    def get_batch(self, batch_size: int, seed: int, split: str = "train"):
        """``batch_size`` inputs (float32, ``[N, *input_shape]``) and their int64 labels."""
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
        xs, ys, _ = self.images(split)
        n = len(xs)
        rng = np.random.default_rng([int(seed), SPLITS.index(split)])
        idx = rng.choice(n, size=batch_size, replace=batch_size > n)
        aug_rng = np.random.default_rng([int(seed), SPLITS.index(split), 1])
        x = self._to_tensor(xs[idx], aug_rng if self.augmentation(split) else None)
        return x.contiguous(), torch.from_numpy(np.ascontiguousarray(ys[idx]))

    def _to_tensor(self, x, aug_rng):
        """float32 NCHW inputs as NASLib feeds them (default: the stored values)."""
        import numpy as np
        import torch

        return torch.from_numpy(np.array(x, dtype=np.float32))


class SVHNDataset(NB360Dataset):
    """SVHN cropped digits (NAS-Bench-Suite-Zero task ``svhn``), torchvision's ``.mat`` files."""

    name = "svhn"
    input_shape = TASKS["svhn"].input_shape
    num_classes = TASKS["svhn"].num_classes
    supports_augment = True
    folders = ("", "svhn")
    how_to_get = ("add --download (nasplug eval) to fetch them through torchvision from "
                  "http://ufldl.stanford.edu/housenumbers/")

    def _locate(self) -> Path | None:
        root = self._root()
        for folder in self.folders:
            base = root / folder if folder else root
            if all((base / f).is_file() for f in formats.SVHN_FILES.values()):
                return base
        return None

    def _looked_for(self) -> str:
        files = " and ".join(formats.SVHN_FILES.values())
        return f"{files} (torchvision's SVHN format) directly in it or in svhn/"

    def _read(self, location: Path, split: str):
        return formats.read_svhn(location / formats.SVHN_FILES[split])

    def _source_label(self, location: Path) -> str:
        return f"torchvision SVHN files in {str(location)!r}"

    def _fetch(self) -> None:
        fetch_svhn(self.data_dir)

    @staticmethod
    def fetch_files(data_dir: Any = None) -> Path:
        """``nasplug data fetch svhn``: the dataset contract's download hook (:func:`fetch_svhn`)."""
        return fetch_svhn(data_dir)

    def augmentation(self, split: str = "train") -> str | None:
        if not self.augment or self.synthetic or split != "train":
            return None
        return "NASLib's training transforms: RandomCrop(32, padding=4), RandomHorizontalFlip"

    def _to_tensor(self, x, aug_rng):
        import torch

        t = torch.from_numpy(x).permute(0, 3, 1, 2).float().div_(255.0)
        if aug_rng is not None:
            t = _crop_and_flip(t, aug_rng, pad=4)
        mean = torch.tensor(SVHN_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
        std = torch.tensor(SVHN_STD, dtype=torch.float32).view(1, 3, 1, 1)
        return (t - mean) / std


def _crop_and_flip(x, rng, pad: int):
    """A random window of each image zero-padded by ``pad``, then a horizontal flip with p = 1/2."""
    import torch

    h, w = x.shape[-2:]
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    offsets = rng.integers(0, 2 * pad + 1, size=(len(x), 2))
    flips = rng.random(len(x)) < 0.5
    out = torch.empty_like(x)
    for n, ((i, j), flip) in enumerate(zip(offsets, flips)):
        window = padded[n, :, i:i + h, j:j + w]
        out[n] = window.flip(-1) if flip else window
    return out


class NinaProDataset(NB360Dataset):
    """NinaPro DB5 sEMG windows (task ``ninapro``), NAS-Bench-360's ``.npy`` files."""

    name = "ninapro"
    input_shape = TASKS["ninapro"].input_shape
    num_classes = TASKS["ninapro"].num_classes
    how_to_get = ("download them from NAS-Bench-360 (https://nb360.ml.cmu.edu/, 'Processed Ninapro DB5'); "
                  "nasplug does not download them")

    def _locate(self) -> Path | None:
        folder = self._root() / "ninapro"
        needed = formats.ninapro_files("train") + formats.ninapro_files("test")
        return folder if all((folder / f).is_file() for f in needed) else None

    def _looked_for(self) -> str:
        return "ninapro/ with ninapro_{train,val,test}.npy and label_{train,val,test}.npy (NAS-Bench-360's files)"

    def _read(self, location: Path, split: str):
        return formats.read_ninapro(location, split)

    def _source_label(self, location: Path) -> str:
        return f"NAS-Bench-360 NinaPro files in {str(location)!r}"


class SphericalCifar100Dataset(NB360Dataset):
    """Spherical CIFAR-100 (task ``scifar100``), NAS-Bench-360's ``s2_cifar100.gz``."""

    name = "scifar100"
    input_shape = TASKS["scifar100"].input_shape
    num_classes = TASKS["scifar100"].num_classes
    folders = ("", "spherical")
    how_to_get = ("download s2_cifar100.gz (272 MB) from NAS-Bench-360 (https://nb360.ml.cmu.edu/); "
                  "nasplug does not download it")

    def _locate(self) -> Path | None:
        root = self._root()
        for folder in self.folders:
            base = root / folder if folder else root
            for name in formats.SPHERICAL_FILES:
                if (base / name).is_file():
                    return base / name
        return None

    def _looked_for(self) -> str:
        return "s2_cifar100.gz (NAS-Bench-360's gzip pickle) directly in it or in spherical/"

    def _read(self, location: Path, split: str):
        # one read gives both splits: cache the other one too
        both = formats.read_spherical(location)
        try:
            stamp = location.stat().st_mtime_ns
        except OSError:
            stamp = 0
        for other, (x, y) in both.items():
            if other != split:
                _CACHE[(type(self).__name__, str(location), stamp, other)] = (
                    x, y, f"{self._source_label(location)} ({other}, {len(x)} inputs)")
        return both[split]

    def _source_label(self, location: Path) -> str:
        return f"NAS-Bench-360 Spherical CIFAR-100 file {str(location)!r}"


DATASET_CLASSES = {cls.name: cls for cls in (SVHNDataset, NinaProDataset, SphericalCifar100Dataset)}


def fetch_svhn(data_dir: Any = None, *, quiet: bool = False) -> Path:
    """Download SVHN's ``train_32x32.mat`` and ``test_32x32.mat`` into the data directory.

    torchvision downloads and checks each file's MD5 inside a hidden temporary
    folder of the data directory; only checked files are moved into place (one
    rename each), so nothing half-written is left behind. Returns the folder.
    The only network access of this plugin, and only when asked for.
    """
    from nasplug.config import get_data_dir

    root = get_data_dir(data_dir)
    if all((root / f).is_file() for f in formats.SVHN_FILES.values()):
        return root
    try:
        from torchvision.datasets import SVHN
    except ImportError:
        raise DataError("downloading svhn needs torchvision (pip install torchvision)") from None
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".svhn-download-", dir=root))
    except OSError as exc:
        raise DataError(f"cannot write to data directory {str(root)!r} ({exc.strerror or exc})") from None
    try:
        for split, name in formats.SVHN_FILES.items():
            if (root / name).is_file():
                continue
            try:
                if quiet:
                    import contextlib
                    import io

                    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
                        SVHN(root=str(tmp), split=split, download=True)
                else:
                    SVHN(root=str(tmp), split=split, download=True)
            except Exception as exc:
                reason = getattr(exc, "reason", None) or exc
                raise DataError(f"downloading SVHN {name} failed ({type(exc).__name__}: {reason}); check "
                                f"the network connection, or copy torchvision's SVHN files into {str(root)!r}"
                                ) from None
            os.replace(tmp / name, root / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return root


__all__ = ["DATASET_CLASSES", "NB360Dataset", "NinaProDataset", "SVHNDataset", "SVHN_MEAN", "SVHN_STD",
           "SphericalCifar100Dataset", "clear_cache", "fetch_svhn"]
