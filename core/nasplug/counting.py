"""Parameter and FLOP counts exactly as NASLib computes its ``params`` / ``flops`` data.

NASLib's zero-cost predictors ``params`` and ``flops`` (and the numbers in the
NAS-Bench-Suite-Zero files such as ``zc_nasbench201.json``) come from
``tensorwatch.ModelStats(model, input_shape)`` (NASLib:
``naslib/predictors/utils/pruners/predictive.py``; tensorwatch:
``tensorwatch/model_graph/torchstat``). Its rules, reproduced here:

- one forward pass in eval mode on an input of batch size 1 (NASLib sets the
  batch dimension of the data loader's shape to 1);
- only *leaf* modules (no children) are looked at, each once (the names of
  ``model.named_modules()``); a leaf that runs several times keeps the numbers
  of its last call; a leaf that never runs counts nothing;
- parameters: the tensors directly owned by each leaf module that ran
  (``module.named_parameters()`` of a leaf), in millions;
- FLOPs, per leaf type: Conv2d ``k_h*k_w*C_in*(C_out//groups)*H_out*W_out``
  (+ ``C_out*H_out*W_out`` with bias); BatchNorm2d ``numel(input)``, times 2 when
  affine; AvgPool2d / MaxPool2d ``C*H_out*W_out*k_h*k_w`` (output size from
  kernel, stride and padding); AdaptiveAvg/MaxPool2d ``C*sum((y1-y0+1)*(x1-x0+1))``
  over output cells (tensorwatch's formula, which adds 1 to each window side);
  ReLU, ReLU6, PReLU, ELU, LeakyReLU ``numel(input)``; Linear
  ``in_features*out_features`` per row (no bias term); Upsample
  ``H_out*W_out`` per image (tensorwatch reads the spatial size of one output
  image); everything else 0. Reported in millions (MFLOPs).

These functions work for any ``nn.Module`` whose forward takes one tensor. They
leave the model as it was: training flags are restored, no gradients or
BatchNorm statistics are recorded (eval mode, ``torch.no_grad``).

Counting without running: a model may define ``static_stats(input_shape)``
returning the same ``{"params": n, "flops": n}`` from its structure alone (or
``None`` to fall back to the forward pass). Search spaces whose feature-map
shapes are fixed by the macro skeleton (NAS-Bench-201) do, with
:func:`sequence_stats`, which applies the same per-leaf rules to shapes
propagated by the layers' own formulas. ``model_stats(..., static=False)``
always runs the forward pass (the reference the static path is tested against).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

_RELU_TYPES = (nn.ReLU, nn.ReLU6, nn.PReLU, nn.ELU, nn.LeakyReLU)


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[1])


def _flops_of(module: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> int:
    """FLOPs of one call of a leaf module, tensorwatch's ``compute_flops``."""
    if isinstance(module, nn.Conv2d):
        batch, in_c = inp.shape[0], inp.shape[1]
        k_h, k_w = module.kernel_size
        out_c, out_h, out_w = out.shape[1:]
        active = batch * out_h * out_w
        flops = k_h * k_w * in_c * (out_c // module.groups) * active
        if module.bias is not None:
            flops += out_c * active
        return int(flops)
    if isinstance(module, nn.BatchNorm2d):
        return int(inp.numel() * (2 if module.affine else 1))
    if isinstance(module, (nn.AvgPool2d, nn.MaxPool2d)):
        batch, planes, height, width = inp.shape
        k = _pair(module.kernel_size)
        stride = _pair(module.stride if module.stride is not None else module.kernel_size)
        pad = _pair(module.padding)
        # tensorwatch uses the first stride for both directions and pads
        # width with padding[0]; kept as is for identical numbers.
        out_w = math.floor((width + 2 * pad[0] - k[0]) / float(stride[0]) + 1)
        out_h = math.floor((height + 2 * pad[1] - k[1]) / float(stride[0]) + 1)
        return int(batch * planes * out_w * out_h * k[0] * k[1])
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        batch, planes, in_h, in_w = inp.shape
        out_h, out_w = out.shape[2], out.shape[3]
        flops = 0
        for i in range(out_h):
            y0 = math.floor(i * in_h / out_h)
            y1 = math.ceil((i + 1) * in_h / out_h)
            for j in range(out_w):
                x0 = math.floor(j * in_w / out_w)
                x1 = math.ceil((j + 1) * in_w / out_w)
                flops += batch * planes * (y1 - y0 + 1) * (x1 - x0 + 1)
        return int(flops)
    if isinstance(module, _RELU_TYPES):
        return int(inp.numel())
    if isinstance(module, nn.Upsample):
        return int(inp.shape[0] * math.prod(out.shape[2:]))
    if isinstance(module, nn.Linear):
        rows = inp.numel() // inp.shape[-1]  # tensorwatch: batch (2-d inputs only)
        return int(rows * inp.shape[-1] * out.shape[-1])
    return 0


class _ShapeOnly:
    """What :func:`_flops_of` reads of a tensor: its shape and element count."""

    __slots__ = ("shape",)

    def __init__(self, shape: Sequence[int]) -> None:
        self.shape = tuple(int(s) for s in shape)

    def numel(self) -> int:
        return math.prod(self.shape)


def _window_out(size: int, kernel: int, stride: int, pad: int, dilation: int = 1) -> int:
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def leaf_output_shape(module: nn.Module, shape: Sequence[int]) -> tuple[int, ...] | None:
    """The output shape of one call of ``module`` (a leaf) on an input of ``shape``,
    from the layer's own formula; ``None`` for layers this does not know."""
    shape = tuple(shape)
    if isinstance(module, nn.Conv2d):
        if isinstance(module.padding, str) or len(shape) != 4:
            return None
        n, _, h, w = shape
        k, s, p, d = module.kernel_size, module.stride, module.padding, module.dilation
        return (n, module.out_channels, _window_out(h, k[0], s[0], p[0], d[0]),
                _window_out(w, k[1], s[1], p[1], d[1]))
    if isinstance(module, (nn.BatchNorm2d, nn.Identity) + _RELU_TYPES):
        return shape
    if isinstance(module, (nn.AvgPool2d, nn.MaxPool2d)):
        if getattr(module, "ceil_mode", False) or len(shape) != 4:
            return None
        k = _pair(module.kernel_size)
        s = _pair(module.stride if module.stride is not None else module.kernel_size)
        p = _pair(module.padding)
        d = _pair(getattr(module, "dilation", 1))
        n, c, h, w = shape
        return (n, c, _window_out(h, k[0], s[0], p[0], d[0]), _window_out(w, k[1], s[1], p[1], d[1]))
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) and len(shape) == 4:
        out = _pair(module.output_size)
        return (shape[0], shape[1], out[0] or shape[2], out[1] or shape[3])
    if isinstance(module, nn.Flatten):
        start, end = module.start_dim % len(shape), module.end_dim % len(shape)
        return shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]
    if isinstance(module, nn.Linear):
        return shape[:-1] + (module.out_features,)
    return None


