"""Exception types a user can cause.

Every error a user can trigger (an unknown name, a malformed architecture, a
missing data file, a plugin that fails) is a :class:`NasplugError`. The CLI turns
it into one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations


class NasplugError(Exception):
    """Base class for errors caused by user input, data or plugins."""


class UnknownNameError(NasplugError, KeyError):
    """A search space, benchmark, predictor, dataset or executor name is unknown."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(NasplugError):
    """Two plugins registered the same name for the same kind."""


class PluginLoadError(NasplugError):
    """A plugin failed to import or its hook raised."""


class ArchitectureError(NasplugError, ValueError):
    """An architecture specification (tuple, string, index) is malformed."""


class DataError(NasplugError):
    """A data file is missing, unreadable or corrupt."""


class CorruptDataError(DataError):
    """A data file (table, store, NASLib file) exists but is unreadable or malformed."""


class StoreError(NasplugError):
    """The score store cannot be opened, read or written (corrupt, read-only, disk full)."""


class MetricNotAvailableError(NasplugError):
    """A benchmark table does not hold the requested metric."""


def one_line(exc: BaseException) -> str:
    """``"TypeName: first line of the message"`` (just ``TypeName`` without a message).

    The one formatter for an exception shown to a user or stored with a failed cell.
    """
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
