"""ImageNet16-120 (NAS-Bench-201 task ``ImageNet16-120``): 16x16 downsampled ImageNet.

Nothing of it ships with nasplug (ImageNet's terms do not allow redistributing
its photos): the official files, or the user's ``images/imagenet16_120_sample.npz``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .images import ImageClassificationDataset, _Images
from .official import hwc_from_rows, read_batch_file

# NASLib's _data_transforms_ImageNet_16_120 / NAS-Bench-201's ImageNet16 mean and std
IMAGENET16_MEAN = tuple(x / 255 for x in (122.68, 116.66, 104.01))
IMAGENET16_STD = tuple(x / 255 for x in (63.22, 61.26, 65.09))

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
            entry = read_batch_file(root / fname)
            if "data" not in entry or "labels" not in entry:
                raise DataError(f"{str(root / fname)!r} lacks 'data' or 'labels'")
            labels = np.asarray(entry["labels"], dtype=np.int64)
            keep = (labels >= 1) & (labels <= IMAGENET16_CLASSES)
            xs.append(hwc_from_rows(np.asarray(entry["data"])[keep], 16))
            ys.append(labels[keep] - 1)
            del entry
        x, y = np.concatenate(xs), np.concatenate(ys)
        if len(x) == 0:
            raise DataError(f"no images of the first {IMAGENET16_CLASSES} classes in {str(root)!r}")
        return _Images(x, y, f"{root.name}/ ({split}, {len(x)} images)")
