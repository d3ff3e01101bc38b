"""The torch side of :mod:`nasplug.zerocost`: scoring copy, batch, loss, per-layer bookkeeping.

Imported on a proxy's first ``query``; see :mod:`nasplug.zerocost` for the contract.
"""

from __future__ import annotations

import contextlib
import copy
import math
from typing import Any, Iterable, Iterator, Sequence

import torch
from torch import nn

from ..allocator import keep_freed_memory
from ..errors import DataError, NasplugError, one_line
from . import ScoringError
from .passes import SharedPasses, declared_passes, group_for_sharing, observers_of, union_of_needs

#: the layers whose weights zero-cost proxies score (NASLib's ``get_layer_metric_array``)
WEIGHT_LAYER_TYPES = (nn.Conv2d, nn.Linear)


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """Every Conv2d and Linear module of ``model`` (subclasses too), in ``modules()`` order."""
    return [m for m in model.modules() if isinstance(m, WEIGHT_LAYER_TYPES)]


def primary_output(output: Any) -> torch.Tensor:
    """The tensor a proxy scores: the output itself, or the first tensor of a tuple/list."""
    if isinstance(output, torch.Tensor):
        return output
    if isinstance(output, (tuple, list)):
        for item in output:
            if isinstance(item, torch.Tensor):
                return item
    raise TypeError(f"model output of type {type(output).__name__} holds no tensor")


def select_loss(graph: Any) -> Any:
    """The task's loss: ``graph.get_loss_fn()`` when the model provides it, else cross-entropy."""
    get_loss_fn = getattr(graph, "get_loss_fn", None)
    if callable(get_loss_fn):
        loss_fn = get_loss_fn()
        if loss_fn is not None:
            return loss_fn
    return nn.CrossEntropyLoss()


def _is_batch(obj: Any) -> bool:
    return (isinstance(obj, (tuple, list)) and len(obj) == 2
            and all(isinstance(t, torch.Tensor) for t in obj))


def first_batch(dataloader: Iterable | None) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    """``(inputs, targets)`` of the first batch of ``dataloader`` (NASLib: one 'random' batch).

    ``dataloader`` may also be one ``(inputs, targets)`` pair or a bare input tensor.
    """
    if dataloader is None:
        return None
    if isinstance(dataloader, torch.Tensor):
        return dataloader, None
    if _is_batch(dataloader):
        return dataloader[0], dataloader[1]
    try:
        batch = next(iter(dataloader))
    except StopIteration:
        raise DataError("the dataloader yielded no batch; give a loader with at least one "
                        "(inputs, targets) batch") from None
    if isinstance(batch, torch.Tensor):
        return batch, None
    if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], torch.Tensor):
        targets = batch[1] if len(batch) > 1 else None
        return batch[0], targets
    raise DataError(f"the dataloader yielded a {type(batch).__name__}; expected (inputs, targets) tensors")


