"""nasplug's predictor conformance suite on the ``nwot`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestNwotConformance(PredictorConformance):
    predictor_name = "nwot"
    tasks = "first"  # one dataset per search space (the snip suite runs every task)
    cells_per_task = 1
