"""Architecture encodings of the TransNAS-Bench-101 micro cell space (no torch).

A cell has 4 nodes (0 input, 3 output) and 6 edges, each holding one of four
operations, written as a digit (TransNAS-Bench-101, Duan et al. 2021, Fig. 2):

====  =========================
0     none (zero)
1     skip connection
2     ReLU-Conv1x1-BN
3     ReLU-Conv3x3-BN
====  =========================

Node 1 = op_a(node 0); node 2 = op_b(node 0) + op_c(node 1);
node 3 = op_d(node 0) + op_e(node 1) + op_f(node 2).

Two encodings name the same cell:

* the official string ``64-41414-a_bc_def`` (base channels 64, macro code
  4-1-4-1-4, then the cell's digits grouped by target node);
* NASLib's op-index tuple ``(a, b, c, d, e, f)``: the six digits in the same
  order (NASLib's ``convert_op_indices_micro_to_str``).
"""

from __future__ import annotations

import itertools
import numbers
import random
import re
from typing import Any, Iterator

from nasplug.errors import ArchitectureError

#: digit -> NAS-Bench-201-style op name
OP_NAMES = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3")
#: digit -> what the op computes
OP_DESCRIPTIONS = ("zero", "skip connection", "ReLU-Conv1x1-BN", "ReLU-Conv3x3-BN")
NUM_OPS = len(OP_NAMES)
NUM_EDGES = 6
#: (from_node, to_node) of each tuple position a..f, cell nodes numbered 0..3
EDGES = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
#: every cell of the space
NUM_ARCHITECTURES = NUM_OPS ** NUM_EDGES  # 4096

#: the encoder every TransNAS-Bench-101 micro cell is placed in: 64 base channels,
#: five modules with macro code 4-1-4-1-4 (see ``network.py``)
BASE_CHANNELS = 64
MACRO_CODE = "41414"
ARCH_PREFIX = f"{BASE_CHANNELS}-{MACRO_CODE}-"

_STR_RE = re.compile(r"^64-41414-([0-3])_([0-3]{2})_([0-3]{3})$")
_TUPLE_TEXT_RE = re.compile(r"^[\(\[]?\s*([0-3])\s*,\s*([0-3])\s*,\s*([0-3])\s*,\s*([0-3])\s*,"
                            r"\s*([0-3])\s*,\s*([0-3])\s*,?\s*[\)\]]?$")

_EXAMPLE = "'64-41414-1_02_210' or (1, 0, 2, 2, 1, 0)"


def to_arch_str(op_indices: Any) -> str:
    """The official string of a cell, e.g. ``(1, 0, 2, 2, 1, 0)`` -> ``'64-41414-1_02_210'``."""
    a, b, c, d, e, f = parse_arch(op_indices)
    return f"{ARCH_PREFIX}{a}_{b}{c}_{d}{e}{f}"


def to_op_indices(arch: Any) -> tuple[int, ...]:
    """NASLib's op-index tuple of a cell given as the official string or a tuple."""
    return parse_arch(arch)


def parse_arch(spec: Any) -> tuple[int, ...]:
    """Validate any accepted spelling of a cell and return its op-index tuple.

    Accepted: the official string ``'64-41414-a_bc_def'``, a sequence of six
    integers 0..3 (tuple, list, numpy array), the text of such a tuple
    (``'(1, 0, 2, 2, 1, 0)'``, the key format of NASLib's zero-cost JSON files),
    or an object with ``get_hash()`` returning a tuple.
    Anything else is an :class:`ArchitectureError` that says what is expected.
    """
    if isinstance(spec, str):
        text = spec.strip()
        m = _STR_RE.match(text)
        if m:
            return tuple(int(ch) for ch in "".join(m.groups()))
        m = _TUPLE_TEXT_RE.match(text)
        if m:
            return tuple(int(g) for g in m.groups())
        if text.count("-") == 2 and not text.startswith(ARCH_PREFIX):
            raise ArchitectureError(
                f"{spec!r} is not a TransNAS-Bench-101 micro cell: the micro space fixes the "
                f"prefix {ARCH_PREFIX!r} (macro-space strings like '64-1234-basic' are not supported); "
                f"expected e.g. {_EXAMPLE}")
        raise ArchitectureError(
            f"malformed TransNAS-Bench-101 micro architecture {spec!r}: expected "
            f"'64-41414-a_bc_def' with digits 0..3 (0 none, 1 skip, 2 conv1x1, 3 conv3x3), e.g. {_EXAMPLE}")
    if hasattr(spec, "get_hash") and not isinstance(spec, (tuple, list)):
        return parse_arch(spec.get_hash())
    try:
        values = list(spec)
    except TypeError:
        raise ArchitectureError(
            f"cannot read a TransNAS-Bench-101 micro architecture from {type(spec).__name__} "
            f"{spec!r}; expected e.g. {_EXAMPLE}") from None
    if len(values) != NUM_EDGES:
        raise ArchitectureError(
            f"a TransNAS-Bench-101 micro cell has {NUM_EDGES} edges, got {len(values)} op indices "
            f"{tuple(values)!r}; expected e.g. {_EXAMPLE}")
    out = []
    for pos, value in enumerate(values):
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        iv = int(value) if integral else None
        if iv is None or not 0 <= iv < NUM_OPS:
            raise ArchitectureError(
                f"op index {value!r} at position {pos} of {tuple(values)!r} is not one of 0..3 "
                "(0 none, 1 skip, 2 conv1x1, 3 conv3x3)")
        out.append(iv)
    return tuple(out)


