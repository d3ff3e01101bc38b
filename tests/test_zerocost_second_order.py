"""Closed-form double backward of Conv2d and training-mode BatchNorm (nasplug.zerocost.second_order)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd import gradcheck, gradgradcheck

from nasplug.zerocost.second_order import closed_form_second_order

CONVS = [  # stride, padding, dilation, groups, bias
    (1, 1, 1, 1, False),
    (2, 1, 1, 1, True),
    (1, 2, 2, 1, False),  # dilated, as NB301's dil_conv
    (2, 2, 2, 3, False),
    (1, 1, 1, 6, False),  # depthwise, as NB301's sep_conv
    (1, 0, 1, 1, True),   # 1x1 kernel written as 3x3 with no padding: odd output size
    ((2, 1), (0, 1), (1, 2), 1, False),  # per-axis stride, padding and dilation
]


@pytest.mark.parametrize("stride, padding, dilation, groups, bias", CONVS)
def test_conv2d_first_and_second_derivatives_are_exact(stride, padding, dilation, groups, bias):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 7, 7, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(6, 6 // groups, 3, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(6, dtype=torch.float64, generator=gen, requires_grad=True) if bias else None

    def conv(x, w, *b):
        with closed_form_second_order():
            return F.conv2d(x, w, b[0] if b else None, stride, padding, dilation, groups)

    inputs = (x, w, b) if bias else (x, w)
    assert torch.equal(conv(*inputs), F.conv2d(x, w, b, stride, padding, dilation, groups))
    assert gradcheck(conv, inputs)
    assert gradgradcheck(conv, inputs)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (6, 3)])
def test_batch_norm_first_and_second_derivatives_are_exact(affine, shape):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(*shape, dtype=torch.float64, generator=gen, requires_grad=True)
    params = [torch.randn(shape[1], dtype=torch.float64, generator=gen, requires_grad=True)
              for _ in range(2 if affine else 0)]

    def bn(x, *wb):
        with closed_form_second_order():
            return F.batch_norm(x, None, None, *(wb or (None, None)), training=True)

    assert torch.equal(bn(x, *params), F.batch_norm(x, None, None, *(params or (None, None)), training=True))
    assert gradcheck(bn, (x, *params))
    assert gradgradcheck(bn, (x, *params))


def test_batch_norm_updates_running_statistics_as_pytorch_does():
    x = torch.randn(8, 4, 3, 3, requires_grad=True)
    native, closed = nn.BatchNorm2d(4), nn.BatchNorm2d(4)
    native(x)
    with closed_form_second_order():
        closed(x)
    assert torch.equal(native.running_mean, closed.running_mean)
    assert torch.equal(native.running_var, closed.running_var)
    assert closed.num_batches_tracked.item() == 1


def test_batch_norm_of_one_value_per_channel_fails_as_pytorch_does():
    bn = nn.BatchNorm1d(3).train()
    with closed_form_second_order(), pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(torch.randn(1, 3, requires_grad=True))


def hessian_vector_product(model, x, y, closed_form):
    """The grasp computation: d/dw <stopgrad(g), g(w)>, g the loss gradient, for every weight."""
    weights = [p for p in model.parameters()]
    with closed_form_second_order() if closed_form else torch.enable_grad():
        grads = torch.autograd.grad(F.cross_entropy(model(x), y), weights, create_graph=True)
        z = sum((g.detach() * g).sum() for g in grads)
        return torch.autograd.grad(z, weights)


def test_a_network_s_hessian_vector_product_equals_pytorch_s():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, stride=2, padding=2, dilation=2, groups=8, bias=False),
        nn.BatchNorm2d(8, affine=False), nn.ReLU(),
        nn.Conv2d(8, 16, 1, bias=True), nn.BatchNorm2d(16, track_running_stats=False), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)).double().train()
    x, y = torch.randn(12, 3, 9, 9, dtype=torch.float64), torch.randint(0, 10, (12,))
    expected = hessian_vector_product(model, x, y, closed_form=False)
    got = hessian_vector_product(model, x, y, closed_form=True)
    for e, g in zip(expected, got):
        torch.testing.assert_close(g, e, rtol=1e-9, atol=1e-12)


def test_everything_else_runs_natively():
    x = torch.randn(2, 3, 6, 6, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, requires_grad=True)
    with closed_form_second_order():
        same = F.conv2d(x, w, padding="same")  # string padding
        with torch.no_grad():
            plain = F.conv2d(x, w)
        evaluated = F.batch_norm(x, torch.zeros(3), torch.ones(3), training=False)
    assert same.grad_fn.name() == "ConvolutionBackward0"
    assert plain.grad_fn is None
    assert evaluated.grad_fn.name() == "NativeBatchNormBackward0"
