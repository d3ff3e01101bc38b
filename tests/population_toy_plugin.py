"""A population predictor with its own per-cell components, as a real plugin module on disk
(so spawned pool workers import it like an installed plugin). Used with eval_toy_plugin."""

from __future__ import annotations

from nasplug import hookimpl
from nasplug.population import PopulationPredictor

CALLS: list = []  # cells whose components this process computed (in-process runs)


class ToyTwoComponents(PopulationPredictor):
    """Parameter count and convolution count per cell; combined by AZ-NAS's log-rank sum."""

    name = "toytwocomp"
    component_names = ("params", "convs")
    requires_data = False

    def query_components(self, graph, dataloader=None):
        import torch

        CALLS.append(graph.get_hash())
        convs = sum(isinstance(m, torch.nn.Conv2d) for m in graph.modules())
        return {"params": float(sum(p.numel() for p in graph.parameters())), "convs": float(convs)}

    def combine(self, population):
        from nasplug.ensemble import geometric

        return dict(zip(population.cells, map(float, geometric(population.matrix()))))


@hookimpl
def register_predictors(register):
    register(ToyTwoComponents)


def install(pm) -> None:
    pm.register(__import__(__name__), name=__name__)
