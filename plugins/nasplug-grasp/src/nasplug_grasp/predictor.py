"""GraSP (Wang et al., ICLR 2020), as a zero-cost proxy (Abdelfattah et al., ICLR 2021).

Per weight: ``-w * (H g)``, with ``g = dL/dw`` and ``H`` the Hessian of the
task loss ``L`` on one batch (BatchNorm in training mode), over the Conv2d and
Linear weights; summed. ``H g`` is the gradient of ``z = <stopgrad(g), g(w)>``,
a Hessian-vector product. NASLib computes ``g`` and ``g(w)`` in two forward
passes over the same batch; in training mode both passes give the same
tensors, so one forward pass serves both here. No transformation.

The double backward runs through :func:`nasplug.zerocost.second_order.closed_form_second_order`
(hand-derived second derivatives of Conv2d and BatchNorm, equal to PyTorch's
up to float rounding, about a fifth less time per cell); ``closed_form=False``
uses PyTorch's own.
"""

from __future__ import annotations

from typing import Any

from nasplug.zerocost import ZeroCostPredictor


class GraspPredictor(ZeroCostPredictor):
    """GraSP: sum of -w * (H g) over Conv2d/Linear weights."""

    name = "grasp"
    description = "Gradient signal preservation -w*(Hg) (Wang et al. 2020)"
    in_place = True  # reads weights, never writes them: no deep copy needed

    #: the task-loss backward with a graph for the Hessian-vector product, shared with snip, ...
    passes = frozenset({"hessian"})

    def __init__(self, method_type: str | None = None, closed_form: bool = True, **kwargs: Any) -> None:
        super().__init__(method_type=method_type, **kwargs)
        self.closed_form = bool(closed_form)
        if not self.closed_form:
            self.passes = None  # PyTorch's own double backward: scored alone, as before

    def compute(self, ctx) -> float:
        # with closed_form (passes "hessian") the task pass runs under the closed-form mode;
        # without, this proxy is scored alone and the gradients come from PyTorch's own path
        grads = ctx.task_weight_grads(create_graph=True)
        z = None
        for g in grads:
            if g.requires_grad:  # weights the loss reaches
                term = (g.detach() * g).sum()
                z = term if z is None else z + term
        if z is None:
            return 0.0
        # keep the graph: proxies sharing this task pass may still backpropagate through it
        hg = ctx.weight_grads(z, retain_graph=True)
        return ctx.sum_layers(-w.detach() * h for w, h in zip(ctx.weights, hg))
