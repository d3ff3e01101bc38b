"""CIFAR-10 and CIFAR-100 (NAS-Bench-201 tasks ``cifar10`` / ``cifar100``).

Official files: torchvision's folders ``cifar-10-batches-py/`` (``data_batch_1..5``,
``test_batch``) and ``cifar-100-python/`` (``train``, ``test``; fine labels) directly
under the data directory (``nasplug data fetch cifar10`` puts them there). Without
them: the user's ``images/*.npz``, else the sample packaged with nasplug (CIFAR-10:
320 real training images, 32 per class; CIFAR-100: 20 real test images serving
both splits). Normalisation: NAS-Bench-201's / NASLib's per-channel mean and std.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .images import ImageClassificationDataset, _Images
from .official import hwc_from_rows, read_batch_file

# Per-channel normalisation used to train NAS-Bench-201 (Dong & Yang 2020, the
# NATS-Bench/AutoDL-Projects data code) and by NASLib's loaders
# (naslib/utils: _data_transforms_cifar10 / _cifar100).
CIFAR10_MEAN = (0.49139968, 0.48215827, 0.44653124)
CIFAR10_STD = (0.24703233, 0.24348505, 0.26158768)
CIFAR100_MEAN = (0.5071, 0.4865, 0.4409)
CIFAR100_STD = (0.2673, 0.2564, 0.2762)


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
            entry = read_batch_file(root / fname)
            if "data" not in entry or self.label_key not in entry:
                raise DataError(f"{str(root / fname)!r} lacks 'data' or {self.label_key!r}")
            xs.append(hwc_from_rows(entry["data"], 32))
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
    #: 32 real training images per class (tools/package_data.py)
    packaged_samples = {"train": "cifar10_train_sample.npz"}
    sample_label = "CIFAR-10"
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
    packaged_samples = {"train": "cifar100_sample.npz", "test": "cifar100_sample.npz"}
    sample_label = "CIFAR-100"
    torchvision_class = "CIFAR100"
