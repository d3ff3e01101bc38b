"""nasplug's predictor conformance suite on the ``jacov`` plugin, over every installed search space."""

from nasplug.testing import PredictorConformance


class TestJacovConformance(PredictorConformance):
    predictor_name = "jacov"
    # every task of every installed search space: jacov differentiates the raw output, whatever
    # its shape (logits or images)
    tasks = "all"
    cells_per_task = 1
