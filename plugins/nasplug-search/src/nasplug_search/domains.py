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
- ``nasbench301``: NASLib's sampling and mutation of the compact genotype.

Where the benchmark labels only part of the space (NAS-Bench-301's 1,218 of
~10^18 cells, NAS-Bench-360 tasks' ~200) proposals are projected onto the
labelled cells (:class:`SpecDomain`).

Any other space gets :class:`nasplug.search.GraphDomain` (its Graph API).
"""

from __future__ import annotations

from typing import Any

from nasplug.search import GraphDomain, SearchDomain, SearchTask, python_rng


class SpecDomain(SearchDomain):
    """A domain on a space's encoding, projected onto the benchmark's labelled cells.

    Subclasses give ``space_size``, ``encode(arch) -> tuple of ints`` and the raw
    ``_sample``/``_mutate``/``_neighbours`` on canonical strings. When the
    benchmark labels every cell of the space, proposals pass through unchanged.
    When it labels only some (NAS-Bench-301's 1,218 cells, the NAS-Bench-360
    tasks' ~200), a random proposal is a uniformly random labelled cell (NASLib's
    ``load_labeled=True``) and a mutant or neighbour that is not labelled is
    replaced by the labelled cell nearest to it (fewest differing positions of
    the encoding; ties drawn with the generator, a fixed one for neighbours),
    never the parent itself; ``projected`` counts those replacements.
    """

    space_size: float = float("inf")

    def __init__(self, task: SearchTask) -> None:
        super().__init__(task)
        self.archs = list(task.api.architectures())
        self.partial = len(self.archs) < self.space_size
        self.projected = 0
        self._table = None

    # raw operations, on canonical strings
    def encode(self, arch: str) -> tuple:
        raise NotImplementedError

    def _sample(self, rng: Any) -> str:
        raise NotImplementedError

    def _mutate(self, arch: str, rng: Any) -> str:
        raise NotImplementedError

    def _neighbours(self, arch: str) -> list[str]:
        return []

    # projected operations
    def _project(self, arch: str, rng: Any, exclude: str | None = None) -> str:
        if self.labelled(arch) and arch != exclude:
            return arch
        import numpy as np

        if self._table is None:
            self._table = np.array([self.encode(a) for a in self.archs])
        self.projected += 1
        dist = (self._table != np.array(self.encode(arch))).sum(axis=1).astype(float)
        if exclude is not None and self.labelled(exclude):
            dist[self.archs.index(exclude)] = np.inf
        nearest = np.flatnonzero(dist == dist.min())
        return self.archs[int(nearest[int(rng.integers(len(nearest)))])]

    def sample(self, rng: Any) -> str:
        if self.partial:
            return self.archs[int(rng.integers(len(self.archs)))]
        return self._sample(rng)

    def mutate(self, arch: str, rng: Any) -> str:
        child = self._mutate(arch, rng)
        return self._project(child, rng, exclude=arch) if self.partial else child

    def neighbours(self, arch: str) -> list[str]:
        found = self._neighbours(arch)
        if not self.partial:
            return found
        import numpy as np

        rng = np.random.default_rng(0)  # ties among nearest cells: a fixed, seed-free choice
        return list(dict.fromkeys(self._project(n, rng, exclude=arch) for n in found))


class NasBench201Domain(SpecDomain):
    space_size = 15625

    def __init__(self, task: SearchTask) -> None:
        from nasplug_nb201 import conversions

        self.conv = conversions
        super().__init__(task)

    def encode(self, arch: str) -> tuple:
        return self.conv.to_op_indices(arch)

    def _sample(self, rng: Any) -> str:
        return self.conv.op_indices_to_str(self.conv.random_op_indices(python_rng(rng)))

    def _mutate(self, arch: str, rng: Any) -> str:
        return self.conv.op_indices_to_str(self.conv.mutate_op_indices(arch, python_rng(rng)))

    def _neighbours(self, arch: str) -> list[str]:
        return [self.conv.op_indices_to_str(n) for n in self.conv.neighbours(arch)]


class TransBench101MicroDomain(SpecDomain):
    space_size = 4096

    def __init__(self, task: SearchTask) -> None:
        from nasplug_tnb101 import encoding

        self.enc = encoding
        super().__init__(task)

    def encode(self, arch: str) -> tuple:
        return self.enc.parse_arch(arch)

    def _sample(self, rng: Any) -> str:
        return self.enc.to_arch_str(self.enc.random_architecture(rng=python_rng(rng)))

    def _mutate(self, arch: str, rng: Any) -> str:
        return self.enc.to_arch_str(self.enc.mutate(arch, rng=python_rng(rng)))

    def _neighbours(self, arch: str) -> list[str]:
        return [self.enc.to_arch_str(n) for n in self.enc.neighbours(arch)]


class NasBench301Domain(SpecDomain):
    """DARTS cells: the benchmark labels a few of ~10^18, so proposals are always projected."""

    def __init__(self, task: SearchTask) -> None:
        from nasplug_nb301 import encoding

        self.enc = encoding
        super().__init__(task)
        compacts = [encoding.normalize_compact(encoding.parse_arch_string(a)) for a in self.archs]
        self.by_compact = dict(zip(compacts, self.archs))

    def _string(self, compact: Any) -> str:
        compact = self.enc.normalize_compact(compact)
        return self.by_compact.get(compact) or self.enc.compact_to_str(compact)

    def encode(self, arch: str) -> tuple:
        compact = self.enc.normalize_compact(self.enc.parse_arch_string(arch))
        return tuple(v for cell in compact for pair in cell for v in pair)

    def _sample(self, rng: Any) -> str:
        return self._string(self.enc.random_compact(python_rng(rng)))

    def _mutate(self, arch: str, rng: Any) -> str:
        return self._string(self.enc.mutate_compact(self.enc.parse_arch_string(arch), python_rng(rng)))

    def _neighbours(self, arch: str) -> list[str]:
        return [self._string(n) for n in self.enc.neighbours(self.enc.parse_arch_string(arch))]


class TransBench101MacroDomain(SpecDomain):
    """TransNAS-Bench-101 macro skeletons (every one of the 3,256 is labelled)."""

    space_size = 3256

    def __init__(self, task: SearchTask) -> None:
        from nasplug_tnb101 import macro_encoding

        self.enc = macro_encoding
        super().__init__(task)

    def encode(self, arch: str) -> tuple:
        return self.enc.to_op_indices(arch)

    def _sample(self, rng: Any) -> str:
        return self.enc.to_arch_str(self.enc.random_architecture(rng=python_rng(rng)))

    def _mutate(self, arch: str, rng: Any) -> str:
        return self.enc.to_arch_str(self.enc.mutate(arch, rng=python_rng(rng)))

    def _neighbours(self, arch: str) -> list[str]:
        return [self.enc.to_arch_str(n) for n in self.enc.neighbours(arch)]


class NasBench101Domain(SpecDomain):
    """NAS-Bench-101 cells in NASLib's tuple form; the benchmark labels a subset, so
    proposals are projected onto it (distance: differing positions of the tuple)."""

    def __init__(self, task: SearchTask) -> None:
        from nasplug_nb101 import spec

        self.spec = spec
        super().__init__(task)
        self.by_tuple = {spec.to_naslib_tuple(a): a for a in self.archs}

    def _string(self, cell: Any) -> str:
        key = self.spec.to_naslib_tuple(cell)
        return self.by_tuple.get(key) or str(key)

    def encode(self, arch: str) -> tuple:
        return self.spec.to_naslib_tuple(arch)

    def _sample(self, rng: Any) -> str:
        return self._string(self.spec.random_cell(python_rng(rng)))

    def _mutate(self, arch: str, rng: Any) -> str:
        return self._string(self.spec.mutate(arch, rng=python_rng(rng)))

    def _neighbours(self, arch: str) -> list[str]:
        return [self._string(n) for n in self.spec.neighbours(arch)]


#: search-space name -> spec-level domain class
DOMAINS = {
    "nasbench201": NasBench201Domain,
    "transbench101_micro": TransBench101MicroDomain,
    "nasbench301": NasBench301Domain,
    "transbench101_macro": TransBench101MacroDomain,
    "nasbench101": NasBench101Domain,
}


def domain_for(task: SearchTask) -> SearchDomain:
    """The spec-level domain of ``task``'s search space, else a :class:`GraphDomain`."""
    cls = DOMAINS.get(task.search_space)
    return cls(task) if cls is not None else GraphDomain(task)


__all__ = ["DOMAINS", "NasBench201Domain", "NasBench301Domain", "SpecDomain", "TransBench101MicroDomain",
           "domain_for"]
