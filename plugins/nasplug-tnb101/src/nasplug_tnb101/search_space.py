"""``TransBench101SearchSpaceMicro``: the TransNAS-Bench-101 micro space as a ``nasplug.Graph``.

Structure (NASLib's names where NASLib has them):

* the macro graph (``name = "makrograph"``) is a chain of 13 nodes: edge (1, 2)
  holds the stem, edges (2, 3) ... (11, 12) hold the ten cells (five modules of
  two, ``module`` edge attribute 1..5), edge (12, 13) holds the task's decoder;
* each cell is a nested Graph with nodes 1..4 and edges (1, 2), (1, 3), (2, 3),
  (1, 4), (2, 4), (3, 4), i.e. positions a..f of the op-index tuple.

Before an architecture is chosen, every cell edge holds its four candidate ops
and the stem/decoder are built too, all on PyTorch's ``meta`` device: they have
the real classes and shapes but no storage, so building and ``clone()``-ing the
search space costs milliseconds instead of allocating a ~46M-parameter supernet.
``set_spec`` / ``sample_random_architecture`` then build the chosen network on
the CPU with TransNAS-Bench-101's initialisation and parse it.

For jigsaw the input is ``[N, 9, 3, H, W]``: the encoder runs on each tile (one
call per tile, so BatchNorm sees per-tile batches as in TransNAS-Bench-101's
``SiameseNet``) and the head sees the 9 outputs concatenated on channels.
"""

from __future__ import annotations

import copy
import itertools
import random
from typing import Any

import torch
from torch import nn

from nasplug.errors import ArchitectureError, DataError
from nasplug.graph import Graph

from . import encoding
from .encoding import EDGES, NUM_OPS
from .losses import get_loss_fn
from .network import Stem, build_decoder, cell_layout, init_encoder_weights, make_op
from .tasks import JIGSAW_TILES, TASK_NAMES, task_info

#: NASLib's scope names of the five modules (``OPTIMIZER_SCOPE``)
MODULE_STAGES = ("r_stage_1", "n_stage_1", "r_stage_2", "n_stage_2", "r_stage_3")
STEM_EDGE = (1, 2)
FIRST_CELL_NODE = 2
NUM_CELLS = len(cell_layout())
DECODER_EDGE = (FIRST_CELL_NODE + NUM_CELLS, FIRST_CELL_NODE + NUM_CELLS + 1)
#: cell edges, NASLib's 1-based node numbers, in op-index tuple order a..f
CELL_EDGES = tuple((u + 1, v + 1) for u, v in EDGES)
#: NAS-Bench-Suite-Zero's NAS-Bench-360 tasks: ``TransBench101SearchSpaceMicro(dataset=...)``
#: builds :class:`nasplug_tnb101.nb360_network.TransBench101MicroNB360` for them
NB360_TASKS = ("svhn", "ninapro", "scifar100")


def _is_meta(module: nn.Module) -> bool:
    p = next(module.parameters(), None)
    return p is not None and p.is_meta