def _leaves(module: nn.Module) -> list[nn.Module]:
    return [m for _, m in module.named_modules() if next(iter(m.children()), None) is None]


def _own_params(module: nn.Module) -> int:
    """Parameters held directly by ``module`` (tensorwatch counts them per leaf)."""
    return sum(p.numel() for _, p in module.named_parameters(recurse=False) if p is not None)


def sequence_stats(module: nn.Module, shape: Sequence[int]) -> tuple[int, int, tuple[int, ...]] | None:
    """``(params, flops, output shape)`` of ``module`` when its leaves run one after
    another on an input of ``shape`` (a chain such as ReLU-Conv-BN), by the rules
    above, without running it; ``None`` if a leaf's output shape is unknown."""
    params = flops = 0
    for leaf in _leaves(module):
        out = leaf_output_shape(leaf, shape)
        if out is None:
            return None
        params += _own_params(leaf)
        flops += _flops_of(leaf, _ShapeOnly(shape), _ShapeOnly(out))
        shape = out
    return params, flops, tuple(shape)


def _first_tensor(value):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (list, tuple)):
        for item in value:
            found = _first_tensor(item)
            if found is not None:
                return found
    if isinstance(value, dict):
        return _first_tensor(list(value.values()))
    return None


def _example_input(model: nn.Module, inputs_or_shape) -> torch.Tensor:
    try:
        ref = next(model.parameters())
        device, dtype = ref.device, ref.dtype
    except StopIteration:
        device, dtype = torch.device("cpu"), torch.float32
    if isinstance(inputs_or_shape, torch.Tensor):
        x = inputs_or_shape[:1]
        return x.to(device=device, dtype=dtype) if x.is_floating_point() else x.to(device)
    shape = [int(s) for s in inputs_or_shape]
    if not shape:
        raise ValueError("input shape must not be empty")
    shape[0] = 1  # NASLib: x_shape[0] = 1
    return torch.rand(*shape, device=device, dtype=dtype)


