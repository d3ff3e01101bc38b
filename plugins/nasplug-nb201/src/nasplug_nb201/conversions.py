"""NAS-Bench-201 cell representations and conversions (no torch).

Three representations of one cell, as in NASLib
(``naslib/search_spaces/nasbench201/conversions.py``):

- the compact tuple ("op indices"): six ints, the ops of the cell edges
  :data:`EDGE_LIST` = (1,2) (1,3) (1,4) (2,3) (2,4) (3,4), with op index
  0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3;
- the official NAS-Bench-201 string, e.g.
  ``|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|``
  (group k lists the ops into node k+1 of the paper's 0-based nodes, ``op~j``
  reads node j);
- an integer index 0..15624: the tuple read as a base-5 number, first edge most
  significant, so ``itertools.product(range(5), repeat=6)`` enumerates cells in
  index order.

Every function that takes a cell accepts any of them (plus a search-space Graph
and the ``"(2, 0, 0, 3, 3, 2)"`` keys of NASLib's zero-cost JSON files) through
:func:`to_op_indices`; malformed input raises :class:`nasplug.errors.ArchitectureError`.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Iterator

from nasplug.errors import ArchitectureError

#: Cell edges in NASLib's order (nodes numbered 1..4 as in the NASLib cell Graph).
EDGE_LIST: tuple[tuple[int, int], ...] = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
#: NASLib's primitive class names, in op-index order (``OP_NAMES`` in NASLib).
OP_NAMES: tuple[str, ...] = ("Identity", "Zero", "ReLUConvBN3x3", "ReLUConvBN1x1", "AvgPool1x1")
#: The official NAS-Bench-201 op names, in op-index order (``OP_NAMES_NB201`` in NASLib).
OP_NAMES_NB201: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
NUM_EDGES = 6
NUM_OPS = 5
#: Number of cells in the space (Dong & Yang, ICLR 2020: 5^6).
NUM_ARCHITECTURES = NUM_OPS ** NUM_EDGES

_OP_INDEX_NB201 = {name: i for i, name in enumerate(OP_NAMES_NB201)}
_EDGE_POS = {edge: i for i, edge in enumerate(EDGE_LIST)}
# The string lists, per target node v (2, 3, 4), its inputs u = 1..v-1.
_STRING_ORDER = [_EDGE_POS[(u, v)] for v in (2, 3, 4) for u in range(1, v)]
_EXAMPLE = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"


def _bad(spec: Any, why: str) -> ArchitectureError:
    text = repr(spec)
    if len(text) > 120:
        text = text[:117] + "..."
    return ArchitectureError(
        f"not a NAS-Bench-201 cell: {text} ({why}); give 6 op indices in 0..4 such as "
        f"(2, 0, 0, 3, 3, 2), an index 0..{NUM_ARCHITECTURES - 1}, or a string like {_EXAMPLE}")


def _check_indices(values: Any, spec: Any) -> tuple[int, ...]:
    try:
        items = list(values)
    except TypeError:
        raise _bad(spec, "not a sequence") from None
    if len(items) != NUM_EDGES:
        raise _bad(spec, f"{len(items)} op indices, need {NUM_EDGES}")
    out = []
    for item in items:
        if isinstance(item, bool) or not hasattr(item, "__index__"):
            raise _bad(spec, f"op index {item!r} is not an integer")
        value = item.__index__()
        if not 0 <= value < NUM_OPS:
            raise _bad(spec, f"op index {value} is outside 0..{NUM_OPS - 1}")
        out.append(value)
    return tuple(out)


# Fast path for canonical strings: "|a~0|+|b~0|c~1|+|d~0|e~1|f~2|".split("|")
# has the six "op~source" tokens at these positions.
_TOKEN_POSITIONS = (1, 3, 4, 6, 7, 8)
_TOKENS = [{f"{name}~{source}": i for i, name in enumerate(OP_NAMES_NB201)}
           for source in (0, 0, 1, 0, 1, 2)]


def str_to_op_indices(arch_str: str) -> tuple[int, ...]:
    """The compact tuple of an official NAS-Bench-201 string (strictly checked)."""
    try:
        parts = arch_str.split("|")
        if len(parts) == 10 and parts[0] == parts[9] == "" and parts[2] == parts[5] == "+":
            ops = [_TOKENS[k][parts[p]] for k, p in enumerate(_TOKEN_POSITIONS)]
            return (ops[0], ops[1], ops[3], ops[2], ops[4], ops[5])
    except (AttributeError, KeyError):
        pass  # the strict parser below says what is wrong
    return _parse_str_strict(arch_str)


def _parse_str_strict(arch_str: str) -> tuple[int, ...]:
    if not isinstance(arch_str, str):
        raise _bad(arch_str, "not a string")
    text = arch_str.strip()
    groups = text.split("+")
    if len(groups) != 3:
        raise _bad(arch_str, f"{len(groups)} '+'-separated node groups, need 3")
    ops: list[int] = []
    for node, group in enumerate(groups, start=1):
        if len(group) < 2 or group[0] != "|" or group[-1] != "|":
            raise _bad(arch_str, f"node group {group!r} must start and end with '|'")
        entries = group[1:-1].split("|")
        if len(entries) != node:
            raise _bad(arch_str, f"node {node} has {len(entries)} inputs, need {node}")
        for source, entry in enumerate(entries):
            name, sep, src = entry.partition("~")
            if not sep or src != str(source):
                raise _bad(arch_str, f"entry {entry!r} must read '<op>~{source}'")
            index = _OP_INDEX_NB201.get(name)
            if index is None:
                raise _bad(arch_str, f"unknown op {name!r}; ops: {', '.join(OP_NAMES_NB201)}")
            ops.append(index)
    result = [0] * NUM_EDGES
    for pos, index in zip(_STRING_ORDER, ops):
        result[pos] = index
    return tuple(result)


def op_indices_to_str(op_indices: Any) -> str:
    """The official NAS-Bench-201 string of a compact tuple."""
    ops = _check_indices(op_indices, op_indices)
    names = [f"{OP_NAMES_NB201[ops[_EDGE_POS[(u, v)]]]}~{u - 1}" for v in (2, 3, 4) for u in range(1, v)]
    return "|{}|+|{}|{}|+|{}|{}|{}|".format(*names)


def op_indices_to_index(op_indices: Any) -> int:
    """The integer index 0..15624 of a compact tuple (base 5, first edge most significant)."""
    index = 0
    for value in _check_indices(op_indices, op_indices):
        index = index * NUM_OPS + value
    return index


def index_to_op_indices(index: Any) -> tuple[int, ...]:
    """The compact tuple of an integer index 0..15624."""
    if isinstance(index, bool) or not hasattr(index, "__index__"):
        raise _bad(index, "not an integer")
    value = index.__index__()
    if not 0 <= value < NUM_ARCHITECTURES:
        raise _bad(index, f"index outside 0..{NUM_ARCHITECTURES - 1}")
    digits = []
    for _ in range(NUM_EDGES):
        value, digit = divmod(value, NUM_OPS)
        digits.append(digit)
    return tuple(reversed(digits))


def to_op_indices(spec: Any) -> tuple[int, ...]:
    """Normalise any cell representation to the compact tuple.

    Accepts a tuple/list of 6 op indices, an official string, an integer index,
    a ``"(2, 0, 0, 3, 3, 2)"`` text (the keys of NASLib's zero-cost JSON files),
    or a search-space Graph (its ``get_hash()``).
    """
    if isinstance(spec, tuple) and len(spec) == NUM_EDGES and all(type(v) is int and 0 <= v < NUM_OPS for v in spec):
        return spec  # fast path: already canonical
    if isinstance(spec, str):
        text = spec.strip()
        if text[:1] in "([" and text[-1:] in ")]":
            parts = [p.strip() for p in text[1:-1].split(",") if p.strip()]
            try:
                values = [int(p) for p in parts]
            except ValueError:
                raise _bad(spec, "op indices must be integers") from None
            return _check_indices(values, spec)
        if text.isdigit():
            return index_to_op_indices(int(text))
        return str_to_op_indices(text)
    if hasattr(spec, "get_hash") and callable(spec.get_hash):
        return to_op_indices(spec.get_hash())
    if isinstance(spec, (list, tuple)):
        return _check_indices(spec, spec)
    if hasattr(spec, "__index__") and not isinstance(spec, bool):
        return index_to_op_indices(spec)
    if hasattr(spec, "tolist"):  # numpy arrays
        return _check_indices(spec.tolist(), spec)
    raise _bad(spec, f"unsupported type {type(spec).__name__}")


def to_str(spec: Any) -> str:
    """The official string of any cell representation."""
    return op_indices_to_str(to_op_indices(spec))


def to_index(spec: Any) -> int:
    """The integer index of any cell representation."""
    return op_indices_to_index(to_op_indices(spec))


# -- NASLib names ------------------------------------------------------------
def convert_naslib_to_str(naslib_object: Any) -> str:
    """NASLib's name: the official string of a search-space Graph (or any representation)."""
    return to_str(naslib_object)


def convert_naslib_to_op_indices(naslib_object: Any) -> tuple[int, ...]:
    """NASLib's name: the compact tuple of a search-space Graph."""
    return to_op_indices(naslib_object)


def convert_str_to_op_indices(str_encoding: str) -> tuple[int, ...]:
    """NASLib's name for :func:`str_to_op_indices`."""
    return str_to_op_indices(str_encoding)


def convert_op_indices_to_str(op_indices: Any) -> str:
    """NASLib's name for :func:`op_indices_to_str`."""
    return op_indices_to_str(op_indices)


def convert_op_indices_to_naslib(op_indices: Any, naslib_object: Any) -> None:
    """NASLib's name: set the cell of a search-space Graph (``naslib_object.set_spec``)."""
    naslib_object.set_spec(op_indices)


# -- operations on the space -------------------------------------------------
def is_valid_arch(op_indices: Any) -> bool:
    """False when every edge out of the input node, or every edge into the output
    node, is ``none`` (the cell then outputs zeros). NASLib's
    ``sample_random_architecture`` redraws such cells; they stay in the table."""
    ops = to_op_indices(op_indices)
    return not ((ops[0] == ops[1] == ops[2] == 1) or (ops[2] == ops[4] == ops[5] == 1))


def all_op_indices() -> Iterator[tuple[int, ...]]:
    """Every cell, in index order (NASLib's ``get_arch_iterator``)."""
    return itertools.product(range(NUM_OPS), repeat=NUM_EDGES)


def random_op_indices(rng: random.Random, valid_only: bool = True) -> tuple[int, ...]:
    """A uniformly random cell drawn with ``rng``; with ``valid_only`` (NASLib's
    behaviour) cells failing :func:`is_valid_arch` are redrawn."""
    while True:
        ops = tuple(rng.randrange(NUM_OPS) for _ in range(NUM_EDGES))
        if not valid_only or is_valid_arch(ops):
            return ops


def neighbours(spec: Any) -> list[tuple[int, ...]]:
    """The 24 cells that differ from ``spec`` on exactly one edge (edge-major order)."""
    ops = to_op_indices(spec)
    out = []
    for edge in range(NUM_EDGES):
        for op in range(NUM_OPS):
            if op != ops[edge]:
                out.append(ops[:edge] + (op,) + ops[edge + 1:])
    return out


def mutate_op_indices(spec: Any, rng: random.Random) -> tuple[int, ...]:
    """NASLib's nb201 mutation: one random edge gets a different random op."""
    ops = to_op_indices(spec)
    edge = rng.randrange(NUM_EDGES)
    choices = [op for op in range(NUM_OPS) if op != ops[edge]]
    return ops[:edge] + (rng.choice(choices),) + ops[edge + 1:]
