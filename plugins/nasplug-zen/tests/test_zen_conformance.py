"""nasplug's predictor conformance suite on the ``zen`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestZenConformance(PredictorConformance):
    predictor_name = "zen"
    tasks = "first"  # one dataset per search space (the snip suite runs every task)
    cells_per_task = 1
