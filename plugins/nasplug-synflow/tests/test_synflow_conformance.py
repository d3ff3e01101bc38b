"""nasplug's predictor conformance suite on the ``synflow`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestSynflowConformance(PredictorConformance):
    predictor_name = "synflow"
    tasks = "first"  # one dataset per search space; the snip and jacov suites run every task
    cells_per_task = 1
