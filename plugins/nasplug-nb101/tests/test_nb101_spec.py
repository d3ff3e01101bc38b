"""NAS-Bench-101 cells: validity rules, pruning, the hash, encodings, sampling and neighbours."""

from __future__ import annotations

import itertools
import random

import pytest

from nasplug.errors import ArchitectureError
from nasplug_nb101 import spec as S

C3, C1, MP = S.CONV3X3, S.CONV1X1, S.MAXPOOL3X3

#: NAS-Bench-101's own example (``api.py`` docstring / README: Inception-like module)
INCEPTION = {
    "matrix": [[0, 1, 1, 1, 0, 1, 0],
               [0, 0, 0, 0, 0, 0, 1],
               [0, 0, 0, 0, 0, 0, 1],
               [0, 0, 0, 0, 1, 0, 0],
               [0, 0, 0, 0, 0, 0, 1],
               [0, 0, 0, 0, 0, 0, 1],
               [0, 0, 0, 0, 0, 0, 0]],
    "ops": ["input", C1, C3, C3, C3, MP, "output"],
}
#: (spec, hash) pairs computed with NAS-Bench-101's ``ModelSpec`` + ``graph_util.hash_module``
#: (the copy distributed in nasbench-pytorch 1.3.1, identical to google-research/nasbench)
KNOWN_HASHES = [
    (INCEPTION, "28cfc7874f6d200472e1a9dcd8650aa0"),
    ({"matrix": [[0, 1, 0], [0, 0, 1], [0, 0, 0]], "ops": ["input", C3, "output"]},
     "b49ac8c578b4561d79ac7087988f1c61"),
    ({"matrix": [[0, 1], [0, 0]], "ops": ["input", "output"]}, "043721b9c7fe8c5fad811d47d83132ec"),
]


@pytest.mark.parametrize("spec,expected", KNOWN_HASHES)
def test_hash_equals_nas_bench_101(spec, expected):
    assert S.spec_hash(spec) == expected
    assert S.parse_spec(S.to_naslib_tuple(spec)).hash() == expected  # padded to 7 vertices: same cell


