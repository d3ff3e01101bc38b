"""The micro-cell network NAS-Bench-Suite-Zero used for the NAS-Bench-360 tasks (torch).

``get_search_space("transbench101_micro", dataset)`` with ``dataset`` in
``svhn``, ``ninapro``, ``scifar100`` gives :class:`TransBench101MicroNB360`: the
network NASLib builds for them (``TransBench101SearchSpaceMicro(dataset,
use_small_model=True, create_graph=True, n_classes, in_channels)``, NASLib's
``zerocost`` branch, ``naslib/search_spaces/transbench101/graph.py``), which
scored and trained the table's architectures. It differs from the Taskonomy
encoder (:mod:`nasplug_tnb101.network`):

- stem: Conv3x3 stride 1 (``in_channels`` -> 64, no bias) + BatchNorm (NASLib ``ops.Stem``);
- three modules of two cells (NASLib's small model), ``r_stage_1``, ``n_stage_1``,
  ``r_stage_2``: 64 -> 128 (stride 2) -> 128 -> 256 (stride 2), i.e. macro code
  4-1-4 on 64 base channels (:func:`nasplug_tnb101.network.cell_layout`);
- cell ops as NASLib's graph makes them: ReLU-Conv-BN (affine), zero, identity,
  and on the stride-2 edges out of a reducing cell's input NASLib's
  DARTS ``FactorizedReduce`` with a non-affine BatchNorm;
- head: global average pool, flatten, Linear(256, classes); loss cross-entropy;
- PyTorch's default initialisation (NASLib's graph applies no Kaiming init).

Counting its parameters and FLOPs (:mod:`nasplug.counting`) gives NASLib's
published ``params`` / ``flops`` for these tasks (tests).
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from nasplug.errors import DataError, NasplugError
from nasplug.graph import Graph

from . import encoding
from .network import Identity, ReLUConvBN, Zero, cell_layout
from .search_space import CELL_EDGES, TransBench101SearchSpaceMicro

#: dataset -> (classes, (channels, height, width)), NASLib's ``dataset_n_classes`` /
#: ``dataset_to_channels`` and its loaders' shapes
NB360_DATASETS = {"svhn": (10, (3, 32, 32)), "ninapro": (18, (1, 16, 52)), "scifar100": (100, (3, 60, 60))}
#: NASLib's small model: three modules, macro code 4-1-4, 64 base channels
BASE_CHANNELS = 64
MACRO_CODE = "414"
MODULE_STAGES = ("r_stage_1", "n_stage_1", "r_stage_2")
STEM_EDGE = (1, 2)
FIRST_CELL_NODE = 2


class NaslibFactorizedReduce(nn.Module):
    """NASLib's DARTS ``FactorizedReduce`` (``affine=False``): ReLU, two 1x1 stride-2 convs on the
    input and on the input shifted by one pixel (``x[:, :, 1:, 1:]``), concatenated, BatchNorm."""

    def __init__(self, C_in: int, C_out: int) -> None:
        super().__init__()
        if C_out % 2:
            raise ValueError(f"FactorizedReduce needs an even C_out, got {C_out}")
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.conv_2 = nn.Conv2d(C_in, C_out // 2, 1, stride=2, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(x[:, :, 1:, 1:])], dim=1))


def make_nb360_op(digit: int, C_in: int, C_out: int, stride: int) -> nn.Module:
    """The module of official digit ``digit`` on an edge, as NASLib's graph builds it."""
    if digit == 0:
        return Zero(C_in, C_out, stride)
    if digit == 1:
        return Identity() if stride == 1 and C_in == C_out else NaslibFactorizedReduce(C_in, C_out)
    if digit == 2:
        return ReLUConvBN(C_in, C_out, 1, stride, 0)
    if digit == 3:
        return ReLUConvBN(C_in, C_out, 3, stride, 1)
    raise ValueError(f"unknown op digit {digit!r}")


