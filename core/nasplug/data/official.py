"""Readers for the official CIFAR / ImageNet16 batch files (pickled dicts of arrays).

Only the globals needed to rebuild NumPy arrays may be unpickled, so a tampered
file cannot run code; any failure is one :class:`nasplug.errors.DataError`.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from ..errors import DataError


class ArrayUnpickler(pickle.Unpickler):
    """Unpickler that rebuilds NumPy arrays and nothing else."""

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


def read_batch_file(path: Path) -> dict:
    """The dict of one official batch file, ``bytes`` keys decoded."""
    try:
        with open(path, "rb") as fh:
            entry = ArrayUnpickler(fh, encoding="latin1").load()
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"cannot read data file {str(path)!r} ({type(exc).__name__}: {exc}); "
                        "it is corrupt or not in the official format") from None
    if not isinstance(entry, dict):
        raise DataError(f"data file {str(path)!r} does not hold a dict of arrays")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}


def hwc_from_rows(data, side: int):
    """Rows of channel-major pixels (N x 3*side*side) -> uint8 N x side x side x 3."""
    import numpy as np

    arr = np.asarray(data, dtype=np.uint8)
    return np.ascontiguousarray(arr.reshape(-1, 3, side, side).transpose(0, 2, 3, 1))

