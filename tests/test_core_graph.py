"""The core Graph: a torch Module that is also a networkx DiGraph."""

from __future__ import annotations

import random

import networkx as nx
import pytest
import torch
from torch import nn

import nasplug
from nasplug import Graph
from nasplug.errors import ArchitectureError

OPS = [nn.Identity, lambda: nn.Conv2d(2, 2, 1, bias=False), lambda: nn.AvgPool2d(3, 1, 1)]


class TinySpace(Graph):
    """Three-node cell; each edge picks one of OPS (spec = tuple of op indices)."""

    def __init__(self):
        super().__init__("tiny")
        self.add_edges_from([(1, 2), (1, 3), (2, 3)])
        for e in self.edges:
            self.edges[e]["op"] = [make() for make in OPS]
        self._spec = None

    def _random_spec(self, rng):
        return tuple(rng.randrange(len(OPS)) for _ in range(3))

    def set_spec(self, spec):
        if len(spec) != 3 or not all(0 <= i < len(OPS) for i in spec):
            raise ArchitectureError(f"bad spec {spec!r}")
        for e, i in zip(sorted(self.edges), spec):
            self.edges[e]["op"] = self.edges[e]["op"][i]
        self._spec = tuple(spec)

    def get_hash(self):
        return self._spec


def test_graph_is_module_and_digraph():
    g = Graph("cell")
    assert isinstance(g, nn.Module) and isinstance(g, nx.DiGraph)
    g.add_edges_from([(1, 2), (2, 3)])
    assert list(g.nodes()) == [1, 2, 3] and list(g.edges()) == [(1, 2), (2, 3)]
    assert repr(g) == "Graph cell, scope None, 3 nodes"
    assert bool(Graph())  # an empty graph is still a truthy object


def test_parse_forward_backward_and_clone_independence():
    space = TinySpace()
    g = space.clone()
    g.sample_random_architecture(seed=3)
    assert isinstance(space.edges[1, 2]["op"], list)  # sampling the clone left the space alone
    g.parse()
    x = torch.randn(2, 2, 4, 4, requires_grad=True)
    y = g(x)
    y.sum().backward()
    assert y.shape == x.shape and x.grad is not None
    names = [n for n, _ in g.named_children()]
    assert names == ["edge_1_2", "edge_1_3", "edge_2_3"]


def test_forward_sums_predecessors():
    g = Graph()
    g.add_edges_from([(1, 2), (1, 3), (2, 3)])
    for e in g.edges:
        g.edges[e]["op"] = nn.Identity()
    x = torch.ones(1, 1)
    assert g(x).item() == 2.0  # node 3 = x (via 1->3) + x (via 2)


def test_seeded_sampling_is_reproducible():
    specs = []
    for _ in range(2):
        g = TinySpace()
        g.sample_random_architecture(seed=11)
        specs.append(g.get_hash())
    assert specs[0] == specs[1]
    g = TinySpace()
    g.sample_random_architecture(rng=random.Random(11))
    assert g.get_hash() == specs[0]


def test_parse_before_sampling_is_a_clear_error():
    with pytest.raises(ArchitectureError, match="candidate ops"):
        TinySpace().parse()


def test_query_needs_a_dataset_api():
    with pytest.raises(nasplug.NasplugError, match="dataset_api"):
        TinySpace().query(nasplug.Metric.VAL_ACCURACY)


def test_metric_parse():
    assert nasplug.Metric.parse("val_accuracy") is nasplug.Metric.VAL_ACCURACY
    assert nasplug.Metric.parse("Metric.TEST_ACCURACY") is nasplug.Metric.TEST_ACCURACY
    with pytest.raises(nasplug.NasplugError, match="valid metrics"):
        nasplug.Metric.parse("accuracy_at_dawn")


def test_lazy_class_defers_import():
    from nasplug.lazy import LazyClass

    lazy = LazyClass("fractions:Fraction", name="frac", datasets=("q",))
    assert lazy.name == "frac" and lazy._loaded is None
    assert lazy(1, 2) == 0.5
    with pytest.raises(ValueError):
        LazyClass("no-colon")
