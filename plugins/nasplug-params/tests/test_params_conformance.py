"""nasplug's predictor conformance suite on the ``params`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestParamsConformance(PredictorConformance):
    predictor_name = "params"
    tasks = "first"  # one dataset per search space; the snip and jacov suites run every task
    cells_per_task = 1
