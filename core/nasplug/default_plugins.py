"""The core distribution's own plugin: built-in datasets and executors.

Registered through the ``nasplug`` entry point of the ``nasplug`` distribution,
like any third-party plugin. Import-light: the registered classes import torch
only when used.
"""

from __future__ import annotations

from .plugins import hookimpl


@hookimpl
def register_datasets(register):
    from . import data

    for cls in data.BUILTIN_DATASETS:
        register(cls)


@hookimpl
def register_executors(register):
    from . import executors

    for cls in executors.BUILTIN_EXECUTORS:
        register(cls)
