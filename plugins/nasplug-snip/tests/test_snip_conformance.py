"""nasplug's predictor conformance suite on the ``snip`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestSnipConformance(PredictorConformance):
    predictor_name = "snip"
    # every task of every installed search space: the loss-based proxies must work with each
    # task's own loss (TransNAS-Bench-101 dense tasks included)
    tasks = "all"
    cells_per_task = 1
