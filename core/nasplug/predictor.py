"""The predictor contract (NASLib's ``Predictor``)."""

from __future__ import annotations

from typing import Any, Iterable


class Predictor:
    """Base class of zero-cost predictors.

    Subclasses set ``name`` (the registered short name, used as the default
    ``method_type``) and implement :meth:`query`. ``pre_process`` is called
    exactly once before ``query`` is called for many architectures.

    ``query(graph, dataloader)`` returns a float; a higher score means a better
    predicted architecture. ``graph`` is a parsed :class:`nasplug.Graph` (a
    ``torch.nn.Module``); ``dataloader`` yields ``(inputs, targets)`` batches of
    the task. A predictor must not change ``graph`` (weights, gradients, BN
    statistics): score a copy or restore what it touched.
    """

    name: str = ""
    #: set by subclasses that need data; data-free predictors may leave it False
    requires_data: bool = True

    def __init__(self, method_type: str | None = None, **kwargs: Any) -> None:
        self.method_type = method_type or self.name or type(self).__name__
        self.options = kwargs

    def pre_process(self) -> None:
        """Called once before repeated :meth:`query` calls."""

    def query(self, graph: Any, dataloader: Iterable | None = None) -> float:
        raise NotImplementedError(f"{type(self).__name__}.query is not implemented")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(method_type={getattr(self, 'method_type', self.name)!r})"
