"""nasplug's predictor conformance suite on the ``swap`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestSwapConformance(PredictorConformance):
    predictor_name = "swap"
    tasks = "first"  # one dataset per search space; $NASPLUG_CONFORMANCE_TASKS=all for every task
    cells_per_task = 1
