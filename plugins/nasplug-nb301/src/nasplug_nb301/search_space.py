"""``NasBench301SearchSpace``: the DARTS cell search space as a :class:`nasplug.Graph`.

The graph structure mirrors NASLib's ``NasBench301SearchSpace``:

- the macro graph: node 1 (input), node 2 (stem), nodes 3..(2+layers) the cells
  (node attribute ``cell`` is ``"normal"`` or ``"reduction"``, ``subgraph`` the
  cell graph, ``inputs`` the two macro nodes it reads, ``channels`` its width),
  the last node the logits; edges are the data flow between them;
- two cell graphs, :attr:`normal_cell` and :attr:`reduction_cell` (shared by all
  cells of a type, as in DARTS), with nodes 0, 1 (inputs), 2..5 (intermediate)
  and 6 (output, concatenation). Before an architecture is chosen every edge
  ``(j, i)``, ``j < i <= 5``, holds the list of candidate op names under
  ``"op"``; after :meth:`set_spec` only the 8 chosen edges remain, each with
  its op name and ``op_index``.

:meth:`parse` compiles the chosen architecture into plain PyTorch modules
(:class:`nasplug_nb301.network.DartsNetwork`): the forward pass never walks the
networkx structure. Nothing is built for candidate ops, so building a network
costs only its own 8 x 8 ops.
"""

from __future__ import annotations

import copy
import random
from typing import Any, Iterator

import networkx as nx
import torch
from torch import nn

from nasplug.errors import ArchitectureError, NasplugError
from nasplug.graph import Graph

from . import encoding as enc
from .network import DEFAULT_CHANNELS, DEFAULT_LAYERS, STEM_MULTIPLIER, DartsNetwork

#: NAS-Bench-Suite-Zero's NAS-Bench-360 tasks: dataset -> (classes, (channels, height, width)),
#: as NASLib builds the network for them (``dataset_n_classes`` / ``dataset_to_channels`` in
#: ``naslib/search_spaces/__init__.py``, no auxiliary head): the stem reads ``channels``
NB360_DATASETS = {"svhn": (10, (3, 32, 32)), "ninapro": (18, (1, 16, 52)), "scifar100": (100, (3, 60, 60))}
DATASETS = ("cifar10", *NB360_DATASETS)
NUM_CLASSES = {"cifar10": 10, **{name: spec[0] for name, spec in NB360_DATASETS.items()}}
#: dataset -> shape of one input (channels, height, width)
INPUT_SHAPES = {"cifar10": (3, 32, 32), **{name: spec[1] for name, spec in NB360_DATASETS.items()}}
#: macro-graph scopes, NASLib's names
OPTIMIZER_SCOPE = ["n_stage_1", "n_stage_2", "n_stage_3", "r_stage_1", "r_stage_2"]


class CandidateOps(list):
    """Candidate op names on a cell edge before an architecture is chosen."""


def _cell_graph(name: str) -> nx.DiGraph:
    cell = nx.DiGraph(name=name)
    cell.add_nodes_from(range(2 + enc.NUM_INTERMEDIATE_NODES + 1))
    for node in range(2, 2 + enc.NUM_INTERMEDIATE_NODES):
        for node_in in range(node):
            cell.add_edge(node_in, node, op=CandidateOps(enc.OPS))
        cell.add_edge(node, 6, op="concat")
    return cell


