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
"""

from __future__ import annotations

from typing import Any


class Dataset:
    """Base class of dataset plugins."""

    name: str = ""
    #: shape of one input, e.g. (3, 32, 32)
    input_shape: tuple = ()
    num_classes: int | None = None

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


BUILTIN_DATASETS: list = []
