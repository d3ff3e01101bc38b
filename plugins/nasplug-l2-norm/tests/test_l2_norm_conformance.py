"""nasplug's predictor conformance suite on the ``l2_norm`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestL2NormConformance(PredictorConformance):
    predictor_name = "l2_norm"
    tasks = "first"  # one dataset per search space (the snip suite runs every task)
    cells_per_task = 1
