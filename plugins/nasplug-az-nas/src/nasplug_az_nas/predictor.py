"""AZ-NAS as a population predictor on nasplug's shared zero-cost engine.

Per cell (:class:`AzNasComponents`, one forward and one backward pass on the
shared engine's scoring copy): expressivity, progressivity, trainability (see
:mod:`nasplug_az_nas.components`) and complexity (the network's FLOPs,
:func:`nasplug.counting.model_stats`, NASLib's count). Over the evaluated
population (:class:`AzNasPredictor.combine`): the non-linear rank aggregation
``sum_m log(rank_m / N)``. The per-cell components never depend on other cells,
so the evaluator stores them (the population contract of
:mod:`nasplug.population`) and a killed run resumes without rescoring.

Protocol options (defaults = the authors' NAS-Bench-201 code, which produced
the paper's figures):

``inputs``
    ``"gaussian"`` (default: a standard-normal batch of the shape and size of
    the loader's batch; the authors' notebook feeds AZ-NAS random inputs) or
    ``"batch"`` (the loader's real images). A loader is needed either way
    (``requires_data``): it gives the input shape.
``init``
    ``"kaiming"`` (default: the authors' ``init_model``: Conv2d/Linear weights
    Kaiming-normal, fan-in, ReLU gain; biases 0; BatchNorm weight 1, bias 0; on
    a scoring copy, seeded) or ``None`` (the model's own weights).
``batch_size``
    kept for the Python API: the Gaussian batch when ``query_components`` is
    given a bare input shape (default 64, the authors' batch).

Stage features: the outputs (4-D tensors) of the model's top-level parts in
call order, ``ModuleList``/``ModuleDict`` children entered one level and a
model that only wraps one network unwrapped (so
NAS-Bench-201 gives stem + 15 cells + 2 residual blocks = 18 maps, as the
authors' ``extract_cell_features``; DARTS gives stem + cells). A model may
name its own with a ``feature_modules()`` method.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

from nasplug.errors import DataError
from nasplug.population import Population, PopulationPredictor
from nasplug.zerocost import ScoringError, ZeroCostPredictor

from . import components as C

COMPONENTS = ("expressivity", "progressivity", "trainability", "complexity")
INPUTS = ("gaussian", "batch")
INITS = ("kaiming", None)
DEFAULT_BATCH_SIZE = 64


def stage_modules(net) -> list:
    """The modules whose outputs are AZ-NAS's stage features (see the module docstring)."""
    from torch import nn

    own = getattr(net, "feature_modules", None)
    if callable(own):
        return list(own())
    children = list(net.children())
    while len(children) == 1 and list(children[0].children()):  # a wrapper (NAS-Bench-301's graph)
        net = children[0]
        children = list(net.children())
    out = []
    for child in net.children():
        if isinstance(child, (nn.ModuleList, nn.ModuleDict)):
            out.extend(child.children())
        else:
            out.append(child)
    return out


def kaiming_init(net) -> None:
    """The authors' ``kaiming_normal_fanin_init``."""
    import torch
    from torch import nn

    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm)) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


