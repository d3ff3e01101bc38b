"""nasplug's predictor conformance suite on the ``grad_norm`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestGradNormConformance(PredictorConformance):
    predictor_name = "grad_norm"
    tasks = "first"  # one dataset per search space; the snip and jacov suites run every task
    cells_per_task = 1
