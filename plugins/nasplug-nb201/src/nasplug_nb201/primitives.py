"""The NAS-Bench-201 operations, as NASLib builds them.

Class names, attribute names and module structure follow NASLib
(``naslib/search_spaces/core/primitives.py`` and
``naslib/search_spaces/nasbench201/primitives.py``), so printed models look like
the tutorial's and parameter / FLOP counts are NASLib's. ``forward`` takes one
tensor (NASLib's extra ``edge_data`` argument is not needed here).
"""

from __future__ import annotations

import torch
from torch import nn


class Identity(nn.Module):
    """skip_connect (op index 0)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Zero(nn.Module):
    """none (op index 1): the input times zero, so gradients and shapes behave as in NASLib."""

    def __init__(self, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return x.mul(0.0)
        return x[:, :, ::self.stride, ::self.stride].mul(0.0)

    def __repr__(self) -> str:
        return f"Zero (stride={self.stride})"


class ReLUConvBN(nn.Module):
    """ReLU -> Conv (no bias) -> BatchNorm (nor_conv_3x3 / nor_conv_1x1, and the
    convolutions of the residual blocks). Padding 0 for 1x1 kernels, else 1."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int = 1,
                 affine: bool = True, track_running_stats: bool = True, device=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        pad = 0 if kernel_size == 1 else 1
        self.op = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=pad, bias=False, device=device),
            nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats, device=device),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


class AvgPool1x1(nn.Module):
    """avg_pool_3x3 (op index 4): 3x3 average pooling, stride 1, padding 1,
    ``count_include_pad=False`` (NASLib's class name)."""

    def __init__(self, kernel_size: int = 3, stride: int = 1) -> None:
        super().__init__()
        self.avgpool = nn.AvgPool2d(kernel_size, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.avgpool(x)


class Stem(nn.Module):
    """3x3 convolution from RGB to ``C_out`` channels, then BatchNorm (edge (1, 2))."""

    def __init__(self, C_in: int = 3, C_out: int = 16, device=None) -> None:
        super().__init__()
        self.seq = nn.Sequential(nn.Conv2d(C_in, C_out, 3, padding=1, bias=False, device=device),
                                 nn.BatchNorm2d(C_out, device=device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class ResNetBasicblock(nn.Module):
    """The residual block between stages (stride 2): two ReLUConvBN 3x3 plus an
    AvgPool2x2 + Conv1x1 shortcut (NAS-Bench-201 paper, Fig. 1)."""

    def __init__(self, C_in: int, C_out: int, stride: int = 2, device=None) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"invalid stride {stride}")
        self.conv_a = ReLUConvBN(C_in, C_out, 3, stride, device=device)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, device=device)
        if stride == 2:
            self.downsample = nn.Sequential(
                nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
                nn.Conv2d(C_in, C_out, kernel_size=1, stride=1, padding=0, bias=False, device=device))
        elif C_in != C_out:
            self.downsample = ReLUConvBN(C_in, C_out, 1, device=device)
        else:
            self.downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        basicblock = self.conv_b(self.conv_a(x))
        residual = self.downsample(x) if self.downsample is not None else x
        return residual + basicblock


class Sequential(nn.Module):
    """NASLib's ``Sequential`` primitive: an ``nn.Sequential`` kept under ``op``."""

    def __init__(self, *modules: nn.Module) -> None:
        super().__init__()
        self.op = nn.Sequential(*modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.op(x)


def make_op(op_index: int, C: int, *, candidate: bool = False, device=None) -> nn.Module:
    """A fresh module for op index ``op_index`` on a cell with ``C`` channels.

    ``candidate=True`` gives the form NASLib keeps in the candidate lists before
    an architecture is chosen (BatchNorm ``affine=False, track_running_stats=False``);
    otherwise the chosen op, whose BatchNorm NASLib makes affine with running
    statistics (``update_batchnorms`` in NASLib's conversions). ``device``: where
    parameters are created (``"meta"`` builds shapes only, for fast counting).
    """
    if op_index == 0:
        return Identity()
    if op_index == 1:
        return Zero(stride=1)
    if op_index == 2 or op_index == 3:
        kernel = 3 if op_index == 2 else 1
        return ReLUConvBN(C, C, kernel, affine=not candidate, track_running_stats=not candidate, device=device)
    if op_index == 4:
        return AvgPool1x1(kernel_size=3, stride=1)
    raise ValueError(f"op index {op_index} outside 0..4")