class TransBench101SearchSpaceMicro(Graph):
    """TransNAS-Bench-101 micro search space for one task (``dataset``)."""

    name = "transbench101_micro"
    datasets = TASK_NAMES
    description = "TransNAS-Bench-101 micro cell space (4,096 cells) on 7 Taskonomy tasks"
    QUERYABLE = True
    OPTIMIZER_SCOPE = list(MODULE_STAGES)
    space_name = "transbench101"

    def __new__(cls, dataset: str = "class_scene", *args: Any, **kwargs: Any):
        # NAS-Bench-Suite-Zero's NAS-Bench-360 tasks use NASLib's own, smaller network
        if cls is TransBench101SearchSpaceMicro and dataset in NB360_TASKS:
            from .nb360_network import TransBench101MicroNB360

            cls = TransBench101MicroNB360
        return super().__new__(cls)

    def __init__(self, dataset: str = "class_scene") -> None:
        info = task_info(dataset)  # unknown task -> clear error
        super().__init__(name="makrograph")
        self.dataset = dataset
        self.num_classes = info.num_classes
        self.op_indices: tuple[int, ...] | None = None
        self._chain: tuple | None = None
        with torch.device("meta"):
            self._build_structure()

    # -- structure --------------------------------------------------------------------------
    def _build_structure(self) -> None:
        layout = cell_layout()
        last = DECODER_EDGE[1]
        self.add_nodes_from(range(1, last + 1))
        self.add_edge(*STEM_EDGE, op=Stem())
        for i, (module_index, C_in, C_out, stride) in enumerate(layout):
            u = FIRST_CELL_NODE + i
            cell = Graph(name="cell", scope=MODULE_STAGES[module_index])
            cell.add_nodes_from([1, 2, 3, 4])
            for (a, b) in CELL_EDGES:
                from_input = a == 1
                cin, s = (C_in, stride) if from_input else (C_out, 1)
                cell.add_edge(a, b, op=[make_op(d, cin, C_out, s) for d in range(NUM_OPS)])
            self.add_edge(u, u + 1, op=cell, module=module_index + 1, C_in=C_in, C_out=C_out,
                          stride=stride)
        self.add_edge(*DECODER_EDGE, op=build_decoder(self.dataset))

    def clone(self) -> "TransBench101SearchSpaceMicro":
        """A deep copy. Storage-less ``meta`` candidates are shared, not copied: nothing
        can change them in place (``set_spec`` builds new modules), and sharing makes
        cloning the unsampled space several times cheaper."""
        memo: dict = {}
        for module in self._meta_modules():
            memo[id(module)] = module
        return copy.deepcopy(self, memo)

    def _meta_modules(self):
        for edge in (STEM_EDGE, DECODER_EDGE):
            op = self.edges[edge]["op"]
            if _is_meta(op):
                yield op
        for cell in self.get_cells():
            for a, b in CELL_EDGES:
                ops = cell.edges[a, b]["op"]
                if isinstance(ops, list):
                    yield from ops

    def get_cells(self) -> list[Graph]:
        """The ten cell Graphs, input to output."""
        return [self.edges[FIRST_CELL_NODE + i, FIRST_CELL_NODE + i + 1]["op"] for i in range(NUM_CELLS)]

    # -- architecture -----------------------------------------------------------------------
    def set_spec(self, spec: Any, dataset_api: Any = None) -> None:
        """Build the network of one cell: ``'64-41414-a_bc_def'`` or ``(a, b, c, d, e, f)``.

        Can be called again to switch the architecture (the graph is rebuilt).
        ``dataset_api`` is accepted for NASLib compatibility and ignored.
        """
        ops = encoding.parse_arch(spec)
        stem_edge = self.edges[STEM_EDGE]
        if _is_meta(stem_edge["op"]):
            stem_edge["op"] = Stem()
        decoder_edge = self.edges[DECODER_EDGE]
        if _is_meta(decoder_edge["op"]):
            decoder_edge["op"] = build_decoder(self.dataset)
        encoder_modules = [stem_edge["op"]]
        for cell, (_, C_in, C_out, stride) in zip(self.get_cells(), cell_layout()):
            cell._modules.clear()  # drop ops of a previous architecture
            cell._eval_plan = None
            for pos, (a, b) in enumerate(CELL_EDGES):
                from_input = a == 1
                cin, s = (C_in, stride) if from_input else (C_out, 1)
                op = make_op(ops[pos], cin, C_out, s)
                cell.edges[a, b]["op"] = op
                cell.edges[a, b]["op_index"] = ops[pos]
                encoder_modules.append(op)
        for module in encoder_modules:
            init_encoder_weights(module)
        self.op_indices = ops
        self.parse()

    # NASLib names
    def set_op_indices(self, op_indices: Any) -> None:
        self.set_spec(op_indices)

    def get_op_indices(self) -> tuple[int, ...]:
        if self.op_indices is None:
            raise ArchitectureError(
                "no architecture chosen yet: call set_spec(...) or sample_random_architecture() first")
        return self.op_indices

    def get_hash(self) -> tuple[int, ...]:
        """NASLib's op-index tuple ``(a, b, c, d, e, f)``."""
        return tuple(self.get_op_indices())

    def get_arch_str(self) -> str:
        """The official string ``'64-41414-a_bc_def'``."""
        return encoding.to_arch_str(self.get_op_indices())

    def _random_spec(self, rng: random.Random) -> tuple[int, ...]:
        return encoding.random_architecture(rng)

    def get_arch_iterator(self, dataset_api: Any = None):
        """All 4,096 op-index tuples (NASLib's ``get_arch_iterator``)."""
        return itertools.product(range(NUM_OPS), repeat=len(EDGES))

    def mutate(self, parent: Any = None, dataset_api: Any = None, seed: int | None = None,
               rng: random.Random | None = None) -> None:
        """Set this graph to ``parent`` (a graph or a spec; default: itself) with one edge changed."""
        source = self if parent is None else parent
        if rng is None:
            rng = random.Random(seed) if seed is not None else random._inst  # type: ignore[attr-defined]
        self.set_spec(encoding.mutate(encoding.parse_arch(source), rng=rng))

    def get_type(self) -> str:
        return "transbench101_micro"

    def get_loss_fn(self) -> nn.Module:
        """The task's training loss (see :mod:`nasplug_tnb101.losses`)."""
        return get_loss_fn(self.dataset)

    # -- PyTorch ----------------------------------------------------------------------------
    def parse(self) -> "TransBench101SearchSpaceMicro":
        super().parse()
        stem = self.edges[STEM_EDGE]["op"]
        decoder = self.edges[DECODER_EDGE]["op"]
        # a tuple, not a Module attribute: the modules stay registered once, under edge_u_v
        self._chain = (stem, tuple(self.get_cells()), decoder)
        return self

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        stem, cells, _ = self._chain
        x = stem(x)
        for cell in cells:
            x = cell(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._eval_plan is None or self._chain is None:
            self.parse()
        decoder = self._chain[2]
        if self.dataset == "jigsaw":
            if x.dim() != 5 or x.shape[1] != JIGSAW_TILES:
                raise DataError(
                    f"jigsaw networks take [N, {JIGSAW_TILES}, 3, H, W] tiles, got input of shape "
                    f"{tuple(x.shape)}; use the 'jigsaw' dataset's loader")
            return decoder(torch.cat([self._encode(x[:, i]) for i in range(x.shape[1])], dim=1))
        if x.dim() != 4:
            raise DataError(f"{self.dataset} networks take [N, 3, H, W] images, got {tuple(x.shape)}")
        return decoder(self._encode(x))


def convert_naslib_to_transbench101_micro(graph: TransBench101SearchSpaceMicro) -> str:
    """NASLib's name: the official string of a graph's architecture."""
    return graph.get_arch_str()
