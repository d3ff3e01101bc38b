"""DARTS / NAS-Bench-301 encodings on the real rows of nb301_labeled.csv (no torch)."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from nasplug.errors import ArchitectureError, NasplugError
from nasplug_nb301 import encoding as enc

# The first row of the table, by hand: normal node 2 = max_pool(0) + dil_conv_3x3(1).
FIRST = ("[[(0, 0), (1, 5), (1, 1), (0, 1), (1, 3), (0, 3), (1, 3), (3, 2)], "
         "[(1, 0), (0, 2), (1, 3), (0, 3), (3, 0), (0, 1), (2, 0), (3, 6)]]")
P = enc.CONFIG_PREFIX


def test_first_row_in_every_representation(nb301_rows):
    assert nb301_rows[0][0] == FIRST
    compact = enc.parse_arch_string(FIRST)
    assert compact[0][:2] == ((0, 0), (1, 5)) and len(compact[1]) == 8
    geno = enc.compact_to_genotype(compact)
    assert geno.normal[:3] == [("max_pool_3x3", 0), ("dil_conv_3x3", 1), ("avg_pool_3x3", 1)]
    assert geno.reduce[-1] == ("dil_conv_5x5", 3) and geno.normal_concat == [2, 3, 4, 5]
    config = enc.compact_to_config(compact)
    # node 3 (edges 2..4) reads nodes 1 and 0: edge_normal_2 is from node 0, edge_normal_3 from node 1
    assert config[P + "edge_normal_0"] == "max_pool_3x3"
    assert config[P + "edge_normal_1"] == "dil_conv_3x3"
    assert config[P + "edge_normal_2"] == "avg_pool_3x3" and config[P + "edge_normal_3"] == "avg_pool_3x3"
    assert config[P + "inputs_node_normal_3"] == "0_1"
    assert config[P + "inputs_node_normal_5"] == "1_3"      # pairs (1, 3), (3, 2): edges 9+1, 9+3
    assert config[P + "edge_normal_12"] == "skip_connect"
    assert len(config) == 2 * (8 + 3)


def test_round_trips_on_every_real_row(nb301_rows):
    for text, _ in nb301_rows:
        compact = enc.parse_arch_string(text)
        assert enc.compact_to_str(compact) == text                       # string: exact
        assert enc.genotype_to_compact(enc.compact_to_genotype(compact)) == compact  # genotype: exact
        config = enc.compact_to_config(compact)
        back = enc.config_to_compact(config)
        assert back == enc.normalize_compact(compact)                  # config keeps no input order
        assert enc.compact_to_config(back) == config                     # config -> compact -> config: exact
        assert enc.to_compact(config) == back and enc.to_compact(text) == compact


def test_nasbench301_example_genotype_converts_like_nasbench301():
    # the genotype of nasbench301's example.py and the keys its converter writes
    geno = enc.Genotype(
        normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
                ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2)],
        normal_concat=[2, 3, 4, 5],
        reduce=[("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
                ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)],
        reduce_concat=[2, 3, 4, 5])
    config = enc.compact_to_config(enc.genotype_to_compact(geno))
    assert config[P + "edge_reduce_4"] == "skip_connect"       # node 3 from node 2: 2 + 2
    assert config[P + "edge_reduce_3"] == "max_pool_3x3"
    assert config[P + "inputs_node_reduce_3"] == "1_2"
    assert config[P + "edge_normal_11"] == "dil_conv_3x3"      # node 5 from node 2: 9 + 2
    assert config[P + "inputs_node_normal_5"] == "0_2"


@pytest.mark.parametrize("bad, message", [
    ([[(0, 0)] * 8], "2 cells"),
    ([[(0, 0), (1, 0)] * 3, [(0, 0), (1, 0)] * 4], "8 (input_node, op_index) pairs"),
    ([[(0, 0), (2, 0)] + [(0, 0), (1, 0)] * 3, [(0, 0), (1, 0)] * 4], "must precede it"),
    ([[(0, 0), (1, 0), (0, 0), (0, 1)] + [(0, 0), (1, 0)] * 2, [(0, 0), (1, 0)] * 4], "must differ"),
    ([[(0, 7), (1, 0)] + [(0, 0), (1, 0)] * 3, [(0, 0), (1, 0)] * 4], "op index 7 out of range"),
    ([[(0, -1), (1, 0)] + [(0, 0), (1, 0)] * 3, [(0, 0), (1, 0)] * 4], "out of range"),
    ([[(0, True), (1, 0)] + [(0, 0), (1, 0)] * 3, [(0, 0), (1, 0)] * 4], "must be an integer"),
    ([[(0, 0, 0), (1, 0)] + [(0, 0), (1, 0)] * 3, [(0, 0), (1, 0)] * 4], "must be (input_node, op_index)"),
    ("[[(0, 0)], oops", "cannot parse"),
    ("__import__('os')", "cannot parse"),
])
def test_invalid_architectures_are_rejected_clearly(bad, message):
    with pytest.raises(ArchitectureError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        enc.to_compact(bad)
    assert isinstance(info.value, NasplugError)


def test_reduction_cell_errors_name_the_cell():
    normal = [(0, 0), (1, 0)] * 4
    with pytest.raises(ArchitectureError, match="reduce cell: the two inputs of intermediate node 4"):
        enc.validate_compact([normal, [(0, 0), (1, 0), (0, 0), (1, 0), (3, 0), (3, 1), (0, 0), (1, 0)]])


def test_invalid_genotypes_and_configs_are_rejected(nb301_rows):
    geno = enc.compact_to_genotype(enc.parse_arch_string(nb301_rows[0][0]))
    with pytest.raises(ArchitectureError, match="unknown op 'conv_7x7'"):
        enc.genotype_to_compact(geno._replace(normal=[("conv_7x7", 0)] + geno.normal[1:]))
    with pytest.raises(ArchitectureError, match="normal_concat must be"):
        enc.genotype_to_compact(geno._replace(normal_concat=[2, 3, 4, 5, 6]))
    config = enc.compact_to_config(enc.parse_arch_string(nb301_rows[0][0]))
    broken = dict(config)
    del broken[P + "inputs_node_reduce_4"]
    with pytest.raises(ArchitectureError, match="inputs_node_reduce_4"):
        enc.config_to_compact(broken)
    broken = dict(config, **{P + "edge_normal_13": "sep_conv_3x3"})
    with pytest.raises(ArchitectureError, match="not inputs of their node"):
        enc.config_to_compact(broken)
    broken = dict(config, **{P + "edge_normal_0": "conv_7x7"})
    with pytest.raises(ArchitectureError, match="unknown op"):
        enc.config_to_compact(broken)
    # hyperparameters beside the cell keys are ignored
    assert enc.config_to_compact(dict(config, **{P + "init_channels": 32, P + "auxiliary": "True"}))


def test_seeded_sampling_mutation_and_neighbours():
    a = [enc.random_compact(random.Random(7)) for _ in range(2)]
    assert a[0] == a[1]
    samples = {enc.random_compact(random.Random(s)) for s in range(200)}
    assert len(samples) == 200
    for compact in samples:
        assert enc.validate_compact(compact) == compact
    seen_ops = {op for c in samples for cell in c for _, op in cell}
    seen_inputs = {node for c in samples for cell in c for node, _ in cell[6:]}
    assert seen_ops == set(range(7)) and seen_inputs == {0, 1, 2, 3, 4}
    rng = random.Random(0)
    base = enc.parse_arch_string(FIRST)
    for _ in range(50):
        child = enc.mutate_compact(base, rng)
        assert child != base and enc.validate_compact(child) == child
        diffs = sum(p != q for cb, cc in zip(base, child) for p, q in zip(cb, cc))
        assert diffs == 1
    assert enc.mutate_compact(base, random.Random(3)) == enc.mutate_compact(base, random.Random(3))
    nbrs = enc.neighbours(base)
    # per pair 6 other ops + (preceding nodes - 2) other inputs; two cells
    expected = 2 * sum(6 + (k // 2 + 2 - 2) for k in range(8))
    assert len(nbrs) == len(set(nbrs)) == expected
    assert all(enc.validate_compact(n) == n for n in nbrs)


def test_encoding_module_and_plugin_do_not_import_torch():
    code = ("import sys, nasplug_nb301, nasplug_nb301.encoding, nasplug_nb301.plugin, "
            "nasplug_nb301.benchmark; nasplug_nb301.compact_to_str; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
