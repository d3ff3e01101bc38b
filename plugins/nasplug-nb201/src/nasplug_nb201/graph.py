"""The NAS-Bench-201 search space as a :class:`nasplug.Graph` (NASLib's layout).

Macro graph ("makrograph"): 20 nodes in a chain. Edge (1, 2) holds the stem,
edges (2, 3) .. (6, 7) the five stage-1 cells, (7, 8) a stride-2 residual block,
(8, 9) .. (12, 13) stage 2, (13, 14) a residual block, (14, 15) .. (18, 19)
stage 3 and (19, 20) the head (BN-ReLU-global pool-flatten-Linear). Each cell is
a 4-node Graph with the 6 edges of :data:`~nasplug_nb201.conversions.EDGE_LIST`.

Speed: the candidate lists are shared, read-only templates (``CandidateOps``),
so ``clone()`` copies only the stem, residual blocks, head and chosen ops, and
``set_spec`` builds only the 90 chosen ops. ``build(spec)`` is the one-call
path from a spec to a parsed network.
"""

from __future__ import annotations

import copy
import random
from typing import Any, Iterator

import torch
from torch import nn

from nasplug.errors import ArchitectureError, NasplugError
from nasplug.graph import Graph

from . import conversions as conv
from .primitives import Identity, ResNetBasicblock, Sequential, Stem, Zero, make_op

#: Channels of the three stages (NAS-Bench-201 paper, Sec. 2.1: 16, 32, 64).
STAGE_CHANNELS = (16, 32, 64)
#: Cells per stage (N = 5 in the paper).
CELLS_PER_STAGE = 5
#: NASLib's scope names of the three stages.
OPTIMIZER_SCOPE = ("stage_1", "stage_2", "stage_3")
#: dataset -> (number of classes, input height = width). ImageNet16-120 is
#: 120 classes of ImageNet downsampled to 16x16 (Dong & Yang, ICLR 2020).
DATASETS = {"cifar10": (10, 32), "cifar100": (100, 32), "ImageNet16-120": (120, 16)}
_DATASET_BY_CLASSES = {classes: name for name, (classes, _) in DATASETS.items()}
#: NAS-Bench-Suite-Zero's NAS-Bench-360 tasks: dataset -> (classes, (channels, height, width)),
#: as NASLib builds the network for them (``dataset_n_classes`` / ``dataset_to_channels`` in
#: ``naslib/search_spaces/__init__.py``; the stem reads ``channels``, the head outputs ``classes``).
NB360_DATASETS = {"svhn": (10, (3, 32, 32)), "ninapro": (18, (1, 16, 52)), "scifar100": (100, (3, 60, 60))}


def _dataset_spec(dataset: str | None) -> tuple[int, tuple[int, int, int]]:
    """(classes, input shape) of a dataset (None: CIFAR-10's shape)."""
    if dataset in NB360_DATASETS:
        return NB360_DATASETS[dataset]
    classes, size = DATASETS[dataset or "cifar10"]
    return classes, (3, size, size)
TOTAL_NODES = 20


class CandidateOps(list):
    """The candidate list on a cell edge before an architecture is chosen.

    Holds template modules shared by every copy of the search space: a deep
    copy copies the list, not the modules (they are never run or trained; the
    chosen op is always a fresh module).
    """

    def __deepcopy__(self, memo: dict) -> "CandidateOps":
        return CandidateOps(self)


class _SharedTemplates(dict):
    """channels -> candidate templates; shared, not copied, by deep copies."""

    def __deepcopy__(self, memo: dict) -> "_SharedTemplates":
        return self


