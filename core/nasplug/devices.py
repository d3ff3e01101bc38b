"""Which torch device scoring runs on: ``--device cpu|cuda|cuda:N|auto``.

Import-light: torch is imported only by :func:`resolve_device`. A device name
is checked once, where the run starts, so a wrong one is one clear line and
not a failure of every cell.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import NasplugError

#: the device names ``--device`` accepts (``cuda:N`` for any N)
DEVICE_CHOICES = ("cpu", "cuda", "cuda:N", "auto")
_DEVICE = re.compile(r"^(cpu|auto|cuda(:\d+)?)$")


def check_device_name(name: str) -> str:
    """``name`` normalised (lower case, stripped), or a NasplugError naming the valid forms."""
    text = str(name).strip().lower()
    if not _DEVICE.match(text):
        raise NasplugError(f"unknown device {name!r}; use one of {', '.join(DEVICE_CHOICES)}")
    return text


def resolve_device(name: str | None = "cpu") -> Any:
    """The ``torch.device`` for ``name``; ``auto`` is the first GPU when there is one, else the CPU.

    Raises NasplugError (one line) when a GPU is asked for and torch sees none,
    or the index is beyond the GPUs present.
    """
    import torch

    text = check_device_name(name or "cpu")
    if text == "auto":
        return torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    if text == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise NasplugError(f"--device {text}: torch {torch.__version__} sees no CUDA GPU on this machine; "
                           "use --device cpu (or auto)")
    device = torch.device(text)
    index = device.index or 0
    count = torch.cuda.device_count()
    if index >= count:
        raise NasplugError(f"--device {text}: this machine has {count} CUDA GPU(s) (cuda:0..cuda:{count - 1})")
    return torch.device("cuda", index)


def is_out_of_memory(exc: BaseException) -> bool:
    """True for a device out-of-memory error (torch's OutOfMemoryError or its message)."""
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


def release_device_memory(device: Any) -> None:
    """Give cached blocks back after an out-of-memory failure, so the next cell starts clean."""
    import torch

    if getattr(device, "type", None) == "cuda" and torch.cuda.is_available():
        torch.cuda.empty_cache()
