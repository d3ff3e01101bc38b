"""Second derivatives through Conv2d and BatchNorm at the cost of first ones.

A proxy that takes a Hessian-vector product by double backpropagation (grasp)
spends most of its time in the backward of two backward passes: PyTorch's
generic double backward of a convolution runs three convolutions and one
convolution backward, and that of a training-mode BatchNorm is a composite
formula of many full-size tensor passes (1.8-2.5x slower than the one below,
timed alone on NAS-Bench-201's activation shapes at batch 64). Inside :func:`closed_form_second_order`,
``F.conv2d`` and training-mode ``F.batch_norm`` run as autograd functions
whose backward is itself an autograd function with a hand-derived, minimal
double backward:

- **convolution** ``y = conv(x, W)``, with ``gx = conv_T(gy, W)`` and
  ``gW = corr(x, gy)`` both bilinear: given upstream gradients ``ux`` (of
  ``gx``) and ``uW`` (of ``gW``), the double backward is
  ``d/dgy = conv(ux, W) + conv(x, uW)``, ``d/dW = corr(ux, gy)`` and
  ``d/dx = conv_T(gy, uW)``: two convolutions and one convolution backward
  call (which returns both of the last two), the work of one forward and one
  backward pass;
- **batch normalisation in training mode** (statistics of the batch), with
  ``xh = (x - mean) / sigma`` and ``gx = (g / sigma) P(gy)``, where
  ``P(a) = a - <a> - xh <a xh>`` and ``<.>`` is the per-channel mean: given
  ``u`` (upstream of ``gx``), with ``a = <u>``, ``b = <u xh>``,
  ``c = <gy>``, ``d = <gy xh>``, ``e = <u gy>`` and ``T = e - a c - b d``,
  ``d/dgy = (g / sigma) P(u)``,
  ``d/dx = -(g / sigma^2) (d u + b gy + (T - 2 b d) xh - (a d + b c))`` and
  ``d/dg = M T / sigma`` (``M`` values per channel); the upstream gradient
  of ``gW = sum(gy xh)`` adds ``uW xh`` to ``d/dgy`` and
  ``(uW / sigma) P(gy)`` to ``d/dx``. ``c`` and ``d`` come for free from the
  native backward.

Forward values and first derivatives are PyTorch's own kernels
(``convolution``, ``convolution_backward``, ``native_batch_norm``,
``native_batch_norm_backward``), so a model's outputs and gradients are
unchanged; second derivatives equal PyTorch's up to float rounding
(``gradgradcheck`` in the tests). Third derivatives are not supported (the
double backward is ``once_differentiable``). Anything else (transposed
convolutions, string padding, BatchNorm in eval mode, mixed dtypes, no grad
mode) runs natively, so the mode is safe around any model.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable
from torch.overrides import TorchFunctionMode

__all__ = ["closed_form_second_order"]


def _per_channel(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A per-channel vector shaped to broadcast over ``like`` (channels on dim 1)."""
    return v.reshape([1, -1] + [1] * (like.dim() - 2))


def _channel_sum(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], t.shape[1], -1).sum(2).sum(0)


def _channel_dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    shape = (a.shape[0], a.shape[1], -1)
    return torch.linalg.vecdot(a.reshape(shape), b.reshape(shape)).sum(0)


def _add(total: torch.Tensor | None, term: torch.Tensor | None) -> torch.Tensor | None:
    if term is None:
        return total
    return term if total is None else total.add_(term)


# -- convolution -------------------------------------------------------------------

class _ConvBackward(torch.autograd.Function):
    """``(gx, gW)`` of ``conv(x, W)`` given ``gy``; its backward is the double backward."""

    @staticmethod
    def forward(ctx, gy, x, weight, stride, padding, dilation, groups):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(gy, x, weight)
        ctx.conv = (stride, padding, dilation, groups)
        mask = [ctx.needs_input_grad[1], ctx.needs_input_grad[2], False]
        gx, gw, _ = torch.ops.aten.convolution_backward(
            gy, x, weight, None, stride, padding, dilation, False, [0, 0], groups, mask)
        return gx, gw

    @staticmethod
    @once_differentiable
    def backward(ctx, ux, uw):
        gy, x, weight = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.conv
        g_gy = g_x = g_w = None
        if ctx.needs_input_grad[0]:
            if ux is not None:
                g_gy = torch.convolution(ux, weight, None, stride, padding, dilation, False, [0, 0], groups)
            if uw is not None:
                g_gy = _add(g_gy, torch.convolution(x, uw, None, stride, padding, dilation, False, [0, 0],
                                                    groups))
        need_x = ctx.needs_input_grad[1] and uw is not None
        need_w = ctx.needs_input_grad[2] and ux is not None
        if need_x or need_w:
            # one call: the input gradient through uW, the weight gradient against ux
            g_x, g_w, _ = torch.ops.aten.convolution_backward(
                gy, ux if need_w else x, uw if need_x else weight, None, stride, padding, dilation,
                False, [0, 0], groups, [need_x, need_w, False])
        return g_gy, g_x, g_w, None, None, None, None