class NasBench201Cell(Graph):
    """One NAS-Bench-201 cell: nodes 1..4, edges (1,2) (1,3) (1,4) (2,3) (2,4) (3,4)."""

    def __init__(self, C: int, scope: str, templates: list[nn.Module], device=None) -> None:
        super().__init__(name="cell", scope=scope)
        self.C = C
        self.device = device
        self.add_nodes_from(range(1, 5))
        for u, v in conv.EDGE_LIST:
            self.add_edge(u, v, op=CandidateOps(templates))
        self._ops: list[nn.Module] | None = None

    def __str__(self) -> str:  # what print(cell) shows in NASLib's tutorial
        return f"Graph named '{self.name}' with {self.number_of_nodes()} nodes and {self.number_of_edges()} edges"

    def set_ops(self, op_indices: tuple[int, ...]) -> None:
        """Put a fresh chosen op on every edge (NASLib: ``convert_op_indices_to_naslib``)."""
        self._unparse()
        for (u, v), index in zip(conv.EDGE_LIST, op_indices):
            data = self.edges[u, v]
            data["op"] = make_op(index, self.C, device=self.device)
            data["op_index"] = index

    def _unparse(self) -> None:
        self._modules.clear()
        self._ops = None
        self._eval_plan = None

    def parse(self) -> "NasBench201Cell":
        ops = []
        for u, v in conv.EDGE_LIST:
            op = self.edges[u, v]["op"]
            if isinstance(op, list):
                raise ArchitectureError(
                    f"edge {(u, v)} of {self!r} still holds {len(op)} candidate ops; "
                    "call sample_random_architecture() or set_spec() before parse()")
            ops.append(op)
        self._modules.clear()
        # Registration order = the core's topological edge order (by target node).
        for index in (0, 1, 3, 2, 4, 5):
            u, v = conv.EDGE_LIST[index]
            self.add_module(f"edge_{u}_{v}", ops[index])
        self._ops = ops
        self._eval_plan = []  # parsed; forward below is the compiled plan
        self._input, self._output = 1, 4
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Same evaluation and summation order as walking the graph: inputs of a
        # node are summed in edge-insertion order.
        if self._ops is None:
            self.parse()
        e12, e13, e14, e23, e24, e34 = self._ops
        n2 = e12(x)
        n3 = e13(x) + e23(n2)
        return e14(x) + e24(n2) + e34(n3)


