"""The NAS-Bench-101 network from plain PyTorch modules (torch).

Layout (Ying et al. 2019, Sec. 2.1; the PyTorch port ``nasbench_pytorch`` that
NASLib scores NAS-Bench-101 cells with):

* stem: Conv3x3 (3 -> 128, stride 1, padding 1, no bias) -> BatchNorm -> ReLU;
* 3 stacks of 3 cells; before stacks 2 and 3 a 2x2 max-pool (stride 2) halves
  the resolution and the cells' output channels double: 128, 256, 512;
* head: global average (``torch.mean`` over H, W) -> Linear(512, 10).

Inside a cell (:class:`Cell`, built from the *pruned* matrix):

* vertex channels from :func:`nasplug_nb101.spec.vertex_channels` (the output's
  channels are split among the vertices that feed it);
* an interior vertex sums its inputs: tensors of earlier interior vertices,
  truncated to its channel count, and the cell input through its own 1x1
  projection (Conv1x1-BN-ReLU) when the input feeds it; then applies its op:
  Conv3x3-BN-ReLU, Conv1x1-BN-ReLU (padding keeps the size) or MaxPool3x3
  (stride 1, padding 1);
* the output concatenates the vertices that feed it (channel order = vertex
  order) and adds the projected input when the input feeds the output directly.

BatchNorm: eps 1e-5, momentum 0.1, affine. Initialisation as ``nasbench_pytorch``:
convs N(0, sqrt(2 / (k*k*C_out))), BN weight 1 / bias 0, Linear N(0, 0.01), bias 0.

Parameter and FLOP counts: :meth:`Cell.static_stats` applies
``nasplug.counting``'s per-leaf rules to the shapes every module sees, so
``nasplug.counting`` counts a network without running it (the forward-pass
count is the same, tested).
"""

from __future__ import annotations

import functools
import math

import torch
from torch import nn

from nasplug.counting import sequence_stats

from .spec import CONV1X1, CONV3X3, MAXPOOL3X3, vertex_channels
from .spec import Cell as CellSpec

STEM_CHANNELS = 128
NUM_STACKS = 3
CELLS_PER_STACK = 3
NUM_CLASSES = 10
BN_EPS = 1e-5
BN_MOMENTUM = 0.1


class ConvBnRelu(nn.Module):
    """Conv (no bias, 'same' padding for odd kernels) -> BatchNorm -> ReLU."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int = 1, stride: int = 1, padding: int = 0) -> None:
        super().__init__()
        self.conv_bn_relu = nn.Sequential(
            nn.Conv2d(C_in, C_out, kernel_size, stride, padding, bias=False),
            nn.BatchNorm2d(C_out, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_bn_relu(x)


def make_vertex_op(op: str, channels: int) -> nn.Module:
    """The module of one interior vertex (``channels`` in and out)."""
    if op == CONV3X3:
        return ConvBnRelu(channels, channels, 3, 1, 1)
    if op == CONV1X1:
        return ConvBnRelu(channels, channels, 1, 1, 0)
    if op == MAXPOOL3X3:
        return nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
    raise ValueError(f"unknown NAS-Bench-101 op {op!r}")


class Cell(nn.Module):
    """One NAS-Bench-101 cell (module) ``C_in -> C_out`` for a pruned spec."""

    def __init__(self, spec: CellSpec, C_in: int, C_out: int) -> None:
        super().__init__()
        self.matrix = spec.pruned_matrix
        self.ops = spec.pruned_ops
        self.C_in, self.C_out = C_in, C_out
        n = len(self.ops)
        self.num_vertices = n
        self.channels = vertex_channels(C_in, C_out, self.matrix)
        self.vertex_op = nn.ModuleDict()
        self.input_op = nn.ModuleDict()
        for t in range(1, n - 1):
            self.vertex_op[str(t)] = make_vertex_op(self.ops[t], self.channels[t])
        for t in range(1, n):
            if self.matrix[0][t]:
                self.input_op[str(t)] = ConvBnRelu(C_in, self.channels[t], 1)
        self._to_output = [t for t in range(1, n - 1) if self.matrix[t][n - 1]]

    def _modules_plan(self):
        """(vertex, op, input projection or None, interior sources, channels) per interior vertex."""
        n = self.num_vertices
        plan = []
        for t in range(1, n - 1):
            srcs = [s for s in range(1, t) if self.matrix[s][t]]
            plan.append((t, self.vertex_op[str(t)], self.input_op[str(t)] if self.matrix[0][t] else None,
                         srcs, self.channels[t]))
        return plan

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.num_vertices
        tensors: list[torch.Tensor | None] = [x] + [None] * (n - 1)
        for t, op, proj, srcs, channels in self._modules_plan():
            total = None
            for s in srcs:
                value = tensors[s]
                if value.shape[1] > channels:
                    value = value[:, :channels]
                total = value if total is None else total + value
            if proj is not None:
                value = proj(x)
                total = value if total is None else total + value
            tensors[t] = op(total)
        if self._to_output:
            outs = [tensors[t] for t in self._to_output]
            out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=1)
            if self.matrix[0][n - 1]:
                out = out + self.input_op[str(n - 1)](x)
            return out
        return self.input_op[str(n - 1)](x)

    def static_stats(self, shape: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
        """``(params, flops, output shape)`` by ``nasplug.counting``'s rules, without running."""
        return cell_stats(self.matrix, self.ops, self.C_in, self.C_out, tuple(shape))

    def extra_repr(self) -> str:
        return f"C_in={self.C_in}, C_out={self.C_out}, vertices={self.num_vertices}, channels={self.channels}"


