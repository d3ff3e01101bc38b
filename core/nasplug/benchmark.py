"""The benchmark contract: ground truth for a search space's architectures."""

from __future__ import annotations

import os
from typing import Any, Sequence

from .metrics import Metric


class Benchmark:
    """Base class of benchmark APIs (what ``nasplug.get_dataset_api`` returns).

    Class attributes: ``name``; ``search_space`` (name of the search space whose
    architectures it labels); ``tasks`` (dataset/task names). Instances are
    built as ``cls(task, data_dir=None)`` and answer:

    - ``metrics`` -- the :class:`Metric` members the loaded tables really hold;
    - ``query(arch, metric, dataset=None)`` -- ``arch`` is a Graph, a compact
      tuple or the official string; a metric the table lacks is a
      :class:`nasplug.errors.MetricNotAvailableError` naming the file that would
      provide it;
    - ``default_metric`` -- the ground truth evaluations rank against;
    - ``architectures()`` -- every labelled architecture, as canonical strings;
    - ``sample(n, seed)`` -- ``n`` distinct labelled architectures, reproducibly.
    """

    name: str = ""
    search_space: str = ""
    tasks: Sequence[str] = ()
    default_metric: Metric = Metric.VAL_ACCURACY

    def __init__(self, task: str, data_dir: str | os.PathLike | None = None) -> None:
        self.task = task
        self.data_dir = data_dir

    @property
    def metrics(self) -> tuple[Metric, ...]:
        raise NotImplementedError

    def query(self, arch: Any, metric: Metric = Metric.VAL_ACCURACY, dataset: str | None = None) -> float:
        raise NotImplementedError

    def architectures(self) -> list[str]:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.architectures())

    def sample(self, n: int, seed: int = 0) -> list[str]:
        import random

        from .errors import NasplugError

        archs = self.architectures()
        if n > len(archs):
            raise NasplugError(
                f"test size {n} is larger than the {len(archs)} labelled architectures of "
                f"{self.search_space}/{self.task}")
        return random.Random(seed).sample(archs, n)
