"""nasplug's predictor conformance suite on the ``epe_nas`` plugin.

EPE-NAS needs class labels: it runs on every classification task of every installed
search space and refuses the dense-prediction and regression tasks of
TransNAS-Bench-101 (tested in ``test_epe_nas_proxy.py``), so those are left out here.
"""

from nasplug.testing import PredictorConformance

#: TransNAS-Bench-101 tasks without one class label per sample
NOT_CLASSIFICATION = ("room_layout", "segmentsemantic", "normal", "autoencoder")


class TestEpeNasConformance(PredictorConformance):
    predictor_name = "epe_nas"
    cells_per_task = 1

    @classmethod
    def conformance_tasks(cls):
        return [(space, task) for space, task in super().conformance_tasks()
                if task not in NOT_CLASSIFICATION]