class AzNasComponents(ZeroCostPredictor):
    """The per-cell pass of AZ-NAS on the shared engine (not registered on its own).

    ``query`` returns the expressivity and leaves all four components in
    :attr:`last` (a dict); :meth:`AzNasPredictor.query_components` reads them.
    """

    name = "az_nas"
    # with inputs="gaussian" only the batch's shape and size are read

    def __init__(self, method_type: str | None = None, inputs: str = "gaussian",
                 init: str | None = "kaiming", batch_size: int = DEFAULT_BATCH_SIZE, **kwargs) -> None:
        super().__init__(method_type=method_type, **kwargs)
        if inputs not in INPUTS:
            raise DataError(f"az_nas: inputs must be one of {', '.join(INPUTS)}, got {inputs!r}")
        if init in ("none", "None", ""):
            init = None
        if init not in INITS:
            raise DataError(f"az_nas: init must be 'kaiming' or None, got {init!r}")
        if int(batch_size) < 1:
            raise DataError(f"az_nas: batch_size must be at least 1, got {batch_size}")
        self.inputs, self.init, self.batch_size = inputs, init, int(batch_size)
        self.in_place = init is None  # a re-initialisation needs a scoring copy
        self.last: dict[str, float] = {}

    def compute(self, ctx) -> float:
        import torch

        if self.init == "kaiming":
            kaiming_init(ctx.net)
        if self.inputs == "batch":
            x = ctx.require_inputs()
        else:
            n = ctx.inputs.shape[0] if ctx.inputs is not None else self.batch_size
            x = torch.randn((n, *ctx.input_shape), device=ctx.device)
        features: list[torch.Tensor] = []

        def hook(module, args, output) -> None:
            if isinstance(output, torch.Tensor) and output.dim() == 4:
                features.append(output)

        handles = [m.register_forward_hook(hook) for m in stage_modules(ctx.net)]
        try:
            ctx.forward(x)
        finally:
            for h in handles:
                h.remove()
        if len(features) < 2:
            raise ScoringError(self.method_type, f"{len(features)} stage feature map(s) found; "
                               "AZ-NAS needs at least 2 (4-D outputs of the model's top-level parts)")
        per_feature = [C.feature_expressivity(f) for f in features]
        expressivity, progressivity = C.expressivity_and_progressivity(per_feature)
        pairs = []
        for i in reversed(range(1, len(features))):
            f_out, f_in = features[i], features[i - 1]
            g_out = (torch.bernoulli(torch.full_like(f_out, 0.5)) - 0.5) * 2
            g_in = None
            if f_out.requires_grad and f_in.requires_grad:
                (g_in,) = torch.autograd.grad(f_out, f_in, g_out, retain_graph=True, allow_unused=True)
            pairs.append(C.pair_trainability(g_in, g_out))
        self.last = {"expressivity": expressivity, "progressivity": progressivity,
                     "trainability": C.trainability(pairs)}
        self.input_shape = tuple(ctx.input_shape)
        bad = [k for k, v in self.last.items() if not math.isfinite(v)]
        if bad:
            raise ScoringError(self.method_type, f"{bad[0]} is {self.last[bad[0]]}")
        return expressivity


class AzNasPredictor(PopulationPredictor):
    """az_nas: four per-cell components, combined by sum_m log(rank_m / N) over the population."""

    name = "az_nas"
    description = ("AZ-NAS: expressivity, progressivity, trainability, complexity with non-linear "
                   "rank aggregation (Lee & Ham, CVPR 2024)")
    component_names = COMPONENTS

    def __init__(self, method_type: str | None = None, seed: int = 0, inputs: str = "gaussian",
                 init: str | None = "kaiming", batch_size: int = DEFAULT_BATCH_SIZE, **kwargs: Any) -> None:
        super().__init__(method_type=method_type, **kwargs)
        self.seed = int(seed)
        self.components_pass = AzNasComponents(method_type=self.method_type, seed=seed, inputs=inputs,
                                               init=init, batch_size=batch_size)

    def query_components(self, graph: Any, dataloader: Iterable | None = None) -> Mapping[str, float]:
        """The four components of one cell (raises ``ScoringError`` when they cannot be computed)."""
        from nasplug.counting import model_stats

        self.components_pass.query(graph, dataloader)
        parts = dict(self.components_pass.last)
        # NASLib's FLOP count of the caller's model as built (read-only; its own mode, so a
        # BatchNorm on a 1x1 map is not run in training mode on one sample)
        try:
            parts["complexity"] = float(model_stats(graph, (1, *self.components_pass.input_shape))["flops"])
        except Exception as exc:  # the failure contract: one cell, one line
            raise ScoringError(self.method_type, f"cannot count FLOPs: {type(exc).__name__}: {exc}"[:300]) from exc
        return parts

    def combine(self, population: Population) -> Mapping[str, float]:
        if not population.cells:
            return {}
        scores = C.rank_aggregate(population.matrix(population.cells, COMPONENTS))
        return dict(zip(population.cells, scores))

    def describe(self) -> dict:
        p = self.components_pass
        return {**super().describe(), "inputs": p.inputs, "init": p.init, "batch_size": p.batch_size,
                "seed": self.seed, "aggregation": "sum log(rank/N)"}
