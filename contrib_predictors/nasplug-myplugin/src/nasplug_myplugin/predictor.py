"""The tutorial's sample submission: score a network by its number of parameters.

NASLib's zero-cost tutorial ends with a ``ZeroCostPredictor`` that "simply counts
the number of parameters in the model" and so ranks bigger models higher. This is
that predictor, registered under the name ``myplugin``.
"""

from __future__ import annotations

from typing import Any, Iterable

from nasplug import Predictor


def count_parameters(model: Any) -> int:
    """Number of scalar parameters of ``model`` (a ``torch.nn.Module``), trainable or not."""
    return sum(p.numel() for p in model.parameters())


class MyPluginPredictor(Predictor):
    """Parameter count of the parsed network (a plain count, not millions).

    Data-free: ``dataloader`` is accepted and ignored. Higher score = bigger model
    = predicted better, as in the tutorial.
    """

    name = "myplugin"
    requires_data = False

    def query(self, graph: Any, dataloader: Iterable | None = None) -> float:
        # Only reads parameter shapes: the model's weights and gradients are untouched.
        return float(count_parameters(graph))