def model_stats(model: nn.Module, inputs_or_shape: torch.Tensor | Sequence[int], *,
                static: bool = True) -> dict[str, int]:
    """``{"params": n, "flops": n}`` (raw counts) of one batch-1 forward pass, NASLib's way.

    ``inputs_or_shape``: an input batch (its first sample is used) or a full input
    shape such as ``(1, 3, 32, 32)`` (the batch dimension is set to 1; values
    are uniform random, as tensorwatch draws them). With ``static`` (default),
    a model's ``static_stats`` answers without a forward pass when it can.
    """
    static_stats = getattr(model, "static_stats", None) if static else None
    if callable(static_stats):
        shape = list(inputs_or_shape.shape if isinstance(inputs_or_shape, torch.Tensor) else inputs_or_shape)
        if shape:
            shape[0] = 1
            found = static_stats(tuple(int(s) for s in shape))
            if found is not None:
                return found
    x = _example_input(model, inputs_or_shape)
    stats: dict[int, tuple[int, int]] = {}
    leaves = _leaves(model)

    def hook(module, args, output):
        inp, out = _first_tensor(args), _first_tensor(output)
        params = _own_params(module)
        flops = _flops_of(module, inp, out) if inp is not None and out is not None else 0
        stats[id(module)] = (params, flops)

    modes = [(m, m.training) for m in model.modules()]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            module.training = mode
    params = sum(stats.get(id(m), (0, 0))[0] for m in leaves)
    flops = sum(stats.get(id(m), (0, 0))[1] for m in leaves)
    return {"params": params, "flops": flops}


def count_parameters(model: nn.Module, inputs_or_shape: torch.Tensor | Sequence[int] | None = None) -> float:
    """Parameters in millions, as NASLib's ``params`` predictor counts them.

    With ``inputs_or_shape`` this is exact NASLib (only leaf modules that run in
    the forward pass count). Without it, every leaf module's own parameters
    count, which is the same number whenever every leaf runs (NAS-Bench-201,
    NAS-Bench-301 and TransNAS-Bench-101 networks in eval mode).
    """
    if inputs_or_shape is not None:
        return model_stats(model, inputs_or_shape)["params"] / 1e6
    total = 0
    for module in _leaves(model):
        total += _own_params(module)
    return total / 1e6


def count_flops(model: nn.Module, inputs_or_shape: torch.Tensor | Sequence[int]) -> float:
    """FLOPs of one image in millions (MFLOPs), as NASLib's ``flops`` predictor counts them."""
    return model_stats(model, inputs_or_shape)["flops"] / 1e6