class Stem(nn.Module):
    """NASLib ``ops.Stem``: Conv3x3 (stride 1, padding 1, no bias) + BatchNorm."""

    def __init__(self, C_in: int, C_out: int = BASE_CHANNELS) -> None:
        super().__init__()
        self.seq = nn.Sequential(nn.Conv2d(C_in, C_out, 3, padding=1, bias=False), nn.BatchNorm2d(C_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class Head(nn.Sequential):
    """Global average pool -> flatten -> linear."""

    def __init__(self, C_in: int, classes: int) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(C_in, classes))


class TransBench101MicroNB360(TransBench101SearchSpaceMicro):
    """The micro space on a NAS-Bench-360 task (see the module docstring).

    Same architecture API as :class:`TransBench101SearchSpaceMicro` (official
    string or digits; ``get_hash()`` the digits); only the network differs.
    """

    def __init__(self, dataset: str = "svhn") -> None:
        if dataset not in NB360_DATASETS:
            raise NasplugError(f"no NAS-Bench-360 task {dataset!r}; valid: {', '.join(NB360_DATASETS)}")
        Graph.__init__(self, name="makrograph")
        self.dataset = dataset
        self.num_classes, self.input_shape = NB360_DATASETS[dataset]
        self.op_indices: tuple[int, ...] | None = None
        self._chain: tuple | None = None
        self._layout = cell_layout(BASE_CHANNELS, MACRO_CODE)
        n_cells = len(self._layout)
        self._decoder_edge = (FIRST_CELL_NODE + n_cells, FIRST_CELL_NODE + n_cells + 1)
        self.add_nodes_from(range(1, self._decoder_edge[1] + 1))
        self.add_edge(*STEM_EDGE, op=None)
        for i, (module_index, C_in, C_out, stride) in enumerate(self._layout):
            u = FIRST_CELL_NODE + i
            cell = Graph(name="cell", scope=MODULE_STAGES[module_index])
            cell.add_nodes_from([1, 2, 3, 4])
            for a, b in CELL_EDGES:
                cell.add_edge(a, b, op=list(range(encoding.NUM_OPS)))  # candidates: chosen by set_spec
            self.add_edge(u, u + 1, op=cell, module=module_index + 1, C_in=C_in, C_out=C_out, stride=stride)
        self.add_edge(*self._decoder_edge, op=None)

    def clone(self) -> "TransBench101MicroNB360":
        """A deep copy (the chosen network and its weights included)."""
        return copy.deepcopy(self)

    def get_cells(self) -> list[Graph]:
        return [self.edges[FIRST_CELL_NODE + i, FIRST_CELL_NODE + i + 1]["op"] for i in range(len(self._layout))]

    def _meta_modules(self):
        return iter(())

    def set_spec(self, spec: Any, dataset_api: Any = None) -> None:
        """Build the network of one cell: ``'64-41414-a_bc_def'`` or official digits ``(a, ..., f)``.

        Every call builds fresh modules (PyTorch's default initialisation).
        """
        ops = encoding.parse_arch(spec)
        self.edges[STEM_EDGE]["op"] = Stem(self.input_shape[0], BASE_CHANNELS)
        for cell, (_, C_in, C_out, stride) in zip(self.get_cells(), self._layout):
            cell._modules.clear()
            cell._eval_plan = None
            for pos, (a, b) in enumerate(CELL_EDGES):
                cin, s = (C_in, stride) if a == 1 else (C_out, 1)
                cell.edges[a, b]["op"] = make_nb360_op(ops[pos], cin, C_out, s)
                cell.edges[a, b]["op_index"] = ops[pos]
        self.edges[self._decoder_edge]["op"] = Head(self._layout[-1][2], self.num_classes)
        self.op_indices = ops
        self.parse()

    def get_loss_fn(self) -> nn.Module:
        return nn.CrossEntropyLoss()

    def parse(self) -> "TransBench101MicroNB360":
        Graph.parse(self)
        self._chain = (self.edges[STEM_EDGE]["op"], tuple(self.get_cells()), self.edges[self._decoder_edge]["op"])
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._eval_plan is None or self._chain is None:
            self.parse()
        if x.dim() != 4 or tuple(x.shape[1:2]) != self.input_shape[:1]:
            raise DataError(f"{self.dataset} networks take [N, {self.input_shape[0]}, H, W] inputs, "
                            f"got {tuple(x.shape)}")
        stem, cells, head = self._chain
        x = stem(x)
        for cell in cells:
            x = cell(x)
        return head(x)


__all__ = ["NB360_DATASETS", "NaslibFactorizedReduce", "TransBench101MicroNB360", "make_nb360_op"]
