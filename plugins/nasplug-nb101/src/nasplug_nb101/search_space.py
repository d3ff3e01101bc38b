"""``NasBench101SearchSpace``: the NAS-Bench-101 space as a ``nasplug.Graph`` (torch).

The macro graph (``name = "makrograph"``) is a chain of 14 nodes: edge (1, 2)
holds the stem, edges (2, 3) ... (12, 13) the nine cells and the two 2x2
max-pools between the stacks (see :func:`nasplug_nb101.network.layout`), edge
(13, 14) the head. Each cell is a :class:`nasplug_nb101.network.Cell` built from
the pruned spec; the cell's own DAG is :meth:`NasBench101SearchSpace.cell_graph`.

Before an architecture is chosen only the stem and the head exist (a few
thousand parameters), so ``clone()`` of the search space is cheap. ``set_spec``
validates the cell (:mod:`nasplug_nb101.spec`), builds the nine cells with
``nasbench_pytorch``'s initialisation and parses; graphs made by ``get_nbhd``
hold only their spec and build on ``parse()`` (or the first forward).
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import networkx as nx
import torch
from torch import nn

from nasplug.counting import sequence_stats
from nasplug.errors import ArchitectureError, NasplugError, UnknownNameError
from nasplug.graph import Graph

from . import spec as S
from .network import NUM_CLASSES, STEM_CHANNELS, Cell, ConvBnRelu, Head, cell_stats, init_weights, layout

DATASETS = ("cifar10",)
#: input NASLib scores NAS-Bench-101 cells on (CIFAR-10)
INPUT_SHAPE = (1, 3, 32, 32)
_LAYOUT = layout()
STEM_EDGE = (1, 2)
HEAD_EDGE = (len(_LAYOUT) + 2, len(_LAYOUT) + 3)


class NasBench101SearchSpace(Graph):
    """NAS-Bench-101 cells in the NAS-Bench-101 network (CIFAR-10, 10 classes).

    ``device``: where parameters are created (``"meta"`` builds shape-only
    networks, enough for ``nasplug.counting``).
    """

    name = "nasbench101"
    datasets = DATASETS
    description = "NAS-Bench-101 cell space (423k cells; labels from NASLib's zc_nasbench101.json or a CSV)"
    QUERYABLE = True
    OPTIMIZER_SCOPE = ["node_pair", "cell"]
    space_name = "nasbench101"

    def __init__(self, dataset: str = "cifar10", n_classes: int | None = None, device: Any = None) -> None:
        if dataset not in DATASETS:
            raise UnknownNameError(f"NAS-Bench-101 has no dataset {dataset!r}; valid: {', '.join(DATASETS)}")
        if n_classes not in (None, NUM_CLASSES):
            raise NasplugError(f"NAS-Bench-101 networks have {NUM_CLASSES} classes, got n_classes={n_classes}")
        super().__init__(name="makrograph")
        self.dataset = dataset
        self.num_classes = NUM_CLASSES
        #: (C, H, W) of one CIFAR-10 image: what data-free proxies score on
        self.input_shape = INPUT_SHAPE[1:]
        self.device = device
        self.cell_spec: S.Cell | None = None
        self._built = False
        self._chain: tuple | None = None
        self.add_nodes_from(range(1, HEAD_EDGE[1] + 1))
        with self._on_device():
            stem = ConvBnRelu(3, STEM_CHANNELS, 3, 1, 1)
            head = Head(_LAYOUT[-1][2], NUM_CLASSES)
            if not self._is_meta:
                init_weights(stem)
                init_weights(head)
        self.add_edge(*STEM_EDGE, op=stem)
        for i, (kind, c_in, c_out) in enumerate(_LAYOUT):
            self.add_edge(2 + i, 3 + i, op=None, kind=kind, C_in=c_in, C_out=c_out)
        self.add_edge(*HEAD_EDGE, op=head)

    @property
    def _is_meta(self) -> bool:
        return self.device is not None and torch.device(self.device).type == "meta"

    def _on_device(self):
        return torch.device(self.device) if self.device is not None else contextlib.nullcontext()

    # -- architecture -----------------------------------------------------------------------
    def _assign(self, cell: S.Cell) -> None:
        """Choose the cell without building the network (built on ``parse()``)."""
        self._unparse()
        self.cell_spec = cell
        self._built = False
        for i, (kind, _, _) in enumerate(_LAYOUT):
            self.edges[2 + i, 3 + i]["op"] = None

    def _build(self) -> None:
        cell = self.cell_spec
        with self._on_device():
            for i, (kind, c_in, c_out) in enumerate(_LAYOUT):
                if kind == "pool":
                    op: nn.Module = nn.MaxPool2d(kernel_size=2, stride=2)
                else:
                    op = Cell(cell, c_in, c_out)
                    if not self._is_meta:  # meta tensors have no values to draw
                        init_weights(op)
                self.edges[2 + i, 3 + i]["op"] = op
        self._built = True

    def set_spec(self, spec: Any, dataset_api: Any = None) -> None:
        """Choose and build the cell: a ``{"matrix", "ops"}`` dict, NASLib's tuple (or its
        text), a ``(matrix, ops)`` pair, or a NAS-Bench-101 hash when ``dataset_api`` (the
        ``nasbench101`` benchmark) knows its spec. Invalid cells raise ``ArchitectureError``
        naming the rule (see :mod:`nasplug_nb101.spec`)."""
        if S.is_hash(spec) and dataset_api is not None and hasattr(dataset_api, "spec_of"):
            spec = dataset_api.spec_of(spec)
        self._assign(S.parse_spec(spec))
        self.parse()

    def get_spec(self) -> dict[str, list]:
        """NASLib's spec: ``{"matrix": 7x7 lists, "ops": 7 op names}``."""
        return self._cell().spec()

    def _cell(self) -> S.Cell:
        if self.cell_spec is None:
            raise ArchitectureError(
                "no architecture chosen yet: call set_spec(...) or sample_random_architecture() first")
        return self.cell_spec

    def get_hash(self) -> tuple[int, ...]:
        """NASLib's ``get_hash``: the 56-number tuple (``convert_spec_to_tuple``)."""
        return self._cell().naslib_tuple()

    def get_nb101_hash(self) -> str:
        """NAS-Bench-101's isomorphism-invariant hash (``ModelSpec.hash_spec``)."""
        return self._cell().hash()

    def get_arch_str(self) -> str:
        """The canonical text: NASLib's tuple as Python text."""
        return self._cell().arch_str()

    def _random_spec(self, rng: random.Random) -> S.Cell:
        return S.random_cell(rng)

    def mutate(self, parent: Any = None, dataset_api: Any = None, seed: int | None = None,
               rng: random.Random | None = None) -> None:
        """Set this graph to a mutation of ``parent`` (a graph or spec; default: itself)."""
        source = self if parent is None else parent
        if rng is None:
            rng = random.Random(seed) if seed is not None else random._inst  # type: ignore[attr-defined]
        self.set_spec(S.mutate(S.parse_spec(source), rng=rng))

    def get_nbhd(self, dataset_api: Any = None, seed: int | None = None,
                 rng: random.Random | None = None) -> list["NasBench101SearchSpace"]:
        """Every valid cell one edit away (:func:`nasplug_nb101.spec.neighbours`) as new graphs
        that build their network on ``parse()``; shuffled when a seed/rng is given."""
        cells = S.neighbours(self._cell())
        if rng is not None or seed is not None:
            (rng or random.Random(seed)).shuffle(cells)
        out = []
        for cell in cells:
            g = self._empty_copy()
            g._assign(cell)
            out.append(g)
        return out

    def get_arch_iterator(self, dataset_api: Any = None):
        """The labelled cells of ``dataset_api`` (NASLib iterates NAS-Bench-101's hashes too:
        the 423k-cell space is not enumerated here)."""
        if dataset_api is None:
            raise NasplugError("NAS-Bench-101's get_arch_iterator needs dataset_api="
                               "nasplug.get_dataset_api('nasbench101', 'cifar10') (its labelled cells)")
        return iter(dataset_api.architectures())

    def get_type(self) -> str:
        return "nasbench101"

    def cell_graph(self) -> nx.DiGraph:
        """The pruned cell as a networkx DAG: nodes 0..V-1 with ``op`` and ``channels`` (in the
        first stack) attributes."""
        cell = self._cell()
        g = nx.DiGraph()
        channels = S.vertex_channels(STEM_CHANNELS, STEM_CHANNELS, cell.pruned_matrix)
        for v, op in enumerate(cell.pruned_ops):
            g.add_node(v, op=op, channels=channels[v])
        n = cell.num_vertices
        g.add_edges_from((u, v) for u in range(n) for v in range(n) if cell.pruned_matrix[u][v])
        return g

    # -- copies -----------------------------------------------------------------------------
    def _empty_copy(self) -> "NasBench101SearchSpace":
        """A copy with this graph's stem and head weights and no cells."""
        import copy

        saved = [(2 + i, 3 + i, self.edges[2 + i, 3 + i]["op"]) for i in range(len(_LAYOUT))]
        modules = dict(self._modules)
        plan, chain = self._eval_plan, self._chain
        try:
            for u, v, _ in saved:
                self.edges[u, v]["op"] = None
            self._modules.clear()
            self._eval_plan = self._chain = None
            g = copy.deepcopy(self)
        finally:
            for u, v, op in saved:
                self.edges[u, v]["op"] = op
            self._modules.update(modules)
            self._eval_plan, self._chain = plan, chain
        g.cell_spec = None
        g._built = False
        return g

    def build(self, spec: Any) -> "NasBench101SearchSpace":
        """A new parsed network for ``spec``, leaving this graph as it is (copies only stem and head)."""
        g = self._empty_copy()
        g.set_spec(spec)
        return g

    # -- PyTorch ----------------------------------------------------------------------------
    def _unparse(self) -> None:
        self._modules.clear()
        self._eval_plan = None
        self._chain = None

    def parse(self) -> "NasBench101SearchSpace":
        if self.cell_spec is None:
            raise ArchitectureError("no architecture chosen yet: call set_spec(...) or "
                                    "sample_random_architecture() before parse()")
        if not self._built:
            self._build()
        super().parse()
        self._chain = tuple(self.edges[u, u + 1]["op"] for u in range(1, HEAD_EDGE[1]))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._chain is None:
            self.parse()
        for module in self._chain:
            x = module(x)
        return x

    def static_stats(self, input_shape: tuple[int, ...]) -> dict[str, int] | None:
        """``{"params", "flops"}`` by ``nasplug.counting``'s rules from the skeleton and the
        cell's spec alone: no forward pass, and the cells need not be built (a graph from
        ``get_nbhd`` counts without allocating its network). ``None`` (use the forward pass)
        for inputs other than N x 3 x H x W."""
        if len(input_shape) != 4 or input_shape[1] != 3:
            return None
        cell = self._cell()
        stem = self.edges[STEM_EDGE]["op"]
        head = self.edges[HEAD_EDGE]["op"]
        params, flops, shape = sequence_stats(stem, tuple(input_shape))
        for kind, c_in, c_out in _LAYOUT:
            if kind == "pool":
                p, f, shape = sequence_stats(_POOL, shape)
            else:
                p, f, shape = cell_stats(cell.pruned_matrix, cell.pruned_ops, c_in, c_out, shape)
            params += p
            flops += f
        p, f, _ = sequence_stats(head, (shape[0], shape[1]))
        return {"params": params + p, "flops": flops + f}


#: the (parameter-free) downsampling layer, for counting
_POOL = nn.MaxPool2d(kernel_size=2, stride=2)
