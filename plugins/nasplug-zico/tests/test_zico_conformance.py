"""nasplug's predictor conformance suite on the ``zico`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestZicoConformance(PredictorConformance):
    predictor_name = "zico"
    tasks = "first"  # one dataset per search space; $NASPLUG_CONFORMANCE_TASKS=all for every task
    cells_per_task = 1
