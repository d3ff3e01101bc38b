"""nasplug's predictor conformance suite on the ``flops`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestFlopsConformance(PredictorConformance):
    predictor_name = "flops"
    tasks = "first"  # one dataset per search space; the snip and jacov suites run every task
    cells_per_task = 1