class Head(nn.Module):
    """Global average over H and W (``torch.mean``, no module: NASLib counts no FLOPs
    for it) followed by the classifier."""

    def __init__(self, C_in: int, num_classes: int) -> None:
        super().__init__()
        self.classifier = nn.Linear(C_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.mean(x, (2, 3)))


def layout(stem_channels: int = STEM_CHANNELS, num_stacks: int = NUM_STACKS,
           cells_per_stack: int = CELLS_PER_STACK) -> list[tuple[str, int, int]]:
    """The layers after the stem, in order: ``("cell", C_in, C_out)`` or ``("pool", C, C)``."""
    out = []
    c_in = c_out = stem_channels
    for stack in range(num_stacks):
        if stack > 0:
            out.append(("pool", c_in, c_in))
            c_out *= 2
        for _ in range(cells_per_stack):
            out.append(("cell", c_in, c_out))
            c_in = c_out
    return out


def init_weights(module: nn.Module) -> None:
    """``nasbench_pytorch`` ``Network._initialize_weights`` on every submodule of ``module``."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / n))
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()
        elif isinstance(m, nn.Linear):
            m.weight.data.normal_(0, 0.01)
            m.bias.data.zero_()


@functools.lru_cache(maxsize=None)
def _part_stats(kind: str, C_in: int, C_out: int, shape: tuple[int, ...]) -> tuple[int, int]:
    """(params, flops) of one vertex op or projection on ``shape`` by ``nasplug.counting``'s
    per-leaf rules, from a shape-only (``meta``) template of the module."""
    with torch.device("meta"):
        if kind == "projection":
            module = ConvBnRelu(C_in, C_out, 1)
        else:
            module = make_vertex_op(kind, C_in)
    found = sequence_stats(module, shape)
    if found is None:  # pragma: no cover - every part is a chain of known leaves
        raise RuntimeError(f"cannot count {kind} on {shape}")
    return found[0], found[1]


def cell_stats(matrix, ops, C_in: int, C_out: int, shape: tuple[int, ...]) -> tuple[int, int, tuple[int, ...]]:
    """``(params, flops, output shape)`` of a :class:`Cell` for a pruned ``matrix``/``ops``
    on an input of ``shape`` (N, C_in, H, W), without building it: the input projections
    run on the cell input, each vertex op on (N, channels, H, W)."""
    n_batch, _, h, w = shape
    channels = vertex_channels(C_in, C_out, matrix)
    n = len(ops)
    params = flops = 0
    for t in range(1, n):
        if matrix[0][t]:
            p, f = _part_stats("projection", C_in, channels[t], (n_batch, C_in, h, w))
            params += p
            flops += f
    for t in range(1, n - 1):
        p, f = _part_stats(ops[t], channels[t], channels[t], (n_batch, channels[t], h, w))
        params += p
        flops += f
    return params, flops, (n_batch, C_out, h, w)