def _identity(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    return x


def disable_batchnorm(model: nn.Module) -> None:
    """Make every BatchNorm layer of ``model`` (a scoring copy) return its input unchanged."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.forward = _identity  # instance attribute: only this copy changes


def model_device(model: nn.Module) -> torch.device:
    for t in model.parameters():
        return t.device
    for t in model.buffers():
        return t.device
    return torch.device("cpu")


_BN_STATE = ("track_running_stats", "running_mean", "running_var", "num_batches_tracked")


def _to_scoring_state(net: nn.Module) -> None:
    """Training mode, every parameter requiring grad without ``.grad``, BN without running statistics."""
    net.train()
    for p in net.parameters():
        p.grad = None
        p.requires_grad_(True)
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats:
            # training mode normalises with batch statistics: running ones are never read,
            # so scoring neither keeps nor updates them
            m.track_running_stats = False
            m.running_mean = m.running_var = m.num_batches_tracked = None


def scoring_copy(graph: nn.Module, *, batchnorm: bool = True, dtype: torch.dtype | None = None) -> nn.Module:
    """A deep copy of ``graph`` in training mode, ready to be scored and thrown away."""
    net = copy.deepcopy(graph)
    if dtype is not None:
        net = net.to(dtype)
    _to_scoring_state(net)
    if not batchnorm:
        disable_batchnorm(net)
    return net


@contextlib.contextmanager
def scoring_in_place(graph: nn.Module) -> Iterator[nn.Module]:
    """``graph`` itself in the scoring state of :func:`scoring_copy`; on exit (also on
    an error) every module's mode, each parameter's ``requires_grad`` and ``.grad``,
    and every BN layer's running statistics are exactly what they were."""
    modes = [(m, m.training) for m in graph.modules()]
    params = [(p, p.requires_grad, p.grad) for p in graph.parameters()]
    norms = [(m, [getattr(m, name) for name in _BN_STATE]) for m in graph.modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    try:
        _to_scoring_state(graph)
        yield graph
    finally:
        for m, training in modes:
            m.training = training
        for p, requires_grad, grad in params:
            p.requires_grad_(requires_grad)
            p.grad = grad
        for m, values in norms:
            for name, value in zip(_BN_STATE, values):
                setattr(m, name, value)


class ScoringContext(SharedPasses):
    """What a proxy's ``compute`` works with.

    ``net`` is the scoring copy (or, for ``copy_model = False`` and ``in_place``
    proxies, the caller's model), ``inputs``/``targets`` the batch on ``net``'s device
    (``None`` for data-free proxies without a loader), ``loss_fn`` the task's
    loss, ``layers`` the Conv2d/Linear modules and ``input_shape`` the shape of
    one input sample. ``needs`` are the task-pass quantities the proxies scored on
    this context declared (:mod:`nasplug.zerocost.passes`); their accessors
    (``task_output``, ``task_loss``, ``task_weight_grads``, ...) compute each once.
    """

    def __init__(self, net: nn.Module, inputs: torch.Tensor | None, targets: torch.Tensor | None,
                 loss_fn: Any, input_shape: Sequence[int], name: str,
                 needs: frozenset[str] = frozenset(), observers: Sequence[Any] = ()) -> None:
        self.needs = frozenset(needs)
        self.observers = tuple(observers)
        #: what observers of the forward pass recorded, by proxy name (theirs to fill and read)
        self.records: dict[str, Any] = {}
        self.net = net
        self.inputs = inputs
        self.targets = targets
        self.loss_fn = loss_fn
        self.input_shape = tuple(input_shape)
        self.name = name
        self.layers = weight_layers(net)
        self.device = model_device(net)

    @property
    def weights(self) -> list[torch.Tensor]:
        return [layer.weight for layer in self.layers]

    # -- passes -------------------------------------------------------------
    def forward(self, inputs: torch.Tensor | None = None) -> torch.Tensor:
        """The model's (primary) output on ``inputs`` (default: the batch)."""
        x = self.require_inputs() if inputs is None else inputs
        return primary_output(self.net(x))

    def loss(self, outputs: torch.Tensor | None = None) -> torch.Tensor:
        """The task loss of ``outputs`` (default: a forward pass on the batch) against the targets."""
        if self.targets is None:
            raise DataError(f"{self.name} needs targets: give a loader of (inputs, targets) batches")
        if outputs is None:
            outputs = self.forward()
        return self.loss_fn(outputs, self.targets)

    def require_inputs(self) -> torch.Tensor:
        if self.inputs is None:
            raise DataError(f"{self.name} needs an input batch: pass dataloader=...")
        return self.inputs

    # -- per-layer bookkeeping ------------------------------------------------
    def weight_grads(self, scalar: torch.Tensor, create_graph: bool = False,
                     retain_graph: bool | None = None) -> list[torch.Tensor]:
        """d ``scalar`` / d weight for every layer; zeros where ``scalar`` does not reach a weight.

        Uses ``torch.autograd.grad``, so no ``.grad`` is written and only the
        gradients asked for are computed. ``retain_graph`` as in ``torch.autograd.grad``.
        """
        weights = self.weights
        if not weights or not scalar.requires_grad:
            return [torch.zeros_like(w) for w in weights]
        grads = torch.autograd.grad(scalar, weights, create_graph=create_graph,
                                    retain_graph=retain_graph, allow_unused=True)
        return [torch.zeros_like(w) if g is None else g for g, w in zip(grads, weights)]

    @contextlib.contextmanager
    def layer_outputs(self) -> Iterator[list[tuple[int, torch.Tensor]]]:
        """Record ``(layer_index, output)`` of every Conv2d/Linear call during the block."""
        records: list[tuple[int, torch.Tensor]] = []
        handles = []

        def make_hook(index: int):
            def hook(module: nn.Module, args: Any, output: torch.Tensor) -> None:
                records.append((index, output))
            return hook

        for index, layer in enumerate(self.layers):
            handles.append(layer.register_forward_hook(make_hook(index)))
        try:
            yield records
        finally:
            for handle in handles:
                handle.remove()

    @staticmethod
    def sum_layers(per_layer: Iterable[torch.Tensor]) -> float:
        """Sum of every element of every per-layer tensor, accumulated in float64."""
        total = 0.0
        for t in per_layer:
            total += float(t.detach().sum(dtype=torch.float64))
        return total


def _as_dtype(name: str | None) -> torch.dtype | None:
    if name is None:
        return None
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype):
        raise NasplugError(f"unknown dtype {name!r}")
    return dtype


def _batch_and_shape(predictor: Any, graph: Any, dataloader: Iterable | None):
    """``(batch or None, input_shape)`` for ``predictor``; DataError when it lacks what it needs."""
    name = predictor.method_type
    batch = first_batch(dataloader)
    if batch is None and predictor.requires_data:
        raise DataError(f"{name} needs data: call query(graph, dataloader) with a loader of "
                        "(inputs, targets) batches")
    if batch is not None:
        return batch, tuple(batch[0].shape[1:])
    input_shape = tuple(getattr(graph, "input_shape", None) or ())
    if not input_shape and getattr(predictor, "needs_input_shape", True):
        raise DataError(f"{name} needs the input shape: pass dataloader=... "
                        "(or use a search space that sets input_shape)")
    return None, input_shape


def _graph_device(graph: Any) -> torch.device:
    return model_device(graph) if isinstance(graph, nn.Module) else torch.device("cpu")


def _on_device(batch, device: torch.device):
    if batch is None:
        return None, None
    inputs = batch[0].to(device)
    targets = batch[1].to(device) if batch[1] is not None else None
    return inputs, targets


def _as_scoring_error(name: str, exc: Exception) -> ScoringError:
    """A per-cell failure (not a crash of the whole run), with a one-line reason.

    A device out-of-memory error gives its own reason and hands the device's
    cached memory back, so the run goes on with the next cell.
    """
    from ..devices import is_out_of_memory, release_device_memory

    if is_out_of_memory(exc):
        release_device_memory(torch.device("cuda") if torch.cuda.is_available() else None)
        error = ScoringError(name, "out of memory on the device for this cell and batch "
                             "(a smaller --batch-size may fit)")
        error.__cause__ = exc
        return error
    error = ScoringError(name, one_line(exc)[:300])
    error.__cause__ = exc
    return error


def _finish(predictor: Any, raw: Any) -> float:
    """The reported score from ``compute``'s raw value: finite checks, then ``transform``."""
    name = predictor.method_type
    raw = float(raw)
    if not math.isfinite(raw):
        raise ScoringError(name, f"the score is {raw}")
    value = float(predictor.transform(raw))
    if not math.isfinite(value):
        raise ScoringError(name, f"the transformed score is {value} (raw {raw})")
    return value


def _compute(predictor: Any, ctx: ScoringContext) -> float:
    """``predictor.compute(ctx)`` as a raw float, any exception turned into a ScoringError."""
    try:
        with ctx.task_mode():
            return float(predictor.compute(ctx))
    except (ScoringError, NasplugError):
        raise
    except Exception as exc:
        raise _as_scoring_error(predictor.method_type, exc) from exc


def score(predictor: Any, graph: Any, dataloader: Iterable | None) -> float:
    """Run ``predictor.compute`` on a scoring copy of ``graph``; enforce the failure contract."""
    keep_freed_memory()  # once per process: see nasplug.allocator
    name = predictor.method_type
    batch, input_shape = _batch_and_shape(predictor, graph, dataloader)
    device = _graph_device(graph)
    cuda = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(predictor.seed)
            in_place = (predictor.copy_model and getattr(predictor, "in_place", False)
                        and predictor.batchnorm and predictor.dtype is None and isinstance(graph, nn.Module))
            if in_place:
                scoring = scoring_in_place(graph)
            elif predictor.copy_model:
                scoring = contextlib.nullcontext(scoring_copy(
                    graph, batchnorm=predictor.batchnorm, dtype=_as_dtype(predictor.dtype)))
            else:
                scoring = contextlib.nullcontext(graph)
            with scoring as net:
                inputs, targets = _on_device(batch, device)
                ctx = ScoringContext(net, inputs, targets, select_loss(graph), input_shape, name,
                                     needs=declared_passes(predictor) or frozenset(),
                                     observers=observers_of([predictor]) if declared_passes(predictor) else ())
                raw = _compute(predictor, ctx)
    except (ScoringError, NasplugError):
        raise
    except Exception as exc:  # building the scoring state failed: still a per-cell failure
        raise _as_scoring_error(name, exc) from exc
    return _finish(predictor, raw)


def score_many(predictors: Sequence[Any], graph: Any, dataloader: Iterable | None
               ) -> dict[str, float | NasplugError]:
    """Score ``graph`` with every proxy of ``predictors``, sharing the task pass among them.

    Returns ``{method_type: score or the error}`` in the order given: a proxy
    that cannot score the cell (a :class:`ScoringError`) or lacks what it needs
    (a :class:`~nasplug.errors.DataError`, e.g. no batch) gets its error as its
    value, and the others are still scored. Proxies that declare ``passes``
    (:mod:`nasplug.zerocost.passes`) are scored on one context in the caller's
    model, in the scoring state, restored afterwards: one forward pass, one
    task-loss backward, one input-Jacobian backward, whichever of them any
    proxy needs. Each still runs seeded with its own ``seed``, and its score
    equals the one :func:`score` gives it alone up to float rounding. The
    others (``passes = None``: their own model copy, another dtype, or a
    third-party proxy that declares nothing) are scored alone by :func:`score`.
    """
    results: dict[str, float | NasplugError] = {}
    shared, alone = group_for_sharing(list(predictors))
    if shared and not isinstance(graph, nn.Module):
        shared, alone = [], list(predictors)
    for predictor in alone:
        try:
            results[predictor.method_type] = score(predictor, graph, dataloader)
        except NasplugError as exc:
            results[predictor.method_type] = exc
    ready = []
    batch = None
    input_shape: tuple = ()
    for predictor in shared:  # the batch is the same for all; each checks what it needs
        try:
            batch, input_shape = _batch_and_shape(predictor, graph, dataloader)
            ready.append(predictor)
        except NasplugError as exc:
            results[predictor.method_type] = exc
    if ready:
        keep_freed_memory()
        device = _graph_device(graph)
        cuda = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda):
            try:
                with scoring_in_place(graph) as net:
                    inputs, targets = _on_device(batch, device)
                    ctx = ScoringContext(net, inputs, targets, select_loss(graph), input_shape,
                                         "+".join(p.method_type for p in ready),
                                         needs=union_of_needs(ready), observers=observers_of(ready))
                    for predictor in ready:
                        torch.manual_seed(predictor.seed)
                        ctx.name = predictor.method_type
                        try:
                            results[predictor.method_type] = _finish(predictor, _compute(predictor, ctx))
                        except NasplugError as exc:
                            results[predictor.method_type] = exc
            except Exception as exc:  # the scoring state itself failed: every shared proxy fails
                for predictor in ready:
                    results.setdefault(predictor.method_type, _as_scoring_error(predictor.method_type, exc))
    order = [p.method_type for p in predictors]
    return {name: results[name] for name in order}