class _Conv2d(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation, groups):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x, weight)
        ctx.conv = (stride, padding, dilation, groups)
        ctx.has_bias = bias is not None
        return torch.convolution(x, weight, bias, stride, padding, dilation, False, [0, 0], groups)

    @staticmethod
    def backward(ctx, gy):
        if gy is None:
            return (None,) * 7
        x, weight = ctx.saved_tensors
        gx, gw = _ConvBackward.apply(gy, x, weight, *ctx.conv)
        gb = gy.sum((0, 2, 3)) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None


def _pair(value: Any) -> list[int]:
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else [int(value)] * 2


def _conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    native = (not torch.is_grad_enabled() or isinstance(padding, str) or input.dim() != 4
              or input.dtype != weight.dtype or not (input.requires_grad or weight.requires_grad))
    if native:
        return F.conv2d(input, weight, bias, stride, padding, dilation, groups)
    return _Conv2d.apply(input, weight, bias, _pair(stride), _pair(padding), _pair(dilation), groups)


# -- batch normalisation (training mode) -------------------------------------------

class _BatchNormBackward(torch.autograd.Function):
    """``(gx, gW)`` of training-mode BN given ``gy``; its backward is the double backward."""

    @staticmethod
    def forward(ctx, gy, x, weight, mean, invstd, eps):
        ctx.set_materialize_grads(False)
        gx, gw, gb = torch.ops.aten.native_batch_norm_backward(
            gy, x, weight, None, None, mean, invstd, True, eps, [True, True, True])
        # gw = sum(gy * xh) and gb = sum(gy) per channel: the double backward's d and c
        ctx.save_for_backward(gy, x, weight, mean, invstd, gw, gb)
        return gx, (gw if weight is not None else None)

    @staticmethod
    @once_differentiable
    def backward(ctx, u, uw):
        gy, x, weight, mean, invstd, gy_xh_sum, gy_sum = ctx.saved_tensors
        need_gy, need_x, need_w = ctx.needs_input_grad[:3]
        m = x.numel() // x.shape[1]
        gamma = weight if weight is not None else torch.ones_like(invstd)
        xh = (x - _per_channel(mean, x)).mul_(_per_channel(invstd, x))
        c, d = gy_sum / m, gy_xh_sum / m
        g_gy = g_x = g_w = None
        if u is not None:
            a, b = _channel_sum(u) / m, _channel_dot(u, xh) / m
            if need_gy:
                s = gamma * invstd
                g_gy = (u * _per_channel(s, x)).add_(_per_channel(-a * s, x)).addcmul_(
                    xh, _per_channel(-b * s, x))
            if need_x or (need_w and weight is not None):
                t = _channel_dot(u, gy) / m - a * c - b * d
                if need_x:
                    k = -gamma * invstd * invstd
                    g_x = (u * _per_channel(k * d, x)).addcmul_(gy, _per_channel(k * b, x))
                    g_x.addcmul_(xh, _per_channel(k * (t - 2 * b * d), x)).add_(
                        _per_channel(-k * (a * d + b * c), x))
                if need_w and weight is not None:
                    g_w = m * t * invstd
        if uw is not None:
            if need_gy:
                g_gy = _add(g_gy, xh * _per_channel(uw, x))
            if need_x:
                s = uw * invstd
                g_x = _add(g_x, (gy * _per_channel(s, x)).add_(_per_channel(-c * s, x)).addcmul_(
                    xh, _per_channel(-d * s, x)))
        return g_gy, g_x, g_w, None, None, None


class _BatchNorm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps):
        ctx.set_materialize_grads(False)
        out, mean, invstd = torch.ops.aten.native_batch_norm(
            x, weight, bias, running_mean, running_var, True, momentum, eps)
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.eps = eps
        return out

    @staticmethod
    def backward(ctx, gy):
        if gy is None:
            return (None,) * 7
        x, weight, mean, invstd = ctx.saved_tensors
        gx, gw = _BatchNormBackward.apply(gy, x, weight, mean, invstd, ctx.eps)
        gb = _channel_sum(gy) if ctx.needs_input_grad[2] else None
        return gx, (gw if ctx.needs_input_grad[1] else None), gb, None, None, None, None


def _batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
                momentum=0.1, eps=1e-5):
    params = [t for t in (weight, bias) if t is not None]
    native = (not training or not torch.is_grad_enabled() or input.dim() < 2
              or any(t.dtype != input.dtype for t in params)
              or not (input.requires_grad or any(t.requires_grad for t in params)))
    if native:
        return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if input.numel() == input.shape[1]:  # as F.batch_norm: one value per channel has no variance
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{list(input.shape)}")
    return _BatchNorm.apply(input, weight, bias, running_mean, running_var, momentum, eps)


class _SecondOrderMode(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.conv2d:
            return _conv2d(*args, **kwargs)
        if func is F.batch_norm:
            return _batch_norm(*args, **kwargs)
        return func(*args, **kwargs)


def closed_form_second_order() -> TorchFunctionMode:
    """A context manager: inside it, forward passes record Conv2d and training-mode
    BatchNorm with the closed-form double backward of this module (same values and
    first derivatives; second derivatives at about the cost of first ones).

    Both the forward pass and the backward passes that build on it must run
    inside the block; the mode is per thread.
    """
    return _SecondOrderMode()
