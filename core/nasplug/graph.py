"""``Graph``: a ``torch.nn.Module`` that is also a ``networkx.DiGraph``.

A search space is a Graph whose edges hold, under the ``"op"`` key, either a
module, a list of candidate modules (before an architecture is chosen) or a
nested Graph (a cell). ``parse()`` registers the chosen modules as submodules in
topological order and precomputes the evaluation order, so ``forward`` walks a
plain list instead of the networkx structure.

Search spaces subclass Graph and provide ``get_hash``, ``set_spec`` and
``_random_spec``; they may override ``forward`` with a compiled network.
"""

from __future__ import annotations

import copy
import random
from typing import Any, Sequence

import networkx as nx
import torch
from torch import nn

from .errors import ArchitectureError, NasplugError


class Graph(nn.Module, nx.DiGraph):
    """Architecture graph and PyTorch module in one object (NASLib's ``Graph``)."""

    #: the dataset/task the network is built for; set by search spaces
    dataset: str | None = None

    def __init__(self, name: str | None = None, scope: str | None = None) -> None:
        nn.Module.__init__(self)
        nx.DiGraph.__init__(self)
        self.name = name or "graph"
        self.scope = scope
        self._eval_plan: list | None = None

    # Both bases define equality as identity; keep modules hashable.
    __hash__ = nn.Module.__hash__

    def __repr__(self) -> str:
        return f"Graph {self.name}, scope {self.scope}, {self.number_of_nodes()} nodes"

    __str__ = __repr__

    def __bool__(self) -> bool:  # nx.Graph would make an empty graph falsy
        return True

    # -- structure --------------------------------------------------------
    @property
    def input_node(self):
        sources = [n for n in self.nodes if self.in_degree(n) == 0]
        if len(sources) != 1:
            raise NasplugError(f"{self!r} needs exactly one input node, found {sources}")
        return sources[0]

    @property
    def output_node(self):
        sinks = [n for n in self.nodes if self.out_degree(n) == 0]
        if len(sinks) != 1:
            raise NasplugError(f"{self!r} needs exactly one output node, found {sinks}")
        return sinks[0]

    def cells(self) -> list["Graph"]:
        """Nested Graphs held on edges, in topological edge order."""
        return [data["op"] for _, _, data in self._ordered_edges() if isinstance(data.get("op"), Graph)]

    def _ordered_edges(self):
        order = {n: i for i, n in enumerate(nx.topological_sort(self))}
        return sorted(self.edges(data=True), key=lambda e: (order[e[1]], order[e[0]]))

    # -- NASLib API -------------------------------------------------------
    def clone(self) -> "Graph":
        """A deep copy: sampling or parsing the clone leaves this graph as it is."""
        return copy.deepcopy(self)

    def get_hash(self) -> tuple:
        """The compact architecture encoding (search-space specific)."""
        raise NotImplementedError(f"{type(self).__name__} does not define an encoding")

    def set_spec(self, spec: Any) -> None:
        """Choose the architecture from a compact tuple or the official string."""
        raise NotImplementedError(f"{type(self).__name__} does not define set_spec")

    def _random_spec(self, rng: random.Random) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define random sampling")

    def sample_random_architecture(self, dataset_api: Any = None, seed: int | None = None,
                                   rng: random.Random | None = None) -> None:
        """Choose a uniformly random architecture.

        ``seed`` or ``rng`` make it reproducible; with neither, Python's global
        ``random`` state is used (as NASLib does). ``dataset_api`` is accepted
        for NASLib compatibility and ignored.
        """
        if rng is None:
            rng = random.Random(seed) if seed is not None else random._inst  # type: ignore[attr-defined]
        self.set_spec(self._random_spec(rng))

    def query(self, metric: Any = None, dataset: str | None = None, dataset_api: Any = None, **kwargs) -> Any:
        """Ask a benchmark (``nasplug.get_dataset_api(...)``) about this architecture."""
        if dataset_api is None:
            raise NasplugError("query needs dataset_api=nasplug.get_dataset_api(search_space, dataset)")
        from .metrics import Metric

        metric = Metric.VAL_ACCURACY if metric is None else metric
        return dataset_api.query(self, metric=metric, dataset=dataset or self.dataset, **kwargs)

    def get_loss_fn(self) -> nn.Module:
        """The task's training loss (cross-entropy unless the search space says otherwise)."""
        return nn.CrossEntropyLoss()

    # -- building the PyTorch module ---------------------------------------
    def parse(self) -> "Graph":
        """Register the chosen ops as submodules and plan the forward pass."""
        plan = []
        for u, v, data in self._ordered_edges():
            op = data.get("op")
            if isinstance(op, (list, tuple)):
                raise ArchitectureError(
                    f"edge {(u, v)} of {self!r} still holds {len(op)} candidate ops; "
                    "call sample_random_architecture() or set_spec() before parse()")
            if op is None:
                raise ArchitectureError(f"edge {(u, v)} of {self!r} holds no op")
            if isinstance(op, Graph):
                op.parse()
            self.add_module(f"edge_{u}_{v}", op)
        order = list(nx.topological_sort(self))
        for node in order[1:]:
            preds = [(u, self.edges[u, node]["op"]) for u in self.predecessors(node)]
            plan.append((node, preds, self.nodes[node].get("comb_op")))
        self._eval_plan = plan
        self._input = order[0]
        self._output = order[-1]
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._eval_plan is None:
            self.parse()
        values = {self._input: x}
        for node, preds, comb in self._eval_plan:
            inputs = [op(values[u]) for u, op in preds]
            if comb is not None:
                values[node] = comb(inputs)
            else:
                out = inputs[0]
                for t in inputs[1:]:
                    out = out + t
                values[node] = out
        return values[self._output]


def set_candidate_ops(graph: nx.DiGraph, edges: Sequence[tuple], make_ops) -> None:
    """Put a fresh list of candidate ops on each of ``edges`` (``make_ops(u, v)``)."""
    for u, v in edges:
        graph.edges[u, v]["op"] = make_ops(u, v)
