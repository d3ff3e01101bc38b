"""Image data for benchmark tasks.

- :mod:`.contract`: the :class:`Dataset` contract every dataset plugin implements;
- :mod:`.images`: :class:`ImageClassificationDataset` (lookup order: official
  files, ``--download``, the user's NPZ samples, the sample packaged with nasplug;
  seeded batches, NASLib's augmentation);
- :mod:`.cifar`, :mod:`.imagenet16`: the built-in ``cifar10``, ``cifar100`` and
  ``ImageNet16-120`` readers (registered by ``nasplug.default_plugins``);
- :mod:`.official`: safe readers of the official pickled batch files;
- :mod:`.fetch`: ``nasplug data fetch`` (torchvision download, atomic);
- :mod:`.loaders`: :func:`get_dataset`, :func:`get_train_val_loaders`.

Packaged with nasplug (``samples/``, made by ``tools/package_data.py`` from the
project's shared data): 320 real CIFAR-10 training images (the first 32 of each
class) and the first 20 real CIFAR-100 test images. Never any ImageNet image.
"""

from __future__ import annotations

from .cifar import CIFAR10_MEAN, CIFAR10_STD, CIFAR100_MEAN, CIFAR100_STD, Cifar10Dataset, Cifar100Dataset
from .contract import SPLITS, Dataset
from .imagenet16 import IMAGENET16_CLASSES, IMAGENET16_MEAN, IMAGENET16_STD, ImageNet16Dataset
from .images import _IMAGE_CACHE, ImageClassificationDataset
from .loaders import augment_option, get_dataset, get_train_val_loaders

BUILTIN_DATASETS: list = [Cifar10Dataset, Cifar100Dataset, ImageNet16Dataset]


def clear_cache() -> None:
    """Forget decoded images (tests, long-running processes)."""
    _IMAGE_CACHE.clear()


__all__ = ["BUILTIN_DATASETS", "Cifar100Dataset", "Cifar10Dataset", "Dataset",
           "ImageClassificationDataset", "ImageNet16Dataset", "get_dataset", "clear_cache",
           "get_train_val_loaders", "augment_option", "SPLITS", "IMAGENET16_CLASSES",
           "CIFAR10_MEAN", "CIFAR10_STD", "CIFAR100_MEAN", "CIFAR100_STD", "IMAGENET16_MEAN",
           "IMAGENET16_STD"]