def test_hash_module_cases_of_nas_bench_101s_tests():
    # graph_util_test.test_hash_module: equal for isomorphic graphs, different otherwise
    diamond = [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert S.hash_module(diamond, [-1, 1, 2, -2]) == S.hash_module(diamond, [-1, 2, 1, -2])
    m1 = [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    m2 = [[0, 1, 0, 1, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    m3 = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    h1 = S.hash_module(m1, [-1, 1, 2, 3, -2])
    assert h1 == S.hash_module(m2, [-1, 2, 3, 1, -2]) == S.hash_module(m3, [-1, 2, 1, 3, -2])
    assert S.hash_module(m1, [-1, 2, 3, 1, -2]) != h1
    chain = [[0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    assert S.hash_module(chain, [-1, 1, 0, 0, -2]) != S.hash_module(chain, [-1, 0, 0, 1, -2])


def _permute(matrix, labels, perm):
    """Vertex v of the old graph becomes vertex perm[v] (NAS-Bench-101's permute_graph)."""
    n = len(labels)
    inv = [0] * n
    for old, new in enumerate(perm):
        inv[new] = old
    return ([[matrix[inv[i]][inv[j]] for j in range(n)] for i in range(n)], [labels[inv[i]] for i in range(n)])


def test_hash_invariant_under_any_vertex_permutation():
    rng = random.Random(0)
    for _ in range(200):
        cell = S.random_cell(rng)
        labels = [-1] + [S.AVAILABLE_OPS.index(op) for op in cell.pruned_ops[1:-1]] + [-2]
        perm = list(range(len(labels)))
        rng.shuffle(perm)
        pm, pl = _permute([list(r) for r in cell.pruned_matrix], labels, perm)
        assert S.hash_module(pm, pl) == cell.hash()


def test_two_encodings_of_one_cell_agree():
    # vertices 1 and 2 swapped (both still in topological order): the same network
    a = {"matrix": [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], "ops": ["input", C3, MP, "output"]}
    b = {"matrix": [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], "ops": ["input", MP, C3, "output"]}
    assert S.spec_hash(a) == S.spec_hash(b)
    assert S.to_naslib_tuple(a) != S.to_naslib_tuple(b)
    # every topological renumbering of the Inception cell's interior vertices hashes alike
    m, ops = INCEPTION["matrix"], INCEPTION["ops"]
    found = 0
    for inner in itertools.permutations(range(1, 6)):
        perm = [0, *inner, 6]
        pm, pops = _permute(m, ops, perm)
        if any(pm[i][j] for i in range(7) for j in range(i + 1)):
            continue  # not upper triangular: not a NAS-Bench-101 encoding
        found += 1
        assert S.spec_hash({"matrix": pm, "ops": pops}) == KNOWN_HASHES[0][1]
    assert found > 1
    # a different op is a different cell
    other = dict(INCEPTION, ops=["input", C3, C3, C3, C3, MP, "output"])
    assert S.spec_hash(other) != KNOWN_HASHES[0][1]


def test_pruning_as_model_spec():
    # vertex 2 is not connected to the output, vertex 3 not to the input
    matrix = [[0, 1, 1, 0, 0],
              [0, 0, 0, 0, 1],
              [0, 0, 0, 0, 0],
              [0, 0, 0, 0, 1],
              [0, 0, 0, 0, 0]]
    cell = S.make_cell(matrix, ["input", C3, C1, MP, "output"])
    assert cell.pruned_matrix == ((0, 1, 0), (0, 0, 1), (0, 0, 0))
    assert cell.pruned_ops == ("input", C3, "output")
    assert cell.hash() == KNOWN_HASHES[1][1]
    assert cell.num_vertices == 3 and cell.num_edges == 2


@pytest.mark.parametrize("matrix,ops,rule", [
    ([[0, 1, 0], [1, 0, 1], [0, 0, 0]], ["input", C3, "output"], "upper triangular"),
    ([[1, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, "output"], "upper triangular"),
    ([[0, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
     ["input", C3, C3, C3, C3, C3, "output"], "too many edges"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5x5-bn-relu", "output"], "unknown op"),
    ([[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], ["input", C3, C3, "output"], "disconnected"),
    ([[0, 0], [0, 0]], ["input", "output"], "disconnected"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3], "length of ops"),
    ([[0, 1], [0, 0, 1]], ["input", "output"], "square"),
    ([[0, 2, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, "output"], "0 or 1"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], [C3, C3, "output"], "first op"),
    ([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", C3, C3], "last op"),
])
def test_bad_cells_say_which_rule(matrix, ops, rule):
    with pytest.raises(ArchitectureError, match=rule):
        S.make_cell(matrix, ops)
    assert not S.is_valid({"matrix": matrix, "ops": ops})


def test_too_many_edges_counts_after_pruning():
    # ten edges, but vertex 4 (no path to the output) and its three in-edges are pruned
    matrix = [[0, 1, 1, 1, 0, 0, 1], [0, 0, 0, 0, 1, 0, 1], [0, 0, 0, 0, 1, 0, 1], [0, 0, 0, 0, 1, 0, 1],
              [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]]
    cell = S.make_cell(matrix, ["input", C3, C3, C3, C3, C3, "output"])
    assert sum(map(sum, matrix)) == 10 and cell.num_edges == 7 and cell.num_vertices == 5


def test_bad_tuples_and_text():
    with pytest.raises(ArchitectureError, match="56 numbers"):
        S.parse_spec((0, 1, 2))
    good = list(S.to_naslib_tuple(INCEPTION))
    with pytest.raises(ArchitectureError, match="unknown op code 7"):
        S.parse_spec(good[:-1] + [7])
    with pytest.raises(ArchitectureError, match="hash"):
        S.parse_spec(KNOWN_HASHES[0][1])
    with pytest.raises(ArchitectureError, match="malformed"):
        S.parse_spec("not a cell")
    with pytest.raises(ArchitectureError, match="'matrix' and 'ops'"):
        S.parse_spec({"matrix": [[0]]})


def test_encodings_round_trip():
    cell = S.parse_spec(INCEPTION)
    tup = cell.naslib_tuple()
    assert len(tup) == 56 and tup[49:] == (0, 3, 4, 4, 4, 2, 1)
    assert S.parse_spec(tup) == cell
    assert S.parse_spec(str(tup)) == cell  # NASLib's JSON key text
    assert S.parse_spec(cell.spec()) == cell
    assert S.parse_spec((INCEPTION["matrix"], INCEPTION["ops"])) == cell
    import json
    assert S.parse_spec(json.dumps(INCEPTION)) == cell
    import numpy as np
    assert S.parse_spec({"matrix": np.array(INCEPTION["matrix"]), "ops": INCEPTION["ops"]}) == cell
    assert S.parse_spec(np.array(tup)) == cell


def test_small_cells_pad_like_naslib_convert_to_cell():
    cell = S.parse_spec({"matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "ops": ["input", MP, "output"]})
    spec = cell.spec()
    assert len(spec["matrix"]) == 7 and spec["ops"] == ["input", MP, C3, C3, C3, C3, "output"]
    assert spec["matrix"][0][1] == 1 and spec["matrix"][0][6] == 1 and spec["matrix"][1][6] == 1
    assert S.parse_spec(spec).hash() == cell.hash()


def test_naslib_sample_keys_are_valid_and_canonical(nb101_zc):
    import json

    keys = list(json.loads(nb101_zc.read_text())["nasbench101"]["cifar10"])
    assert len(keys) == 300
    hashes = set()
    for key in keys:
        cell = S.parse_spec(key)
        assert cell.arch_str() == key
        hashes.add(cell.hash())
    # NASLib lists some cells under several encodings (isomorphic matrices, padded small cells)
    assert len(hashes) == 190


def test_seeded_sampling():
    a = [S.random_cell(seed=s) for s in range(30)]
    assert a == [S.random_cell(seed=s) for s in range(30)]
    assert len({c.hash() for c in a}) > 25
    rng = random.Random(1)
    cells = [S.random_cell(rng) for _ in range(200)]
    assert all(c.num_edges <= 9 and c.num_vertices <= 7 for c in cells)
    # the sample covers all ops and sizes
    assert {op for c in cells for op in c.pruned_ops[1:-1]} == set(S.AVAILABLE_OPS)
    assert len({c.num_vertices for c in cells}) >= 3


def test_mutate_and_neighbours():
    cell = S.parse_spec(INCEPTION)
    child = S.mutate(cell, seed=0)
    assert child == S.mutate(cell, seed=0)
    assert child.hash() != cell.hash()
    nbrs = S.neighbours(cell)
    hashes = [n.hash() for n in nbrs]
    assert len(hashes) == len(set(hashes)) and cell.hash() not in hashes
    # all 5 interior vertices are used: 5 x 2 op changes, each a different cell
    ops_changed = [n for n in nbrs if n.matrix == cell.spec()["matrix"] or
                   n.naslib_tuple()[:49] == cell.naslib_tuple()[:49]]
    assert len(ops_changed) == 10
    for n in nbrs:  # one edit away: one op or one edge
        a, b = n.naslib_tuple(), cell.naslib_tuple()
        assert sum(x != y for x, y in zip(a, b)) == 1


def test_vertex_channels_as_nas_bench_101():
    # Inception cell: vertices 1, 2, 4, 5 feed the output (4 x 32 of 128); vertex 3 feeds only vertex 4
    cell = S.parse_spec(INCEPTION)
    assert S.vertex_channels(128, 128, cell.pruned_matrix) == [128, 32, 32, 32, 32, 32, 128]
    # 3 feeding vertices: the remainder goes to the first ones; a vertex feeding two gets the max
    m = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]
    assert S.vertex_channels(128, 128, m) == [128, 43, 43, 42, 128]
    assert S.vertex_channels(128, 256, [[0, 1], [0, 0]]) == [128, 256]
