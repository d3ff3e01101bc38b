"""nasplug's predictor conformance suite on the ``plain`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestPlainConformance(PredictorConformance):
    predictor_name = "plain"
    tasks = "first"  # one dataset per search space (the snip suite runs every task)
    cells_per_task = 1