def is_valid(spec: Any) -> bool:
    """True if ``spec`` names a cell of the space (never raises)."""
    try:
        parse_arch(spec)
    except ArchitectureError:
        return False
    return True


def arch_index(spec: Any) -> int:
    """Position 0..4095 of a cell in :func:`all_architectures` order (base-4 number a..f)."""
    index = 0
    for digit in parse_arch(spec):
        index = index * NUM_OPS + digit
    return index


def from_index(index: int) -> tuple[int, ...]:
    """Inverse of :func:`arch_index`."""
    if not 0 <= int(index) < NUM_ARCHITECTURES:
        raise ArchitectureError(f"cell index {index} is outside 0..{NUM_ARCHITECTURES - 1}")
    digits = []
    index = int(index)
    for _ in range(NUM_EDGES):
        index, digit = divmod(index, NUM_OPS)
        digits.append(digit)
    return tuple(reversed(digits))


def iter_architectures() -> Iterator[tuple[int, ...]]:
    """Every cell, as op-index tuples, in NASLib's ``get_arch_iterator`` order."""
    return itertools.product(range(NUM_OPS), repeat=NUM_EDGES)


def all_architectures() -> list[tuple[int, ...]]:
    """All 4,096 cells as op-index tuples."""
    return list(iter_architectures())


def random_architecture(rng: random.Random | None = None, seed: int | None = None) -> tuple[int, ...]:
    """A uniformly random cell (every one of the 4,096 cells is labelled, so none is excluded)."""
    if rng is None:
        rng = random.Random(seed)
    return tuple(rng.randrange(NUM_OPS) for _ in range(NUM_EDGES))


def mutate(spec: Any, rng: random.Random | None = None, seed: int | None = None) -> tuple[int, ...]:
    """A copy of ``spec`` with one random edge set to a different op (NASLib's ``mutate``)."""
    if rng is None:
        rng = random.Random(seed)
    ops = list(parse_arch(spec))
    edge = rng.randrange(NUM_EDGES)
    ops[edge] = rng.choice([o for o in range(NUM_OPS) if o != ops[edge]])
    return tuple(ops)


def neighbours(spec: Any) -> list[tuple[int, ...]]:
    """The 18 cells that differ from ``spec`` in exactly one edge (NASLib's ``get_nbhd``)."""
    ops = parse_arch(spec)
    out = []
    for edge in range(NUM_EDGES):
        for op in range(NUM_OPS):
            if op != ops[edge]:
                out.append(ops[:edge] + (op,) + ops[edge + 1:])
    return out


def describe(spec: Any) -> str:
    """Readable form, e.g. ``node1 = conv3x3(n0); node2 = ...``."""
    ops = parse_arch(spec)
    short = ("zero", "skip", "conv1x1", "conv3x3")
    parts = []
    for node in (1, 2, 3):
        terms = [f"{short[ops[i]]}(n{u})" for i, (u, v) in enumerate(EDGES) if v == node]
        parts.append(f"node{node} = " + " + ".join(terms))
    return "; ".join(parts)


# NASLib's names for the conversions
def convert_op_indices_micro_to_str(op_indices: Any) -> str:
    """NASLib name of :func:`to_arch_str`."""
    return to_arch_str(op_indices)


def convert_str_to_op_indices(arch_str: str) -> tuple[int, ...]:
    """Inverse of :func:`convert_op_indices_micro_to_str`."""
    return parse_arch(arch_str)
