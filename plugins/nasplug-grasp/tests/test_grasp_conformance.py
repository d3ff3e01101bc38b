"""nasplug's predictor conformance suite on the ``grasp`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestGraspConformance(PredictorConformance):
    predictor_name = "grasp"
    tasks = "first"  # one dataset per search space; the snip and jacov suites run every task
    cells_per_task = 1
