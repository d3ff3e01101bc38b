"""Readers of the official files of SVHN, NinaPro DB5 and Spherical CIFAR-100 (NumPy, no torch).

Each reader returns ``(x, y)``: ``x`` one array per split in the layout the
dataset's batches are made from, ``y`` int64 labels 0..classes-1. Any file that
is missing, unreadable or of the wrong shape or type is one
:class:`nasplug.errors.DataError` line naming the file and the shape expected.
Nothing here runs code from a data file: ``.npy`` files are read with
``allow_pickle=False`` and the Spherical CIFAR-100 pickle with an unpickler that
rebuilds NumPy arrays, dicts and lists only.

**SVHN** (torchvision's ``SVHN`` format, what ``torchvision.datasets.SVHN(root,
split, download=True)`` writes): ``train_32x32.mat`` and ``test_32x32.mat``,
MATLAB files with ``X`` uint8 ``[32, 32, 3, N]`` and ``y`` ``[N, 1]`` (labels
1..10, 10 = digit 0). Returned as uint8 ``[N, 32, 32, 3]`` (HWC) and labels
0..9 (10 -> 0, as torchvision does).

**NinaPro DB5** (NAS-Bench-360's processed release, read as NAS-Bench-360's and
NASLib's ``load_ninapro``): ``ninapro_{train,val,test}.npy``, float
``[N, 52, 16]`` (windows of 52 time steps x 16 sEMG electrodes), and
``label_{train,val,test}.npy``, integer ``[N]`` in 0..17. Returned as float32
``[N, 1, 16, 52]`` (transposed to electrodes x time, one channel), no
normalisation (NASLib applies none). The ``train`` split is train + val, as
NASLib's ``get_train_val_loaders`` concatenates them.

**Spherical CIFAR-100** (NAS-Bench-360's ``s2_cifar100.gz``, made like s2cnn's
``gendata.py``): a gzip-compressed pickle of ``{"train": {"images": [N, 3, 60,
60], "labels": [N]}, "test": {...}}`` (uint8 or float images, integer labels
0..99). Returned as float32 ``[N, 3, 60, 60]``, values as stored (NASLib casts
to float32 and normalises nothing). An uncompressed copy (``s2_cifar100``) is
read too (gzip is recognised by its first bytes).
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path
from typing import Any

from nasplug.errors import DataError

SVHN_FILES = {"train": "train_32x32.mat", "test": "test_32x32.mat"}
NINAPRO_SPLITS = {"train": ("train", "val"), "test": ("test",)}
NINAPRO_WINDOW, NINAPRO_ELECTRODES, NINAPRO_CLASSES = 52, 16, 18
SPHERICAL_FILES = ("s2_cifar100.gz", "s2_cifar100")
SPHERICAL_SHAPE = (3, 60, 60)
SPHERICAL_CLASSES = 100


def _shape(a: Any) -> str:
    shape = getattr(a, "shape", None)
    if shape is None:
        return type(a).__name__
    return f"{getattr(a, 'dtype', '?')} array of shape {tuple(shape)}"


def _labels(path: Path, y: Any, n: int, classes: int, expected: str):
    """int64 labels 0..classes-1 of length ``n``, or the one-line error."""
    import numpy as np

    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1 or len(y) != n or not (np.issubdtype(y.dtype, np.integer)
                                          or (np.issubdtype(y.dtype, np.floating)
                                              and np.all(np.mod(y, 1) == 0))):
        raise DataError(f"{str(path)!r} holds labels as {_shape(y)}; expected {expected}")
    y = y.astype(np.int64)
    if len(y) and (y.min() < 0 or y.max() >= classes):
        raise DataError(f"{str(path)!r} holds labels {int(y.min())}..{int(y.max())}; expected {expected}")
    return y


# -- SVHN -------------------------------------------------------------------------------------------
def read_svhn(path: str | Path):
    """``(x uint8 [N, 32, 32, 3], y int64 [N])`` of one of torchvision's SVHN ``.mat`` files."""
    import numpy as np

    path = Path(path)
    expected = "X uint8 [32, 32, 3, N] and y [N, 1] with labels 1..10 (torchvision's SVHN format)"
    try:
        from scipy.io import loadmat

        mat = loadmat(str(path), variable_names=["X", "y"])
    except Exception as exc:  # scipy raises several types for a bad file
        raise DataError(f"cannot read SVHN file {str(path)!r} ({type(exc).__name__}: {exc}); "
                        f"expected a MATLAB file with {expected}") from None
    x, y = mat.get("X"), mat.get("y")
    if x is None or y is None:
        raise DataError(f"SVHN file {str(path)!r} lacks 'X' or 'y'; expected {expected}")
    if x.ndim != 4 or x.shape[:3] != (32, 32, 3) or x.dtype != np.uint8:
        raise DataError(f"SVHN file {str(path)!r} holds X as {_shape(x)}; expected {expected}")
    n = x.shape[3]
    labels = _labels(path, y, n, 11, expected)
    if n and labels.min() < 1:
        raise DataError(f"SVHN file {str(path)!r} holds label {int(labels.min())}; expected {expected}")
    labels[labels == 10] = 0
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2)), labels


