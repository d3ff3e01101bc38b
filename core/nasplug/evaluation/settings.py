"""Stage 0, settings: the seven values that decide which batch a task is scored on.

:class:`BatchSettings` is one frozen value that travels from the command line
(or the Python API) to every stage and every worker, instead of seven loose
arguments. It is hashable and picklable (plain fields only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..errors import NasplugError

#: NASLib's evaluation defaults
DEFAULT_TEST_SIZE = 100
DEFAULT_SEED = 0
#: NASLib's zero-cost config batch size
DEFAULT_BATCH_SIZE = 64
DEFAULT_SPLIT = "train"


@dataclass(frozen=True)
class BatchSettings:
    """Where a task's batch comes from and how it is drawn.

    ``data_dir``: data directory (``None``: ``$NASPLUG_DATA`` or the default);
    ``batch_size``: images per batch; ``split``: ``"train"`` or ``"test"`` (checked by the dataset);
    ``synthetic``: random tensors of the right shape instead of images;
    ``download``: let torchvision fetch CIFAR; ``augment``: NASLib's training
    transforms on train batches; ``seed``: seeds the architecture sample, the
    batch and the weights; ``device``: where models and batches are put
    (``"cpu"``, ``"cuda"``, ``"cuda:N"``; checked by :func:`nasplug.devices.resolve_device`
    where a run starts). The device is not part of the score store's key: the
    same cell scores the same up to float rounding on any device.
    """

    data_dir: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    split: str = DEFAULT_SPLIT
    synthetic: bool = False
    download: bool = False
    augment: bool = False
    seed: int = DEFAULT_SEED
    device: str = "cpu"

    def __post_init__(self) -> None:
        # normalise so equal settings compare (and hash) equal
        object.__setattr__(self, "data_dir", str(self.data_dir) if self.data_dir else None)
        object.__setattr__(self, "batch_size", int(self.batch_size))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "device", str(self.device or "cpu"))
        for flag in ("synthetic", "download", "augment"):
            object.__setattr__(self, flag, bool(getattr(self, flag)))
        if self.batch_size < 1:
            raise NasplugError(f"batch size must be at least 1, got {self.batch_size}")

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> BatchSettings:
        """Settings from keyword arguments (unknown keys are a TypeError; ``None`` keeps the default)."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")
        return cls(**{k: v for k, v in options.items() if v is not None})

    def replace(self, **changes: Any) -> BatchSettings:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: the names of BatchSettings' fields, for callers that split keyword arguments
BATCH_FIELDS = tuple(f.name for f in fields(BatchSettings))


def split_batch_options(options: dict[str, Any]) -> tuple[BatchSettings | None, dict[str, Any]]:
    """``(settings, rest)``: the BatchSettings fields of ``options`` (None when none) and the rest."""
    batch = {k: options.pop(k) for k in list(options) if k in BATCH_FIELDS}
    return (BatchSettings.from_options(batch) if batch else None), options


__all__ = ["BATCH_FIELDS", "BatchSettings", "DEFAULT_BATCH_SIZE", "DEFAULT_SEED", "DEFAULT_SPLIT",
           "DEFAULT_TEST_SIZE", "split_batch_options"]
