"""Download CIFAR-10 / CIFAR-100 through torchvision: the only network access nasplug has.

:func:`fetch` is what ``nasplug data fetch cifar10|cifar100`` and ``--download``
run. The archive is downloaded (torchvision's progress bar on stderr), checked
against torchvision's MD5 sums and extracted inside a hidden temporary folder of
the data directory; only a complete, verified folder is moved to its final name
(``cifar-10-batches-py/``, ``cifar-100-python/``), with one rename. Whatever
fails (no network, a bad archive, Ctrl-C), the temporary folder is removed, so
nothing half-written is left, and the error is one :class:`DataError` line.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import DataError, NasplugError

#: dataset name -> torchvision class
TARGETS = {"cifar10": "CIFAR10", "cifar100": "CIFAR100"}


def official_folder(cls) -> str:
    return cls.base_folder


def is_complete(folder: Path, cls) -> bool:
    """Every file torchvision lists for the class is in ``folder`` with its MD5."""
    from torchvision.datasets.utils import check_integrity

    return all(check_integrity(str(folder / name), md5) for name, md5 in cls.train_list + cls.test_list)


def fetch(name: str, data_dir=None, *, quiet: bool = False) -> Path:
    """Download dataset ``name`` into the data directory; its folder (also when already there)."""
    from ..config import get_data_dir
    from ..extras import require

    if name not in TARGETS:
        raise NasplugError(f"cannot fetch {name!r}: nasplug downloads {', '.join(TARGETS)} only "
                           "(ImageNet16-120: get the files from the NAS-Bench-201 release)")
    datasets = require("torchvision.datasets", "download", f"downloading {name}")
    from torchvision.datasets.utils import download_and_extract_archive

    cls = getattr(datasets, TARGETS[name])
    root = get_data_dir(data_dir)
    final = root / official_folder(cls)
    if final.is_dir():
        if any(final.iterdir()) and is_complete(final, cls):
            return final
        raise DataError(f"{str(final)!r} exists but is incomplete or corrupt; remove it and run "
                        f"'nasplug data fetch {name}' again")
    created = [p for p in (root, *root.parents) if not p.exists()]  # folders this call makes
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-download-", dir=root))
    except OSError as exc:
        raise DataError(f"cannot write to data directory {str(root)!r} ({exc.strerror or exc})") from None
    done = False
    try:
        try:
            if quiet:
                import contextlib
                import io

                with contextlib.redirect_stderr(io.StringIO()):
                    download_and_extract_archive(cls.url, str(tmp), filename=cls.filename, md5=cls.tgz_md5)
            else:
                download_and_extract_archive(cls.url, str(tmp), filename=cls.filename, md5=cls.tgz_md5)
        except Exception as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DataError(f"downloading {name} from {cls.url} failed ({type(exc).__name__}: {reason}); "
                            "check the network connection, or copy the official files into "
                            f"{str(final)!r}") from None
        got = tmp / official_folder(cls)
        if not got.is_dir() or not is_complete(got, cls):
            raise DataError(f"the {name} archive from {cls.url} did not hold the expected files "
                            f"(checked against torchvision's MD5 sums); nothing was written")
        os.replace(got, final)
        done = True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not done:  # leave no empty data directory behind either
            for folder in created:
                try:
                    folder.rmdir()
                except OSError:
                    break
    return final


__all__ = ["TARGETS", "fetch", "is_complete"]
