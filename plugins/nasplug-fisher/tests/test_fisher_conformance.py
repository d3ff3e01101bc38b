"""nasplug's predictor conformance suite on the ``fisher`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestFisherConformance(PredictorConformance):
    predictor_name = "fisher"
    tasks = "first"  # one dataset per search space; the snip and jacov suites run every task
    cells_per_task = 1
