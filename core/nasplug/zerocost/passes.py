"""Shared passes: every proxy of a cell scored from one forward and as few backward passes as possible.

A proxy declares, in its class attribute ``passes``, which quantities of the
*task pass* (the scoring state's forward of the batch, its task loss and the
backward passes built on it) it reads. The engine then computes each of them
once per cell and batch for all the proxies that are scored together
(:func:`score_many`), and on demand, with exactly the same operations, for a
proxy scored alone. So a proxy's score does not depend on which other proxies
share its passes.

The quantities (names in :data:`PASSES`):

``"forward"``
    the model's output on the batch (:meth:`SharedPasses.task_output`);
``"loss"``
    the task loss of that output (:meth:`SharedPasses.task_loss`);
``"weight_grads"``
    d loss / d weight of every Conv2d/Linear layer
    (:meth:`SharedPasses.task_weight_grads`; snip, grad_norm, plain);
``"activation_grads"``
    each layer call's output ``a`` with d loss / d ``a``
    (:meth:`SharedPasses.task_activation_grads`; fisher). Taken in the same
    backward pass as the weight gradients when both are needed;
``"hessian"``
    the weight gradients with ``create_graph=True`` under
    :func:`nasplug.zerocost.second_order.closed_form_second_order`, so a
    Hessian-vector product can be taken from them (grasp). First-order
    readers then get the same gradients detached: one backward serves both;
``"input_jacobian"``
    d sum(output) / d input for the batch (:meth:`SharedPasses.input_jacobian`;
    jacov, epe_nas): a second backward pass over the same forward;
``"weights"``
    only the weights (l2_norm): no pass at all.

A proxy that needs to *see* the forward pass (activation codes, feature maps:
nwot) declares ``"forward"`` and implements ``observe_task_forward(ctx)``, a
context manager that installs its forward hooks on ``ctx.net``; the engine
enters every observer's manager around the one shared forward pass, and the
proxy's ``compute`` then calls ``ctx.task_output()`` (which runs that pass
if no other proxy has yet) and reads what its hooks recorded. Hooks must only
read (``detach()``), never change, what they see.

A proxy that needs its own transformed model (synflow: absolute weights,
float64, no BatchNorm) or that changes the model, and any third-party proxy
that declares nothing (``passes = None``), is scored alone by
:func:`nasplug.zerocost.engine.score` exactly as before.

Every backward pass of the task pass keeps the graph (``retain_graph=True``),
so any later reader of the same context can still take its own; the graph is
freed with the context when the cell is done.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterable, Iterator, Sequence

import torch

#: the task-pass quantities a proxy may declare in ``passes`` (see the module docstring)
PASSES = frozenset({"forward", "loss", "weight_grads", "activation_grads", "hessian",
                    "input_jacobian", "weights"})


#: the quantities that need autograd in the forward pass (the others: a no-grad forward)
GRADIENT_PASSES = frozenset({"loss", "weight_grads", "activation_grads", "hessian", "input_jacobian"})


def declared_passes(predictor: Any) -> frozenset[str] | None:
    """The proxy's declared task-pass quantities, or None when it must be scored alone.

    A proxy shares passes only when it declares them and scores the model in the
    common scoring state (BatchNorm on, the model's own dtype); an unknown name in
    ``passes`` is a programming error of the proxy and raises ``ValueError``.
    """
    passes = getattr(predictor, "passes", None)
    if passes is None:
        return None
    passes = frozenset(passes)
    unknown = passes - PASSES
    if unknown:
        raise ValueError(f"{type(predictor).__name__}.passes names unknown quantities "
                         f"{sorted(unknown)}; known: {sorted(PASSES)}")
    if not getattr(predictor, "batchnorm", True) or getattr(predictor, "dtype", None) is not None:
        return None
    return passes


class _Failed:
    """A shared pass that raised: every reader re-raises the same error."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class SharedPasses:
    """Mixin of :class:`nasplug.zerocost.engine.ScoringContext`: the memoised task pass.

    ``self.needs`` is the union of the declared quantities of every proxy scored
    on this context; it decides, before the one forward pass runs, whether the
    input must require grad (``input_jacobian``), whether layer outputs are
    recorded (``activation_grads``) and whether the pass runs under the
    closed-form second-order mode (``hessian``). A reader asking for something
    the context was not prepared for still gets the right value from a pass of
    its own (never a wrong or partial one).
    """

    needs: frozenset[str] = frozenset()
    #: proxies whose ``observe_task_forward(ctx)`` is entered around the shared forward pass
    observers: tuple = ()

    # set by ScoringContext.__init__
    net: Any
    inputs: torch.Tensor | None
    layers: list

    def _memo(self) -> dict:
        memo = self.__dict__.get("_task_memo")
        if memo is None:
            memo = self.__dict__["_task_memo"] = {}
        return memo

    def _cached(self, key: str, compute):
        memo = self._memo()
        if key not in memo:
            try:
                memo[key] = compute()
            except Exception as exc:  # the same failure for every reader of this pass
                memo[key] = _Failed(exc)
        value = memo[key]
        if isinstance(value, _Failed):
            raise value.exc
        return value

    @contextlib.contextmanager
    def task_mode(self) -> Iterator[None]:
        """The autograd mode of the task pass: closed-form second order when ``hessian`` is needed.

        Wrap every computation that builds on the task pass's graph in it (the
        engine does this around each proxy's ``compute``).
        """
        if "hessian" in self.needs:
            from .second_order import closed_form_second_order

            with closed_form_second_order():
                yield
        else:
            yield

    # -- the forward pass ----------------------------------------------------
    def _forward(self, grad: bool = True, observe: bool = True
                 ) -> tuple[torch.Tensor, torch.Tensor, list[tuple[int, torch.Tensor]]]:
        x = self.require_inputs()  # type: ignore[attr-defined]
        if "input_jacobian" in self.needs and grad:
            x = x.detach().requires_grad_(True)
        records: list[tuple[int, torch.Tensor]] = []
        with self.task_mode(), contextlib.ExitStack() as stack:
            stack.enter_context(torch.set_grad_enabled(grad))
            for observer in self.observers if observe else ():
                stack.enter_context(observer.observe_task_forward(self))
            if "activation_grads" in self.needs and grad:
                with self.layer_outputs() as records:  # type: ignore[attr-defined]
                    out = self.forward(x)  # type: ignore[attr-defined]
                records = list(records)
            else:
                out = self.forward(x)  # type: ignore[attr-defined]
        return x, out, records

    def _shared_pass(self) -> tuple:
        """The one forward pass every observer sees; without autograd when no one needs gradients."""
        return self._cached("pass", lambda: self._forward(grad=bool(self.needs & GRADIENT_PASSES)))

    def _gradient_pass(self) -> tuple:
        """A forward pass with autograd: the shared one, or (for a reader the context was not
        prepared for) one of its own that observers do not see again."""
        if self.needs & GRADIENT_PASSES:
            return self._shared_pass()
        return self._cached("gradient_pass", lambda: self._forward(grad=True, observe=False))

    def task_inputs(self) -> torch.Tensor:
        """The batch's inputs as the task pass saw them (requiring grad for ``input_jacobian``)."""
        return self._shared_pass()[0]

    def task_output(self) -> torch.Tensor:
        """The model's (primary) output on the batch, from the one shared forward pass."""
        return self._shared_pass()[1]

    def task_layer_outputs(self) -> list[tuple[int, torch.Tensor]]:
        """``(layer_index, output)`` of every Conv2d/Linear call in the task forward pass.

        Recorded by the shared forward when ``activation_grads`` is needed, else
        by a forward pass of this reader's own.
        """
        if "activation_grads" in self.needs:
            return self._shared_pass()[2]

        def own() -> list[tuple[int, torch.Tensor]]:
            with self.task_mode(), self.layer_outputs() as records:  # type: ignore[attr-defined]
                self.forward()  # type: ignore[attr-defined]
            return list(records)
        return self._cached("own_layer_outputs", own)

    def task_loss(self) -> torch.Tensor:
        """The task loss of the (autograd) task output against the targets."""
        return self._cached("loss", lambda: self.loss(self._gradient_pass()[1]))  # type: ignore[attr-defined]

    # -- the task-loss backward pass -----------------------------------------
    def _loss_backward(self) -> tuple[list[torch.Tensor], list[tuple[int, torch.Tensor, torch.Tensor | None]]]:
        weights = list(self.weights)  # type: ignore[attr-defined]
        want_acts = "activation_grads" in self.needs
        loss = self.task_loss()
        records = self.task_layer_outputs() if want_acts else []
        records = [(i, a) for i, a in records if a.requires_grad]
        acts = [a for _, a in records]
        targets = weights + acts
        if not targets or not loss.requires_grad:
            return [torch.zeros_like(w) for w in weights], [(i, a, None) for i, a in records]
        with self.task_mode():
            grads = torch.autograd.grad(loss, targets, retain_graph=True, allow_unused=True,
                                        create_graph="hessian" in self.needs)
        wgrads = [torch.zeros_like(w) if g is None else g for g, w in zip(grads[:len(weights)], weights)]
        agrads = [(i, a, g) for (i, a), g in zip(records, grads[len(weights):])]
        return wgrads, agrads

    def task_weight_grads(self, create_graph: bool = False) -> list[torch.Tensor]:
        """d task loss / d weight for every layer (zeros where the loss does not reach a weight).

        ``create_graph=True`` (for a Hessian-vector product) needs ``"hessian"``
        among the context's needs; otherwise it is computed in a backward pass of
        its own. Without it the gradients are detached.
        """
        if create_graph and "hessian" not in self.needs:
            return self._cached("own_hessian_grads", lambda: self.weight_grads(  # type: ignore[attr-defined]
                self.task_loss(), create_graph=True))
        grads = self._cached("loss_backward", self._loss_backward)[0]
        return list(grads) if create_graph else [g.detach() for g in grads]

    def task_activation_grads(self) -> list[tuple[int, torch.Tensor, torch.Tensor | None]]:
        """``(layer_index, output, d loss / d output)`` of every layer call of the task pass.

        The gradient is ``None`` for a call whose output does not reach the loss.
        Outputs and gradients are detached.
        """
        if "activation_grads" not in self.needs:
            # prepared without hooks: a forward and backward pass of this reader's own
            def own() -> list[tuple[int, torch.Tensor, torch.Tensor | None]]:
                with self.task_mode():
                    with self.layer_outputs() as recorded:  # type: ignore[attr-defined]
                        loss = self.loss()  # type: ignore[attr-defined]
                    records = [(i, a) for i, a in recorded if a.requires_grad]
                    if not records:
                        return []
                    grads = torch.autograd.grad(loss, [a for _, a in records],
                                                retain_graph=True, allow_unused=True)
                return [(i, a.detach(), None if g is None else g.detach())
                        for (i, a), g in zip(records, grads)]
            return self._cached("own_activation_grads", own)
        records = self._cached("loss_backward", self._loss_backward)[1]
        return [(i, a.detach(), None if g is None else g.detach()) for i, a, g in records]

    # -- the input-Jacobian backward pass ------------------------------------
    def _jacobian(self) -> torch.Tensor:
        if "input_jacobian" in self.needs:
            x, out = self.task_inputs(), self.task_output()
        else:  # prepared without an input requiring grad: a forward pass of its own
            x = self.require_inputs().detach().requires_grad_(True)  # type: ignore[attr-defined]
            with self.task_mode():
                out = self.forward(x)  # type: ignore[attr-defined]
        with self.task_mode():
            (jac,) = torch.autograd.grad(out, x, torch.ones_like(out), retain_graph=True)
        return jac.detach()

    def input_jacobian(self) -> torch.Tensor:
        """d sum(output) / d input, shaped like the batch's inputs (detached)."""
        return self._cached("input_jacobian", self._jacobian)


def union_of_needs(predictors: Iterable[Any]) -> frozenset[str]:
    """Every quantity any of ``predictors`` declares (for those that share passes)."""
    needs: set[str] = set()
    for p in predictors:
        declared = declared_passes(p)
        if declared:
            needs |= declared
    return frozenset(needs)


def observers_of(predictors: Iterable[Any]) -> tuple:
    """The proxies among ``predictors`` that watch the shared forward pass."""
    return tuple(p for p in predictors if callable(getattr(p, "observe_task_forward", None)))


def group_for_sharing(predictors: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """``(shared, alone)``: the proxies scored on one shared context and those scored alone."""
    shared, alone = [], []
    for p in predictors:
        (shared if declared_passes(p) is not None else alone).append(p)
    return shared, alone
