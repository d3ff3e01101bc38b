"""Number of parameters of the network, in millions, counted as NASLib counts them.

The count is :func:`nasplug.counting.count_parameters` (the one counter every
nasplug part uses, matching NASLib's ``get_model_stats(...).parameters / 1e6``
exactly on NAS-Bench-201). Data-free. No transformation.
"""

from __future__ import annotations

from nasplug.zerocost import ZeroCostPredictor


class ParamsPredictor(ZeroCostPredictor):
    """params: parameters of the network, in millions."""

    name = "params"
    description = "Number of parameters, in millions (as NASLib)"
    requires_data = False
    needs_input_shape = False
    copy_model = False  # counting reads the model without changing it

    def compute(self, ctx) -> float:
        from nasplug.counting import count_parameters

        return float(count_parameters(ctx.net))
