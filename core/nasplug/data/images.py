"""Image-classification datasets: official files, NPZ samples, packaged samples, synthetic.

:class:`ImageClassificationDataset` is the base of the built-in ``cifar10``,
``cifar100`` and ``ImageNet16-120`` readers (:mod:`.cifar`, :mod:`.imagenet16`).
Images of one split are looked up in this order:

1. the official files under the data directory (``_official_root()``);
2. with ``download=True`` only (CLI ``--download``, or ``nasplug data fetch``),
   files fetched by torchvision into the data directory (:mod:`.fetch`);
3. the user's NPZ samples ``<data>/images/...`` (``npz_files``);
4. the sample packaged with nasplug itself (``packaged_samples``, under
   ``nasplug/data/samples/``): real CIFAR-10 training images and CIFAR-100
   images, so data proxies run with no file of the user's;

else a :class:`nasplug.errors.DataError` naming what it looked for.

Batches: ``batch_size`` images drawn with a NumPy generator seeded by ``(seed,
split)``, without replacement when the source holds at least ``batch_size``
images and **with replacement** otherwise; ``batch_info`` reports which and
names the source (e.g. ``"packaged CIFAR-10 sample, 320 images"``), and the
evaluation copies it into every result. Images are scaled to [0, 1] and
normalised with the dataset's per-channel mean/std.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DataError
from .contract import SPLITS, Dataset


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
    #: split -> NPZ file name under ``nasplug/data/samples/`` (the sample shipped with nasplug)
    packaged_samples: dict = {}
    #: how results name the packaged sample: "packaged <label> sample, N images"
    sample_label: str = ""
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
        from ..config import get_data_dir

        return get_data_dir(self.data_dir)

    def _official_root(self) -> Path | None:  # pragma: no cover - overridden
        return None

    def _load_official(self, root: Path, split: str) -> _Images:  # pragma: no cover
        raise NotImplementedError

    def _download(self) -> None:
        from .fetch import fetch

        fetch(self.name, self.data_dir)

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
                           lambda: self._load_npz(path, f"NPZ sample {rel} ({{n}} images)"))
        packaged = self.packaged_samples.get(split)
        if packaged is not None:
            return _cached((type(self).__name__, "packaged", packaged),
                           lambda: self._load_packaged(packaged))
        looked = f"{self.official_label} or {rel}" if rel else self.official_label
        fetch = (f"run 'nasplug data fetch {self.name}' (or add --download)" if self.torchvision_class
                 else f"get them from {self.source_hint}")
        shipped = (f"; the sample packaged with nasplug has {'/'.join(self.packaged_samples)} images only"
                   if self.packaged_samples else "")
        raise DataError(
            f"no {self.name} images ({split} split) in data directory {str(root)!r} (looked for {looked}){shipped}; "
            f"set NASPLUG_DATA or pass --data-dir, {fetch}, or use --synthetic-data for random inputs")

    def _load_packaged(self, resource: str) -> _Images:
        from importlib.resources import as_file, files

        with as_file(files(__package__).joinpath("samples", resource)) as path:
            images = self._load_npz(Path(path), f"packaged {self.sample_label} sample, {{n}} images")
        return images

    def _load_npz(self, path: Path, label: str) -> _Images:
        """``x``/``y`` of an NPZ file; ``label`` is the source text, ``{n}`` the image count."""
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
        return _Images(x, y, label.format(n=len(x)))

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
