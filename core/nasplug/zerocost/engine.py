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

from ..errors import DataError, NasplugError
from . import ScoringError

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


# -- BatchNorm for double backpropagation ---------------------------------------------
#
# PyTorch differentiates its BatchNorm backward with a general composite formula
# (~30 full-size multiplications per layer), 41% of grasp's time. The functions
# below compute the same training-mode BatchNorm2d with a backward whose own
# backward is written out: for dx = a * P(dy), a = gamma * r, r = 1/sqrt(var + eps),
# xhat = (x - mean) * r and P(u) = u - mean(u) - xhat * mean(u * xhat) (per channel),
# and an incoming gradient v of dx:
#   d<v, dx>/d dy    = a * P(v)                         (P is self-adjoint)
#   d<v, dx>/d x     = -a * r * (xhat * (cov(v, dy) - S_v * S_d) + S_d * P(v) + S_v * P(dy))
#   d<v, dx>/d gamma = r * M * (cov(v, dy) - S_v * S_d)
# with S_u = mean(u * xhat), cov(v, dy) = mean(v * dy) - mean(v) * mean(dy), M elements
# per channel; plus the terms of gradients arriving at dgamma = sum(dy * xhat) and
# dbeta = sum(dy). Checked by gradcheck/gradgradcheck in float64 (tests).

_BN_DIMS = (0, 2, 3)


