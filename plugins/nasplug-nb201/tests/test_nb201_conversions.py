"""Representations of NAS-Bench-201 cells (pure Python, no torch)."""

from __future__ import annotations

import itertools
import random

import pytest

from nasplug.errors import ArchitectureError
from nasplug_nb201 import conversions as conv

TUTORIAL_TUPLE = (2, 0, 0, 3, 3, 2)
TUTORIAL_STR = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def test_tutorial_example():
    assert conv.op_indices_to_str(TUTORIAL_TUPLE) == TUTORIAL_STR
    assert conv.str_to_op_indices(TUTORIAL_STR) == TUTORIAL_TUPLE
    assert conv.to_op_indices("(2, 0, 0, 3, 3, 2)") == TUTORIAL_TUPLE
    assert conv.to_op_indices([2, 0, 0, 3, 3, 2]) == TUTORIAL_TUPLE


def test_op_index_order_matches_naslib():
    assert conv.OP_NAMES_NB201 == ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
    assert conv.OP_NAMES == ("Identity", "Zero", "ReLUConvBN3x3", "ReLUConvBN1x1", "AvgPool1x1")
    assert conv.EDGE_LIST == ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
    # one op on one edge at a time: edge (u, v) shows up as "<op>~<u-1>" in group v-1
    for pos, (u, v) in enumerate(conv.EDGE_LIST):
        for op in range(5):
            ops = [1] * 6
            ops[pos] = op
            groups = conv.op_indices_to_str(ops).split("+")
            assert f"|{conv.OP_NAMES_NB201[op]}~{u - 1}|" in groups[v - 2]


def test_round_trips_are_exact_for_all_cells():
    seen_str, seen_idx = set(), []
    for ops in conv.all_op_indices():
        s = conv.op_indices_to_str(ops)
        i = conv.op_indices_to_index(ops)
        assert conv.str_to_op_indices(s) == ops
        assert conv.index_to_op_indices(i) == ops
        assert conv.to_op_indices(s) == conv.to_op_indices(i) == conv.to_op_indices(str(ops)) == ops
        seen_str.add(s)
        seen_idx.append(i)
    assert len(seen_str) == 15625
    assert seen_idx == list(range(15625))  # enumeration is in index order


@pytest.mark.parametrize("bad", [
    (2, 0, 0, 3, 3), (2, 0, 0, 3, 3, 5), (2, 0, 0, 3, 3, -1), (2.0, 0, 0, 3, 3, 2), (True, 0, 0, 3, 3, 2),
    15625, -1, "", "hello", "(1, 2, x, 3, 3, 2)",
    TUTORIAL_STR.replace("nor_conv_3x3~2", "nor_conv_5x5~2"),
    TUTORIAL_STR.replace("~1|+", "~0|+"),
    TUTORIAL_STR[:-1],
    TUTORIAL_STR.replace("+", "|"),
    "|nor_conv_3x3~0|+|skip_connect~0|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|",
    None, object(),
])
def test_malformed_specs_are_clear_errors(bad):
    with pytest.raises(ArchitectureError, match="not a NAS-Bench-201 cell"):
        conv.to_op_indices(bad)


def test_seeded_sampling_is_reproducible_and_valid():
    a = [conv.random_op_indices(random.Random(7)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = random.Random(0)
    cells = [conv.random_op_indices(rng) for _ in range(2000)]
    assert all(conv.is_valid_arch(c) for c in cells)
    assert len(set(cells)) > 1500
    for edge in range(6):  # every op shows up on every edge
        assert {c[edge] for c in cells} == set(range(5))


def test_is_valid_arch_matches_naslib_rule():
    invalid = [ops for ops in conv.all_op_indices() if not conv.is_valid_arch(ops)]
    # input disconnected (edges 0,1,2 none) or output disconnected (edges 2,4,5 none)
    expected = {ops for ops in itertools.product(range(5), repeat=6)
                if ops[0] == ops[1] == ops[2] == 1 or ops[2] == ops[4] == ops[5] == 1}
    assert set(invalid) == expected
    assert len(expected) == 2 * 125 - 5


def test_neighbours_and_mutation():
    nb = conv.neighbours(TUTORIAL_TUPLE)
    assert len(nb) == len(set(nb)) == 24
    for cell in nb:
        assert sum(a != b for a, b in zip(cell, TUTORIAL_TUPLE)) == 1
    rng = random.Random(3)
    for _ in range(100):
        child = conv.mutate_op_indices(TUTORIAL_TUPLE, rng)
        assert child in nb
    assert conv.mutate_op_indices(TUTORIAL_STR, random.Random(1)) == conv.mutate_op_indices(
        TUTORIAL_TUPLE, random.Random(1))


def test_package_exports_are_lazy():
    import subprocess
    import sys

    code = ("import sys, nasplug_nb201; assert 'torch' not in sys.modules; "
            "from nasplug_nb201 import convert_naslib_to_str, to_op_indices; "
            "assert 'torch' not in sys.modules; import nasplug_nb201.plugin, nasplug_nb201.benchmark; "
            "assert 'torch' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