# -- NinaPro ----------------------------------------------------------------------------------------
def _load_npy(path: Path, what: str):
    import numpy as np

    try:
        return np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise DataError(f"{what} file {str(path)!r} cannot be read without unpickling ({exc}); "
                        "expected a plain NumPy array") from None
    except Exception as exc:
        raise DataError(f"cannot read {what} file {str(path)!r} ({type(exc).__name__}: {exc}); "
                        "expected a NumPy .npy array") from None


def read_ninapro_part(folder: str | Path, part: str):
    """``(x float32 [N, 1, 16, 52], y int64 [N])`` of ``ninapro_<part>.npy`` / ``label_<part>.npy``."""
    import numpy as np

    folder = Path(folder)
    xpath, ypath = folder / f"ninapro_{part}.npy", folder / f"label_{part}.npy"
    x = _load_npy(xpath, "NinaPro")
    expected_x = (f"float [N, {NINAPRO_WINDOW}, {NINAPRO_ELECTRODES}] (N windows of {NINAPRO_WINDOW} "
                  f"time steps x {NINAPRO_ELECTRODES} sEMG electrodes, NAS-Bench-360's ninapro_{part}.npy)")
    if x.ndim != 3 or x.shape[1:] != (NINAPRO_WINDOW, NINAPRO_ELECTRODES) or not (
            np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise DataError(f"NinaPro file {str(xpath)!r} holds {_shape(x)}; expected {expected_x}")
    if not np.all(np.isfinite(x)):
        raise DataError(f"NinaPro file {str(xpath)!r} holds NaN or infinite values; expected {expected_x}")
    y = _labels(ypath, _load_npy(ypath, "NinaPro"), len(x), NINAPRO_CLASSES,
                f"integer [{len(x)}] gesture labels 0..{NINAPRO_CLASSES - 1} "
                f"(NAS-Bench-360's label_{part}.npy, one per window of ninapro_{part}.npy)")
    return np.ascontiguousarray(x.transpose(0, 2, 1)[:, None], dtype=np.float32), y


def ninapro_files(split: str) -> list[str]:
    return [f"{kind}_{part}.npy" for part in NINAPRO_SPLITS[split] for kind in ("ninapro", "label")]


def read_ninapro(folder: str | Path, split: str):
    """The ``train`` (train + val, as NASLib) or ``test`` split of a NinaPro folder."""
    import numpy as np

    parts = [read_ninapro_part(folder, part) for part in NINAPRO_SPLITS[split]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# -- Spherical CIFAR-100 ----------------------------------------------------------------------------
class _ArrayUnpickler(pickle.Unpickler):
    """Rebuilds NumPy arrays (and the dicts/lists holding them); refuses every other global."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise DataError(f"refusing to load {module}.{name} from a data file: only pickled NumPy "
                        "arrays are accepted")


def read_spherical(path: str | Path) -> dict[str, tuple[Any, Any]]:
    """``{"train": (x float32 [N, 3, 60, 60], y int64 [N]), "test": ...}`` of ``s2_cifar100.gz``."""
    import numpy as np

    path = Path(path)
    c, h, w = SPHERICAL_SHAPE
    expected = (f'a gzip pickle of {{"train": {{"images": [N, {c}, {h}, {w}], "labels": [N]}}, '
                f'"test": {{...}}}} (NAS-Bench-360\'s s2_cifar100.gz)')
    try:
        with open(path, "rb") as raw:
            magic = raw.read(2)
            raw.seek(0)
            fh = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
            entry = _ArrayUnpickler(fh, encoding="latin1").load()
    except DataError as exc:
        raise DataError(f"Spherical CIFAR-100 file {str(path)!r}: {exc}") from None
    except Exception as exc:
        raise DataError(f"cannot read Spherical CIFAR-100 file {str(path)!r} ({type(exc).__name__}: "
                        f"{exc}); expected {expected}") from None
    out = {}
    for split in ("train", "test"):
        part = entry.get(split) if isinstance(entry, dict) else None
        if not isinstance(part, dict) or "images" not in part or "labels" not in part:
            raise DataError(f"Spherical CIFAR-100 file {str(path)!r} has no {split!r} images and labels; "
                            f"expected {expected}")
        x = part["images"]
        if not isinstance(x, np.ndarray) or x.ndim != 4 or x.shape[1:] != SPHERICAL_SHAPE or not (
                np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
            raise DataError(f"Spherical CIFAR-100 file {str(path)!r} holds {split} images as {_shape(x)}; "
                            f"expected [N, {c}, {h}, {w}] numbers ({expected})")
        y = _labels(path, part["labels"], len(x), SPHERICAL_CLASSES,
                    f"{split} labels: integers 0..{SPHERICAL_CLASSES - 1}, one per image")
        out[split] = (np.ascontiguousarray(x, dtype=np.float32), y)
    return out


__all__ = ["NINAPRO_SPLITS", "SPHERICAL_FILES", "SVHN_FILES", "ninapro_files", "read_ninapro",
           "read_ninapro_part", "read_spherical", "read_svhn"]