class NasBench301SearchSpace(Graph):
    """The DARTS / NAS-Bench-301 search space (Liu et al. 2019; Siems et al. 2020).

    ``NasBench301SearchSpace()`` builds NAS-Bench-Suite-Zero's scoring network
    (``C=32``: stages of 32, 64, 128 channels; 8 cells; stem multiplier 3; 10
    classes; no auxiliary head). ``C=16`` gives NASLib's current network.
    Suite-Zero's NAS-Bench-360 tasks (:data:`NB360_DATASETS`) set the stem's
    input channels and the classes as NASLib does: ``svhn`` 3x32x32 / 10,
    ``ninapro`` 1x16x52 / 18, ``scifar100`` 3x60x60 / 100.
    Architectures: :meth:`set_spec` takes the compact form, its canonical
    string, a DARTS ``Genotype`` or a NAS-Bench-301 configuration dict.
    """

    name = "nasbench301"
    datasets = DATASETS
    description = "DARTS / NAS-Bench-301 cell search space (normal + reduction cell)"
    OPTIMIZER_SCOPE = list(OPTIMIZER_SCOPE)
    QUERYABLE = True

    def __init__(self, n_classes: int | None = None, dataset: str | None = "cifar10",
                 C: int = DEFAULT_CHANNELS, layers: int = DEFAULT_LAYERS,
                 stem_multiplier: int = STEM_MULTIPLIER, in_channels: int | None = None) -> None:
        super().__init__(name="makrograph", scope=None)
        if dataset is not None and dataset not in DATASETS:
            raise NasplugError(f"NAS-Bench-301 has no dataset {dataset!r}; valid: {', '.join(DATASETS)}")
        if n_classes is None:
            n_classes = NUM_CLASSES[dataset or "cifar10"]
        if int(C) < 1 or int(layers) < 3:
            raise NasplugError(f"NAS-Bench-301 network needs C >= 1 and layers >= 3, got C={C}, layers={layers}")
        self.dataset = dataset
        self.num_classes = int(n_classes)
        self.C, self.layers = int(C), int(layers)
        shape = INPUT_SHAPES[dataset or "cifar10"]
        if in_channels is None:
            in_channels = shape[0]
        self.stem_multiplier, self.in_channels = int(stem_multiplier), int(in_channels)
        #: one input image, (channels, height, width)
        self.input_shape = (self.in_channels, *shape[1:])
        self.space_name = "nasbench301"
        self.compact: tuple | None = None
        self.network: DartsNetwork | None = None
        self._build_structure()

    def _options(self) -> dict:
        return dict(n_classes=self.num_classes, dataset=self.dataset, C=self.C, layers=self.layers,
                    stem_multiplier=self.stem_multiplier, in_channels=self.in_channels)

    def _build_structure(self) -> None:
        self.normal_cell = _cell_graph("normal_cell")
        self.reduction_cell = _cell_graph("reduction_cell")
        reductions = (self.layers // 3, 2 * self.layers // 3)
        first, last = 3, 3 + self.layers - 1
        self.add_node(1)
        self.add_node(2)
        self.add_edge(1, 2, role="stem")
        width, stage = self.C, 1
        for k in range(self.layers):
            node = first + k
            reduction = k in reductions
            if reduction:
                width, stage = width * 2, stage + 1
            inputs = (max(node - 2, 2), node - 1)
            self.add_node(node, cell="reduction" if reduction else "normal", channels=width,
                          subgraph=self.reduction_cell if reduction else self.normal_cell, inputs=inputs)
            for u in sorted(set(inputs)):
                self.add_edge(u, node, role="cell input")
        self.add_node(last + 1)
        self.add_edge(last, last + 1, role="head")

    # -- representations ----------------------------------------------------
    def get_hash(self) -> tuple:
        """The compact form ``(normal, reduce)`` of the chosen architecture."""
        if self.compact is None:
            raise ArchitectureError(
                "no architecture chosen yet: call set_spec(...) or sample_random_architecture() first")
        return self.compact

    get_compact = get_hash

    def get_arch_string(self) -> str:
        """The canonical string (the ``compact`` column of ``nb301_labeled.csv``)."""
        return enc.compact_to_str(self.get_hash())

    def get_genotype(self) -> enc.Genotype:
        return enc.compact_to_genotype(self.get_hash())

    def get_config(self) -> dict:
        return enc.compact_to_config(self.get_hash())

    def set_spec(self, spec: Any, dataset_api: Any = None) -> None:
        """Choose the architecture: compact form, canonical string, Genotype,
        NAS-Bench-301 configuration or another NasBench301SearchSpace.

        May be called again: each call drops a previous :meth:`parse`.
        """
        if isinstance(spec, NasBench301SearchSpace):
            spec = spec.get_hash()
        compact = enc.to_compact(spec)
        self._unparse()
        for cell_graph, pairs in ((self.normal_cell, compact[0]), (self.reduction_cell, compact[1])):
            chosen = {}
            for k, (node_in, op) in enumerate(pairs):
                chosen[(node_in, k // 2 + 2)] = op
            for u, v, data in list(cell_graph.edges(data=True)):
                if v == 6:
                    continue
                if (u, v) in chosen:
                    data["op"] = enc.OPS[chosen[(u, v)]]
                    data["op_index"] = chosen[(u, v)]
                else:
                    cell_graph.remove_edge(u, v)
            for (u, v), op in chosen.items():  # a re-spec after edges were removed
                if not cell_graph.has_edge(u, v):
                    cell_graph.add_edge(u, v, op=enc.OPS[op], op_index=op)
        self.compact = compact

    set_compact = set_spec

    def _random_spec(self, rng: random.Random) -> tuple:
        return enc.random_compact(rng)

    def sample_random_architecture(self, dataset_api: Any = None, seed: int | None = None,
                                   rng: random.Random | None = None, load_labeled: bool = False) -> None:
        """A uniformly random cell pair; with ``load_labeled=True`` (NASLib's option) a
        random labelled cell of ``dataset_api`` instead."""
        if not load_labeled:
            return super().sample_random_architecture(dataset_api, seed=seed, rng=rng)
        if dataset_api is None:
            raise NasplugError("load_labeled=True needs dataset_api=nasplug.get_dataset_api('nasbench301', 'cifar10')")
        rng = rng or (random.Random(seed) if seed is not None else random._inst)  # type: ignore[attr-defined]
        self.set_spec(rng.choice(dataset_api.architectures()))

    def get_type(self) -> str:
        return "nasbench301"

    def mutate(self, parent: Any = None, mutation_rate: int = 1, dataset_api: Any = None,
               seed: int | None = None, rng: random.Random | None = None) -> None:
        """Set this graph to ``parent`` (default: itself) with ``mutation_rate``
        random changes of an op or an input node (NASLib's mutation)."""
        rng = rng or (random.Random(seed) if seed is not None else random._inst)  # type: ignore[attr-defined]
        if parent is None:
            base = self.get_hash()
        elif isinstance(parent, NasBench301SearchSpace):
            base = parent.get_hash()
        else:
            base = enc.to_compact(parent)
        self.set_spec(enc.mutate_compact(base, rng, mutation_rate))

    def get_nbhd(self, dataset_api: Any = None, seed: int | None = None,
                 rng: random.Random | None = None) -> list["NasBench301SearchSpace"]:
        """Every one-change neighbour as a new, unparsed graph (shuffled with a seed/rng)."""
        specs = enc.neighbours(self.get_hash())
        if rng is not None or seed is not None:
            (rng or random.Random(seed)).shuffle(specs)
        out = []
        for spec in specs:
            g = type(self)(**self._options())
            g.set_spec(spec)
            out.append(g)
        return out

    def get_arch_iterator(self, dataset_api: Any = None) -> Iterator[tuple]:
        """The labelled architectures of ``dataset_api`` (a NAS-Bench-301 benchmark) as compact forms."""
        if dataset_api is None:
            raise NasplugError("get_arch_iterator needs dataset_api=nasplug.get_dataset_api('nasbench301', 'cifar10')")
        return (enc.parse_arch_string(s) for s in dataset_api.architectures())

    # -- copies and networks --------------------------------------------------
    def clone(self) -> "NasBench301SearchSpace":
        """An independent copy. Unparsed graphs are rebuilt from their options
        (cheap: no modules exist yet); parsed ones are deep-copied, weights included."""
        if self.network is not None:
            return copy.deepcopy(self)
        g = type(self)(**self._options())
        if self.compact is not None:
            g.set_spec(self.compact)
        return g

    def build(self, spec: Any) -> "NasBench301SearchSpace":
        """A new parsed graph for ``spec``, leaving this one as it is
        (``g = self.clone(); g.set_spec(spec); g.parse()``)."""
        g = type(self)(**self._options())
        g.set_spec(spec)
        return g.parse()

    def _unparse(self) -> None:
        self._modules.clear()
        self.network = None
        self._eval_plan = None

    def parse(self) -> "NasBench301SearchSpace":
        """Build the network of the chosen architecture (plain modules) and register it."""
        if self.compact is None:
            raise ArchitectureError(
                "the NAS-Bench-301 cells still hold all candidate ops; call set_spec() or "
                "sample_random_architecture() before parse()")
        if self.network is None:
            self._modules.clear()
            self.network = DartsNetwork(self.compact, C=self.C, layers=self.layers,
                                        num_classes=self.num_classes, stem_multiplier=self.stem_multiplier,
                                        in_channels=self.in_channels)
        self._eval_plan = []
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.network is None:
            self.parse()
        return self.network(x)

    def get_loss_fn(self) -> nn.Module:
        return nn.CrossEntropyLoss()

    def __repr__(self) -> str:
        arch = enc.compact_to_str(self.compact) if self.compact is not None else "no architecture"
        return f"Graph {self.name} (nasbench301, C={self.C}, {self.layers} cells), {arch}"

    __str__ = __repr__