class NasBench201SearchSpace(Graph):
    """NAS-Bench-201 (Dong & Yang, ICLR 2020) in NASLib's representation.

    ``NasBench201SearchSpace(n_classes=10)`` as in NASLib, or
    ``NasBench201SearchSpace(dataset='ImageNet16-120')``; ``dataset`` fixes the
    number of classes and the input size (32x32, or 16x16 for ImageNet16-120).
    Suite-Zero's NAS-Bench-360 tasks (:data:`NB360_DATASETS`) change the stem's
    input channels and the head's classes, as NASLib does: ``svhn`` 3x32x32 / 10,
    ``ninapro`` 1x16x52 / 18, ``scifar100`` 3x60x60 / 100.
    ``device`` creates every parameter there (e.g. ``"cuda"``; ``"meta"`` gives
    shape-only networks that count parameters and FLOPs quickly).
    """

    name = "nasbench201"
    datasets = tuple(DATASETS) + tuple(NB360_DATASETS)
    description = "NAS-Bench-201 cell search space (15,625 cells)"
    OPTIMIZER_SCOPE = list(OPTIMIZER_SCOPE)
    QUERYABLE = True

    def __init__(self, n_classes: int | None = None, dataset: str | None = None, device=None) -> None:
        super().__init__(name="makrograph", scope=None)
        if dataset is None:
            dataset = _DATASET_BY_CLASSES.get(10 if n_classes is None else n_classes)
        elif dataset not in DATASETS and dataset not in NB360_DATASETS:
            raise NasplugError(f"NAS-Bench-201 has no dataset {dataset!r}; valid: {', '.join(self.datasets)}")
        if n_classes is None:
            n_classes = _dataset_spec(dataset)[0]
        elif dataset is not None and _dataset_spec(dataset)[0] != n_classes:
            raise NasplugError(f"{dataset} has {_dataset_spec(dataset)[0]} classes, not n_classes={n_classes}")
        self._setup(dataset, int(n_classes), device)

    def _setup(self, dataset: str | None, n_classes: int, device, macro_ops: list | None = None,
               templates: dict | None = None) -> None:
        """Attributes and the 20-node chain. ``macro_ops`` (stem, two residual
        blocks, head) and ``templates`` are reused by fast copies; else built."""
        self.dataset = dataset
        self.num_classes = n_classes
        #: one input image, (channels, height, width)
        self.input_shape = _dataset_spec(dataset)[1]
        self.space_name = "nasbench201"
        self.channels = list(STAGE_CHANNELS)
        self.op_indices: tuple[int, ...] | None = None
        #: where parameters are created (None: torch's default device)
        self.device = device
        self._chain: list[nn.Module] | None = None
        if templates is None:
            templates = _SharedTemplates(
                (C, [make_op(i, C, candidate=True, device=device) for i in range(conv.NUM_OPS)])
                for C in STAGE_CHANNELS)
        #: channels -> the shared candidate templates of that stage
        self._templates: dict[int, list[nn.Module]] = templates
        if macro_ops is None:
            macro_ops = [Stem(C_in=self.input_shape[0], C_out=STAGE_CHANNELS[0], device=device)]
            macro_ops += [ResNetBasicblock(c_in, c_out, stride=2, device=device)
                          for c_in, c_out in zip(STAGE_CHANNELS, STAGE_CHANNELS[1:])]
            macro_ops.append(Sequential(
                nn.BatchNorm2d(STAGE_CHANNELS[-1], device=device),
                nn.ReLU(inplace=True),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(STAGE_CHANNELS[-1], n_classes, device=device),
            ))
        stem, *blocks, head = macro_ops

        self.add_nodes_from(range(1, TOTAL_NODES + 1))
        self.add_edges_from((i, i + 1) for i in range(1, TOTAL_NODES))
        self.edges[1, 2]["op"] = stem
        node = 2
        for stage, (scope, C) in enumerate(zip(OPTIMIZER_SCOPE, STAGE_CHANNELS)):
            if stage > 0:
                self.edges[node, node + 1]["op"] = blocks[stage - 1]
                node += 1
            for _ in range(CELLS_PER_STAGE):
                self.edges[node, node + 1]["op"] = NasBench201Cell(C, scope, templates[C], device)
                node += 1
        self.edges[node, node + 1]["op"] = head

    def _macro_ops(self) -> list[nn.Module]:
        """Stem, the two residual blocks and the head, in chain order."""
        return [self.edges[i, i + 1]["op"] for i in range(1, TOTAL_NODES)
                if not isinstance(self.edges[i, i + 1]["op"], NasBench201Cell)]

    # -- representations ----------------------------------------------------
    def get_hash(self) -> tuple[int, ...]:
        """NASLib's compact tuple of the chosen cell."""
        if self.op_indices is None:
            raise ArchitectureError(
                "no architecture chosen yet: call set_spec(...) or sample_random_architecture() first")
        return self.op_indices

    def get_op_indices(self) -> list[int]:
        return list(self.get_hash())

    def set_spec(self, spec: Any, dataset_api: Any = None) -> None:
        """Choose the cell: compact tuple, official string, integer index or another Graph.

        May be called again: every call puts fresh chosen ops on the cells and
        drops a previous ``parse()``.
        """
        ops = conv.to_op_indices(spec)
        self._unparse()
        for cell in self._stage_cells():
            cell.set_ops(ops)
        self.op_indices = ops

    def set_op_indices(self, op_indices: Any) -> None:
        self.set_spec(op_indices)

    def _random_spec(self, rng: random.Random) -> tuple[int, ...]:
        return conv.random_op_indices(rng)

    def get_type(self) -> str:
        return "nasbench201"

    def get_arch_iterator(self, dataset_api: Any = None) -> Iterator[tuple[int, ...]]:
        """Every cell as a compact tuple, in index order."""
        return conv.all_op_indices()

    def mutate(self, parent: Any = None, dataset_api: Any = None, seed: int | None = None,
               rng: random.Random | None = None) -> None:
        """Set this graph to ``parent`` (default: itself) with one edge changed (NASLib's mutation)."""
        rng = rng or (random.Random(seed) if seed is not None else random._inst)  # type: ignore[attr-defined]
        base = self.get_hash() if parent is None else conv.to_op_indices(parent)
        self.set_spec(conv.mutate_op_indices(base, rng))

    def get_nbhd(self, dataset_api: Any = None, seed: int | None = None,
                 rng: random.Random | None = None) -> list["NasBench201SearchSpace"]:
        """The 24 one-edge neighbours as new (unparsed) graphs; shuffled when a seed/rng is given."""
        specs = conv.neighbours(self.get_hash())
        if rng is not None or seed is not None:
            (rng or random.Random(seed)).shuffle(specs)
        out = []
        for spec in specs:
            g = self._fresh_copy()
            g.set_spec(spec)
            out.append(g)
        return out

    # -- copies and networks --------------------------------------------------
    def clone(self) -> "NasBench201SearchSpace":
        """A deep copy (chosen ops and weights included; candidate templates are shared)."""
        return copy.deepcopy(self)

    def _stage_cells(self) -> list[NasBench201Cell]:
        return [self.edges[i, i + 1]["op"] for i in range(1, TOTAL_NODES)
                if isinstance(self.edges[i, i + 1]["op"], NasBench201Cell)]

    def _fresh_copy(self) -> "NasBench201SearchSpace":
        """A copy with nothing chosen: deep copies of the stem, residual blocks
        and head (weights included), the shared candidate templates, new cells."""
        g = type(self).__new__(type(self))
        Graph.__init__(g, name=self.name, scope=self.scope)
        g._setup(self.dataset, self.num_classes, self.device,
                 macro_ops=copy.deepcopy(self._macro_ops()), templates=self._templates)
        return g

    def build(self, spec: Any) -> "NasBench201SearchSpace":
        """A new parsed network for ``spec`` (any representation), leaving this graph as it is.

        Equivalent to ``g = self.clone(); g.set_spec(spec); g.parse()`` but skips
        copying ops that ``set_spec`` would replace: the fast path for scoring
        many architectures from one search space.
        """
        g = self._fresh_copy()
        g.set_spec(spec)
        return g.parse()

    def _unparse(self) -> None:
        self._modules.clear()
        self._chain = None
        self._eval_plan = None

    def parse(self) -> "NasBench201SearchSpace":
        """Register the stem, cells, residual blocks and head as submodules, in order."""
        chain = []
        self._modules.clear()
        for i in range(1, TOTAL_NODES):
            op = self.edges[i, i + 1]["op"]
            if isinstance(op, Graph):
                op.parse()
            self.add_module(f"edge_{i}_{i + 1}", op)
            chain.append(op)
        self._chain = chain
        self._eval_plan = []
        self._input, self._output = 1, TOTAL_NODES
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._chain is None:
            self.parse()
        for op in self._chain:
            x = op(x)
        return x

    def static_stats(self, input_shape: tuple[int, ...]) -> dict[str, int] | None:
        """NASLib's parameter and FLOP counts of the parsed network without running it.

        :func:`nasplug.counting.model_stats` asks this first. Every part's input
        shape follows from the skeleton: each cell op keeps its input's shape,
        the residual blocks halve the resolution. Each part is counted by
        :func:`nasplug.counting.sequence_stats` (the same per-leaf rules as the
        forward-pass counter). ``None`` (count by a forward pass) before
        ``parse()``, for another input size, or for a part it does not know.
        """
        from nasplug.counting import sequence_stats

        if self._chain is None or tuple(input_shape[1:]) != self.input_shape:
            return None
        totals = {"params": 0, "flops": 0}

        def count(module: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
            found = sequence_stats(module, shape)
            if found is None:
                raise LookupError(module)
            totals["params"] += found[0]
            totals["flops"] += found[1]
            return found[2]

        shape = (1, *self.input_shape)
        try:
            for op in self._chain:
                if isinstance(op, NasBench201Cell):
                    if op._ops is None:
                        return None
                    for cell_op in op._ops:  # Identity and Zero: no parameters, no FLOPs
                        if not isinstance(cell_op, (Identity, Zero)) and count(cell_op, shape) != shape:
                            return None
                elif isinstance(op, ResNetBasicblock):
                    if op.downsample is not None:
                        count(op.downsample, shape)
                    shape = count(op.conv_b, count(op.conv_a, shape))
                else:
                    shape = count(op, shape)
        except LookupError:
            return None
        return totals
