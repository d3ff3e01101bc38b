"""The dataset contract: what a dataset plugin provides (no torch, no readers).

A dataset plugin registers a :class:`Dataset` subclass whose ``name`` is the
dataset/task name a benchmark uses (``"cifar10"``, ``"class_scene"`` ...). The
evaluation scores each architecture on a batch drawn reproducibly from it.

- ``Dataset(data_dir=None, synthetic=False, **options)``; real data is read from
  the data directory (or data packaged with the plugin) and missing data is a
  :class:`nasplug.errors.DataError`; synthetic tensors of the right shape are
  produced only with ``synthetic=True``, and then ``self.synthetic`` is True and
  ``describe()`` says so.
- ``get_batch(batch_size, seed, split="train") -> (inputs, targets)``: the same
  arguments always give the same tensors.
- ``get_loader(batch_size, seed, split="train")``: an iterable of ``(inputs,
  targets)`` batches (what ``Predictor.query`` receives as ``dataloader``).
- optional ``batch_info(batch_size, split) -> dict``: where the images come from
  (``"source"``, e.g. ``"packaged CIFAR-10 sample, 320 images"``) and how the
  batch is drawn; the evaluation copies it into every result.
- optional ``supports_augment = True`` when the constructor takes ``augment=True``
  (NASLib's training transforms, ``nasplug eval --augment``); ``batch_info`` then
  names the transforms under ``"augmentation"``.
- optional ``fetch_files(data_dir=None) -> path`` (a static or class method) when
  the dataset's files can be downloaded: ``nasplug data fetch NAME`` calls it. It
  must leave nothing half-written in the data directory when it fails and raise
  a :class:`nasplug.errors.DataError` (one line) without network.
"""

from __future__ import annotations

from typing import Any

#: the splits every built-in dataset answers
SPLITS = ("train", "test")


class Dataset:
    """Base class of dataset plugins (see the module docstring for the contract)."""

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


__all__ = ["Dataset", "SPLITS"]
