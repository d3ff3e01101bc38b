"""The DARTS CIFAR network that NAS-Bench-Suite-Zero scored, as plain modules.

Built the way NASLib's ``NasBench301SearchSpace`` builds it (macro graph of
``naslib/search_spaces/nasbench301/graph.py``, ops of
``naslib/search_spaces/core/primitives.py``), with the channel width as an option:

- stem: 3x3 conv to ``stem_multiplier * C`` channels + BN;
- ``layers`` cells; reduction cells (channels doubled, stride 2 on the edges out
  of the two cell inputs) at ``layers // 3`` and ``2 * layers // 3``;
- each cell preprocesses its two inputs with ReLU-Conv1x1-BN (FactorizedReduce
  when the input before the previous one has twice the resolution), all affine;
- cell ops: NASLib's search-space primitives, BatchNorm without affine
  parameters; pools are followed by a non-affine BatchNorm; skip_connect in a
  reduction cell is a FactorizedReduce;
- cell output: concatenation of intermediate nodes 2..5;
- global average pooling and a linear classifier (no auxiliary head).

The forward pass walks a precomputed list of ``(input_node, op)`` pairs per cell:
no networkx at run time. Counting these modules (tensorwatch/torchstat rules, as
NAS-Bench-Suite-Zero did, :mod:`nasplug.counting`) gives its published parameters
and FLOPs: 1.204906 M and 202.774016 MFLOPs for the first cell of NASLib's
``zc_nasbench301.json`` (line 246 of ``nb301_labeled.csv``) at ``C=32``, and
0.326746 M / 58.133248 MFLOPs for it at ``C=16``.
"""

from __future__ import annotations

import torch
from torch import nn

from .encoding import CELL_CONCAT, OPS, PAIRS_PER_CELL, validate_compact

#: NAS-Bench-Suite-Zero's NAS-Bench-301 network: C = 32 (stages of 32, 64, 128
#: channels), 8 cells, stem multiplier 3 (DARTS, Liu et al. 2019, Sec. 3.1: the
#: search-time network size). NASLib's current code uses C = 16.
DEFAULT_CHANNELS = 32
NASLIB_CHANNELS = 16
DEFAULT_LAYERS = 8
STEM_MULTIPLIER = 3


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution, BatchNorm (the cell-input preprocessing)."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int = 1, stride: int = 1,
                 padding: int = 0, affine: bool = True) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class SepConv(nn.Sequential):
    """DARTS separable convolution: two (ReLU, depthwise, pointwise, BN) blocks."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int,
                 affine: bool = False) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride=stride, padding=padding, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_in, 1, bias=False),
            nn.BatchNorm2d(C_in, affine=affine),
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride=1, padding=padding, groups=C_in, bias=False),
            nn.Conv2d(C_in, C_out, 1, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class DilConv(nn.Sequential):
    """DARTS dilated separable convolution: ReLU, dilated depthwise, pointwise, BN."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int,
                 dilation: int, affine: bool = False) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_in, kernel_size, stride=stride, padding=padding, dilation=dilation,
                      groups=C_in, bias=False),
            nn.Conv2d(C_in, C_out, 1, bias=False),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution with two offset strided 1x1 convolutions, concatenated."""

    def __init__(self, C_in: int, C_out: int, affine: bool = True) -> None:
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of output channels, got {C_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def make_op(name: str, C: int, stride: int) -> nn.Module:
    """The module of cell op ``name`` on ``C`` channels (NASLib's ``_set_ops``)."""
    if name == "max_pool_3x3":
        return nn.Sequential(nn.MaxPool2d(3, stride=stride, padding=1), nn.BatchNorm2d(C, affine=False))
    if name == "avg_pool_3x3":
        return nn.Sequential(nn.AvgPool2d(3, stride=stride, padding=1, count_include_pad=False),
                             nn.BatchNorm2d(C, affine=False))
    if name == "skip_connect":
        return nn.Identity() if stride == 1 else FactorizedReduce(C, C, affine=False)
    if name == "sep_conv_3x3":
        return SepConv(C, C, 3, stride, 1)
    if name == "sep_conv_5x5":
        return SepConv(C, C, 5, stride, 2)
    if name == "dil_conv_3x3":
        return DilConv(C, C, 3, stride, 2, 2)
    if name == "dil_conv_5x5":
        return DilConv(C, C, 5, stride, 4, 2)
    raise ValueError(f"unknown DARTS op {name!r}; valid: {', '.join(OPS)}")


class DartsCell(nn.Module):
    """One cell: preprocess both inputs, 4 intermediate nodes of 2 ops, concatenate."""

    def __init__(self, pairs, C_prev_prev: int, C_prev: int, C: int, reduction: bool,
                 reduction_prev: bool) -> None:
        super().__init__()
        self.reduction = reduction
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(C_prev_prev, C, affine=True)
        else:
            self.preprocess0 = ReLUConvBN(C_prev_prev, C, affine=True)
        self.preprocess1 = ReLUConvBN(C_prev, C, affine=True)
        self.inputs = tuple(node_in for node_in, _ in pairs)
        self.ops = nn.ModuleList(
            make_op(OPS[op], C, 2 if reduction and node_in < 2 else 1) for node_in, op in pairs)
        self.multiplier = len(CELL_CONCAT)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        ops, inputs = self.ops, self.inputs
        for k in range(0, PAIRS_PER_CELL, 2):
            states.append(ops[k](states[inputs[k]]) + ops[k + 1](states[inputs[k + 1]]))
        return torch.cat([states[i] for i in CELL_CONCAT], dim=1)


class DartsNetwork(nn.Module):
    """The DARTS CIFAR network of a compact genotype (see the module docstring)."""

    def __init__(self, compact, C: int = DEFAULT_CHANNELS, layers: int = DEFAULT_LAYERS,
                 num_classes: int = 10, stem_multiplier: int = STEM_MULTIPLIER,
                 in_channels: int = 3) -> None:
        super().__init__()
        normal, reduce = validate_compact(compact)
        self.C, self.layers, self.num_classes = C, layers, num_classes
        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(C_curr))
        C_prev_prev, C_prev, C_curr = C_curr, C_curr, C
        self.reduction_indices = (layers // 3, 2 * layers // 3)
        cells, reduction_prev = [], False
        for i in range(layers):
            reduction = i in self.reduction_indices
            if reduction:
                C_curr *= 2
            cell = DartsCell(reduce if reduction else normal, C_prev_prev, C_prev, C_curr,
                             reduction, reduction_prev)
            cells.append(cell)
            reduction_prev = reduction
            C_prev_prev, C_prev = C_prev, cell.multiplier * C_curr
        self.cells = nn.ModuleList(cells)
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(C_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.flatten(self.global_pooling(s1)))
