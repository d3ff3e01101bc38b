"""nasplug's predictor conformance suite on the ``jacov`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestJacovConformance(PredictorConformance):
    predictor_name = "jacov"
    tasks = "first"  # one dataset per search space; the snip suite runs every task
    cells_per_task = 1
