"""nasplug's predictor conformance suite on the ``meco`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestMecoConformance(PredictorConformance):
    predictor_name = "meco"
    tasks = "first"  # one dataset per search space; $NASPLUG_CONFORMANCE_TASKS=all for every task
    cells_per_task = 1
    # TransNAS-Bench-101 heads hold a BatchNorm on a 1x1 map: one sample cannot run in training mode
    predictor_kwargs = {"samples": 2}