def _bn_normalised(x: torch.Tensor, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    centred = x - x.mean(_BN_DIMS, keepdim=True)
    r = (centred * centred).mean(_BN_DIMS, keepdim=True).add_(eps).rsqrt_()
    return centred.mul_(r), r


def _bn_project(u: torch.Tensor, xhat: torch.Tensor) -> torch.Tensor:
    return u - u.mean(_BN_DIMS, keepdim=True) - xhat * (u * xhat).mean(_BN_DIMS, keepdim=True)


class _BatchNormTrainBackward(torch.autograd.Function):
    """The backward of training-mode BatchNorm2d, with its own backward written out."""

    @staticmethod
    def forward(ctx, dy, x, weight, eps):
        xhat, r = _bn_normalised(x, eps)
        a = r if weight is None else weight.view(1, -1, 1, 1) * r
        dx = a * _bn_project(dy, xhat)
        dgamma = None if weight is None else (dy * xhat).sum(_BN_DIMS)
        ctx.save_for_backward(dy, x, weight)
        ctx.eps = eps
        return dx, dgamma, dy.sum(_BN_DIMS)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, v, g_gamma, g_beta):
        dy, x, weight = ctx.saved_tensors
        xhat, r = _bn_normalised(x, ctx.eps)
        p_dy = _bn_project(dy, xhat)
        grad_dy = grad_x = grad_w = None
        if v is not None:
            a = r if weight is None else weight.view(1, -1, 1, 1) * r
            p_v = _bn_project(v, xhat)
            grad_dy = a * p_v
            s_v = (v * xhat).mean(_BN_DIMS, keepdim=True)
            s_d = (dy * xhat).mean(_BN_DIMS, keepdim=True)
            cov = ((v * dy).mean(_BN_DIMS, keepdim=True)
                   - v.mean(_BN_DIMS, keepdim=True) * dy.mean(_BN_DIMS, keepdim=True))
            grad_x = -(a * r) * (xhat * (cov - s_v * s_d) + s_d * p_v + s_v * p_dy)
            if weight is not None and ctx.needs_input_grad[2]:
                grad_w = (r * (x.numel() // x.shape[1]) * (cov - s_v * s_d)).view(-1)
        if g_gamma is not None and weight is not None:
            g = g_gamma.view(1, -1, 1, 1)
            grad_dy = g * xhat if grad_dy is None else grad_dy + g * xhat
            grad_x = g * r * p_dy if grad_x is None else grad_x + g * r * p_dy
        if g_beta is not None:
            g = g_beta.view(1, -1, 1, 1).expand_as(dy)
            grad_dy = g if grad_dy is None else grad_dy + g
        return grad_dy, grad_x, grad_w, None


class _BatchNormTrain(torch.autograd.Function):
    """Training-mode BatchNorm2d (batch statistics, no running ones)."""

    @staticmethod
    def forward(ctx, x, weight, bias, eps):
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        ctx.has_bias = bias is not None
        return torch.nn.functional.batch_norm(x, None, None, weight, bias, training=True, eps=eps)

    @staticmethod
    def backward(ctx, dy):
        x, weight = ctx.saved_tensors
        dx, dgamma, dbeta = _BatchNormTrainBackward.apply(dy, x, weight, ctx.eps)
        return dx, dgamma, dbeta if ctx.has_bias else None, None


def batchnorm_train(x: torch.Tensor, weight: torch.Tensor | None, bias: torch.Tensor | None,
                    eps: float) -> torch.Tensor:
    """Training-mode BatchNorm2d whose double backward is cheap (see above)."""
    return _BatchNormTrain.apply(x, weight, bias, eps)


def _batchnorm_train_forward(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    if x.dim() != 4 or not module.training or module.running_mean is not None:
        return type(module).forward(module, x)
    return batchnorm_train(x, module.weight, module.bias, module.eps)


@contextlib.contextmanager
def double_backward_batchnorm(net: nn.Module) -> Iterator[None]:
    """Within the block, ``net``'s BatchNorm2d layers (training mode, batch statistics)
    use :func:`batchnorm_train`: same values and gradients, cheaper second derivatives."""
    patched = [m for m in net.modules()
               if isinstance(m, nn.BatchNorm2d) and "forward" not in vars(m)]
    for m in patched:
        m.forward = _batchnorm_train_forward.__get__(m)
    try:
        yield
    finally:
        for m in patched:
            del m.forward


class ScoringContext:
    """What a proxy's ``compute`` works with.

    ``net`` is the scoring copy (or, for ``copy_model = False`` and ``in_place``
    proxies, the caller's model), ``inputs``/``targets`` the batch on ``net``'s device
    (``None`` for data-free proxies without a loader), ``loss_fn`` the task's
    loss, ``layers`` the Conv2d/Linear modules and ``input_shape`` the shape of
    one input sample.
    """

    def __init__(self, net: nn.Module, inputs: torch.Tensor | None, targets: torch.Tensor | None,
                 loss_fn: Any, input_shape: Sequence[int], name: str) -> None:
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
    def weight_grads(self, scalar: torch.Tensor, create_graph: bool = False) -> list[torch.Tensor]:
        """d ``scalar`` / d weight for every layer; zeros where ``scalar`` does not reach a weight.

        Uses ``torch.autograd.grad``, so no ``.grad`` is written and only the
        gradients asked for are computed.
        """
        weights = self.weights
        if not weights or not scalar.requires_grad:
            return [torch.zeros_like(w) for w in weights]
        grads = torch.autograd.grad(scalar, weights, create_graph=create_graph, allow_unused=True)
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

    def double_backward_batchnorm(self):
        """Context manager for proxies that differentiate twice (grasp): see
        :func:`double_backward_batchnorm`. Run the forward pass inside it."""
        return double_backward_batchnorm(self.net)

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


def score(predictor: Any, graph: Any, dataloader: Iterable | None) -> float:
    """Run ``predictor.compute`` on a scoring copy of ``graph``; enforce the failure contract."""
    name = predictor.method_type
    batch = first_batch(dataloader)
    if batch is None and predictor.requires_data:
        raise DataError(f"{name} needs data: call query(graph, dataloader) with a loader of "
                        "(inputs, targets) batches")
    if batch is not None:
        input_shape = tuple(batch[0].shape[1:])
    else:
        input_shape = tuple(getattr(graph, "input_shape", None) or ())
        if not input_shape and getattr(predictor, "needs_input_shape", True):
            raise DataError(f"{name} needs the input shape: pass dataloader=... "
                            "(or use a search space that sets input_shape)")
    device = model_device(graph) if isinstance(graph, nn.Module) else torch.device("cpu")
    cuda = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(predictor.seed)
            in_place = (predictor.copy_model and getattr(predictor, "in_place", False)
                        and predictor.batchnorm and predictor.dtype is None and isinstance(graph, nn.Module))
            with contextlib.ExitStack() as stack:
                if in_place:
                    net = stack.enter_context(scoring_in_place(graph))
                elif predictor.copy_model:
                    net = scoring_copy(graph, batchnorm=predictor.batchnorm, dtype=_as_dtype(predictor.dtype))
                else:
                    net = graph
                inputs = targets = None
                if batch is not None:
                    inputs = batch[0].to(device)
                    targets = batch[1].to(device) if batch[1] is not None else None
                ctx = ScoringContext(net, inputs, targets, select_loss(graph), input_shape, name)
                raw = float(predictor.compute(ctx))
    except ScoringError:
        raise
    except NasplugError:
        raise
    except Exception as exc:  # a per-cell failure, not a crash of the whole run
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ScoringError(name, f"{type(exc).__name__}: {message}"[:300]) from exc
    if not math.isfinite(raw):
        raise ScoringError(name, f"the score is {raw}")
    value = float(predictor.transform(raw))
    if not math.isfinite(value):
        raise ScoringError(name, f"the transformed score is {value} (raw {raw})")
    return value
