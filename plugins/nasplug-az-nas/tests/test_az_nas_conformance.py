"""nasplug's predictor conformance suite on the per-cell stage of ``az_nas``, every search space.

``az_nas`` refuses ``query`` (its score exists only over a population); the
suite's checks (finite, deterministic, model untouched, import-light, clean
failures) are run on its per-cell components instead.
"""

from nasplug.testing import PredictorConformance


class TestAzNasConformance(PredictorConformance):
    predictor_name = "az_nas"
    tasks = "first"  # one dataset per search space; $NASPLUG_CONFORMANCE_TASKS=all for every task
    cells_per_task = 1

    def _query(self, predictor, graph, loader):
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(self.threads or threads)
        try:
            parts = predictor.query_components(graph, loader)
        finally:
            torch.set_num_threads(threads)
        # one number that moves with every component (complexity is a count: kept exact)
        return parts["expressivity"] + parts["progressivity"] + parts["trainability"] + parts["complexity"] * 1e-9
