"""Metrics a benchmark can be queried for (NASLib's names)."""

from __future__ import annotations

from enum import Enum


class Metric(Enum):
    """What to ask a benchmark for; NASLib's ``Metric`` members, same names."""

    RAW = 0
    ALL = 1
    TRAIN_ACCURACY = 2
    VAL_ACCURACY = 3
    TEST_ACCURACY = 4
    TRAIN_LOSS = 5
    VAL_LOSS = 6
    TEST_LOSS = 7
    TRAIN_TIME = 8
    VAL_TIME = 9
    TEST_TIME = 10
    FLOPS = 11
    LATENCY = 12
    PARAMETERS = 13
    EPOCH = 14
    HP = 15

    @classmethod
    def parse(cls, value: "Metric | str") -> "Metric":
        """Accept a member, its name (``"val_accuracy"``) or ``Metric.X`` text."""
        from .errors import NasplugError

        if isinstance(value, cls):
            return value
        key = str(value).strip().split(".")[-1].upper()
        try:
            return cls[key]
        except KeyError:
            names = ", ".join(m.name.lower() for m in cls)
            raise NasplugError(f"unknown metric {value!r}; valid metrics: {names}") from None
