"""Spec-level search domains for the built-in search spaces (no torch).

Proposing an architecture through a search space's Graph builds the cell's
modules (9-17 ms per NAS-Bench-201 proposal, ~150 ms on TransNAS-Bench-101);
these domains do the same operations on the spaces' published encodings
instead (microseconds), with the same semantics:

- ``nasbench201``: :mod:`nasplug_nb201.conversions`: NASLib's sampling (cells
  whose input or output is cut off by ``none`` edges are redrawn), NASLib's
  one-edge mutation, the 24 one-edge neighbours;
- ``transbench101_micro``: :mod:`nasplug_tnb101.encoding` (uniform over the
  4,096 cells, one-edge mutation, 18 neighbours);
- ``nasbench301``: the benchmark labels 1,218 cells of ~10^18 and a mutation
  almost never lands on one, so proposals are projected onto the labelled set:
  a random proposal is a uniformly random labelled cell (NASLib's
  ``load_labeled=True``), and a mutant or neighbour is replaced by the labelled
  cell nearest to it (fewest differing ``(input, op)`` pairs; ties broken by
  the generator), never the parent itself.

Any other space gets :class:`nasplug.search.GraphDomain` (its Graph API).
"""

from __future__ import annotations

from typing import Any

from nasplug.search import GraphDomain, SearchDomain, SearchTask, python_rng


class NasBench201Domain(SearchDomain):
    def __init__(self, task: SearchTask) -> None:
        super().__init__(task)
        from nasplug_nb201 import conversions

        self.conv = conversions

    def sample(self, rng: Any) -> str:
        return self.conv.op_indices_to_str(self.conv.random_op_indices(python_rng(rng)))

    def mutate(self, arch: str, rng: Any) -> str:
        return self.conv.op_indices_to_str(self.conv.mutate_op_indices(arch, python_rng(rng)))

    def neighbours(self, arch: str) -> list[str]:
        return [self.conv.op_indices_to_str(n) for n in self.conv.neighbours(arch)]


class TransBench101MicroDomain(SearchDomain):
    def __init__(self, task: SearchTask) -> None:
        super().__init__(task)
        from nasplug_tnb101 import encoding

        self.enc = encoding

    def sample(self, rng: Any) -> str:
        return self.enc.to_arch_str(self.enc.random_architecture(rng=python_rng(rng)))

    def mutate(self, arch: str, rng: Any) -> str:
        return self.enc.to_arch_str(self.enc.mutate(arch, rng=python_rng(rng)))

    def neighbours(self, arch: str) -> list[str]:
        return [self.enc.to_arch_str(n) for n in self.enc.neighbours(arch)]


class NasBench301Domain(SearchDomain):
    def __init__(self, task: SearchTask) -> None:
        super().__init__(task)
        import numpy as np
        from nasplug_nb301 import encoding

        self.enc = encoding
        self.archs = list(task.api.architectures())
        compacts = [encoding.normalize_compact(encoding.parse_arch_string(a)) for a in self.archs]
        self.by_compact = dict(zip(compacts, self.archs))
        # one row per labelled cell: 32 numbers (16 pairs of input, op)
        self.table = np.array([[v for cell in c for pair in cell for v in pair] for c in compacts])
        #: proposals replaced by their nearest labelled cell
        self.projected = 0

    def _vector(self, compact: Any):
        import numpy as np

        return np.array([v for cell in compact for pair in cell for v in pair])

    def _project(self, compact: Any, rng: Any, exclude: str | None = None) -> str:
        compact = self.enc.normalize_compact(compact)
        found = self.by_compact.get(compact)
        if found is not None and found != exclude:
            return found
        self.projected += 1
        import numpy as np

        v = self._vector(compact)
        diff = self.table.reshape(len(self.archs), -1, 2) != v.reshape(-1, 2)
        dist = diff.any(axis=2).sum(axis=1).astype(float)
        if exclude is not None:
            dist[self.archs.index(exclude)] = np.inf
        nearest = np.flatnonzero(dist == dist.min())
        return self.archs[int(nearest[int(rng.integers(len(nearest)))])]

    def sample(self, rng: Any) -> str:
        return self.archs[int(rng.integers(len(self.archs)))]

    def mutate(self, arch: str, rng: Any) -> str:
        child = self.enc.mutate_compact(self.enc.parse_arch_string(arch), python_rng(rng))
        return self._project(child, rng, exclude=arch)

    def neighbours(self, arch: str) -> list[str]:
        import numpy as np

        rng = np.random.default_rng(0)  # ties among nearest cells: a fixed, seed-free choice
        out = [self._project(n, rng, exclude=arch)
               for n in self.enc.neighbours(self.enc.parse_arch_string(arch))]
        return list(dict.fromkeys(out))


#: search-space name -> spec-level domain class
DOMAINS = {
    "nasbench201": NasBench201Domain,
    "transbench101_micro": TransBench101MicroDomain,
    "nasbench301": NasBench301Domain,
}


def domain_for(task: SearchTask) -> SearchDomain:
    """The spec-level domain of ``task``'s search space, else a :class:`GraphDomain`."""
    cls = DOMAINS.get(task.search_space)
    return cls(task) if cls is not None else GraphDomain(task)


__all__ = ["DOMAINS", "NasBench201Domain", "NasBench301Domain", "TransBench101MicroDomain",
           "domain_for"]
