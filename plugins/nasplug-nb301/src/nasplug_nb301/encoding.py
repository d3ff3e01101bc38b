"""DARTS / NAS-Bench-301 cell encodings, without torch.

A DARTS architecture is a *normal* and a *reduction* cell. Each cell has two
input nodes (0: the output of the cell before the previous one, 1: the output of
the previous cell) and four intermediate nodes 2..5; every intermediate node sums
two ops applied to two *different* earlier nodes; the cell output concatenates
nodes 2..5 (Liu et al. 2019, "DARTS: Differentiable Architecture Search").

Representations handled here (NASLib's names, ``naslib/search_spaces/nasbench301/
conversions.py``):

``compact``
    ``(normal, reduce)``, each a tuple of 8 ``(input_node, op_index)`` pairs;
    pairs ``2k`` and ``2k+1`` are the two inputs of intermediate node ``k+2``;
    ``op_index`` indexes :data:`OPS`. This is the format of the ``compact``
    column of ``nb301_labeled.csv``.
``genotype``
    the DARTS :class:`Genotype` namedtuple, ``normal=[(op_name, input_node), ...]``.
``config``
    the NAS-Bench-301 ConfigSpace configuration (a dict), keys
    ``NetworkSelectorDatasetInfo:darts:edge_{normal|reduce}_{e}`` (op name of
    edge ``e``, edges numbered 0..13 node by node, input by input) and
    ``NetworkSelectorDatasetInfo:darts:inputs_node_{normal|reduce}_{3|4|5}``
    (``"a_b"``, the two inputs of that node, ascending).
``string``
    the canonical string: ``str`` of the compact form with lists for the cells,
    e.g. ``"[[(0, 0), (1, 5), ...], [(1, 0), ...]]"``, exactly as in the CSV.

The config form does not record which of a node's two inputs comes first (the
sum is symmetric), so converting to it and back sorts each node's pair of inputs;
every other round trip is exact.
"""

from __future__ import annotations

import ast
import operator
import random
import re
from collections import namedtuple
from typing import Any, Iterable, Mapping

from nasplug.errors import ArchitectureError

#: NASLib's compact op index order (NAS-Bench-301 ``representations.OPS``).
OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5",
       "dil_conv_3x3", "dil_conv_5x5")
NUM_OPS = len(OPS)
#: intermediate nodes per cell, and (input, op) pairs per cell (two per node)
NUM_INTERMEDIATE_NODES = 4
PAIRS_PER_CELL = 2 * NUM_INTERMEDIATE_NODES
#: the cell output concatenates intermediate nodes 2..5 (DARTS)
CELL_CONCAT = (2, 3, 4, 5)
CELL_TYPES = ("normal", "reduce")
CONFIG_PREFIX = "NetworkSelectorDatasetInfo:darts:"

Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")

Compact = tuple  # ((8 x (input, op)), (8 x (input, op)))

_CANONICAL_RE = re.compile(
    r"\[\[" + r", ".join([r"\((\d), (\d)\)"] * PAIRS_PER_CELL) + r"\], \["
    + r", ".join([r"\((\d), (\d)\)"] * PAIRS_PER_CELL) + r"\]\]")


# -- validation -------------------------------------------------------------
def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise ArchitectureError(f"{what} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise ArchitectureError(f"{what} must be an integer, got {value!r}") from None


def validate_compact(compact: Any) -> Compact:
    """Return ``compact`` as a tuple of two tuples of 8 ``(int, int)`` pairs, or
    raise :class:`ArchitectureError` saying what is wrong with it."""
    if isinstance(compact, (str, bytes)) or not isinstance(compact, Iterable):
        raise ArchitectureError(
            f"a NAS-Bench-301 compact architecture is two lists (normal, reduction) of "
            f"{PAIRS_PER_CELL} (input_node, op_index) pairs, got {compact!r}")
    cells = list(compact)
    if len(cells) != 2:
        raise ArchitectureError(
            f"a NAS-Bench-301 compact architecture has 2 cells (normal, reduction), got {len(cells)}")
    result = []
    for name, cell in zip(CELL_TYPES, cells):
        if isinstance(cell, (str, bytes)) or not isinstance(cell, Iterable):
            raise ArchitectureError(f"{name} cell must be a list of (input_node, op_index) pairs, got {cell!r}")
        pairs = list(cell)
        if len(pairs) != PAIRS_PER_CELL:
            raise ArchitectureError(
                f"{name} cell must have {PAIRS_PER_CELL} (input_node, op_index) pairs "
                f"(2 per intermediate node), got {len(pairs)}")
        checked = []
        for i, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Iterable):
                raise ArchitectureError(f"{name} cell pair {i} must be (input_node, op_index), got {pair!r}")
            pair = tuple(pair)
            if len(pair) != 2:
                raise ArchitectureError(f"{name} cell pair {i} must be (input_node, op_index), got {pair!r}")
            node_in, op = (_as_int(v, f"{name} cell pair {i}") for v in pair)
            node = i // 2 + 2
            if not 0 <= node_in < node:
                raise ArchitectureError(
                    f"{name} cell pair {i}: input node {node_in} of intermediate node {node} "
                    f"must precede it (0..{node - 1})")
            if not 0 <= op < NUM_OPS:
                raise ArchitectureError(
                    f"{name} cell pair {i}: op index {op} out of range 0..{NUM_OPS - 1} "
                    f"({', '.join(f'{k} {o}' for k, o in enumerate(OPS))})")
            checked.append((node_in, op))
        for k in range(0, PAIRS_PER_CELL, 2):
            if checked[k][0] == checked[k + 1][0]:
                raise ArchitectureError(
                    f"{name} cell: the two inputs of intermediate node {k // 2 + 2} must differ, "
                    f"both are node {checked[k][0]}")
        result.append(tuple(checked))
    return tuple(result)


def normalize_compact(compact: Any) -> Compact:
    """The same architecture with each node's two inputs in ascending order.

    Two compact forms that differ only in the order of a node's two inputs build
    the same network; this form identifies them (it is what the config form keeps).
    """
    compact = validate_compact(compact)
    return tuple(
        tuple(p for k in range(0, PAIRS_PER_CELL, 2) for p in sorted(cell[k:k + 2]))
        for cell in compact)


# -- canonical string -------------------------------------------------------
def compact_to_str(compact: Any) -> str:
    """The canonical string of an architecture (the CSV's ``compact`` format)."""
    compact = validate_compact(compact)
    return "[" + ", ".join("[" + ", ".join(f"({a}, {b})" for a, b in cell) + "]" for cell in compact) + "]"


def parse_arch_string(text: str) -> Compact:
    """Parse the canonical string (or any Python literal of the compact form)."""
    if not isinstance(text, str):
        raise ArchitectureError(f"expected an architecture string, got {text!r}")
    match = _CANONICAL_RE.fullmatch(text.strip())
    if match is not None:  # fast path: the CSV / architectures() format
        nums = [int(g) for g in match.groups()]
        pairs = list(zip(nums[0::2], nums[1::2]))
        return validate_compact((pairs[:PAIRS_PER_CELL], pairs[PAIRS_PER_CELL:]))
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ArchitectureError(
            f"cannot parse NAS-Bench-301 architecture string {text!r}; expected e.g. "
            "'[[(0, 0), (1, 5), ...8 pairs], [...8 pairs]]' (input_node, op_index)") from None
    return validate_compact(value)


# -- genotype ---------------------------------------------------------------
def compact_to_genotype(compact: Any) -> Genotype:
    """DARTS genotype of a compact architecture (exact)."""
    compact = validate_compact(compact)
    normal, reduce = ([(OPS[op], node) for node, op in cell] for cell in compact)
    return Genotype(normal=normal, normal_concat=list(CELL_CONCAT),
                    reduce=reduce, reduce_concat=list(CELL_CONCAT))


def genotype_to_compact(genotype: Any) -> Compact:
    """Compact form of a DARTS genotype (anything with ``normal``/``reduce`` lists
    of ``(op_name, input_node)``; concat, if given, must be ``[2, 3, 4, 5]``)."""
    cells = []
    for name in CELL_TYPES:
        try:
            cell = getattr(genotype, name)
        except AttributeError:
            raise ArchitectureError(f"a DARTS genotype needs a {name!r} cell, got {genotype!r}") from None
        concat = getattr(genotype, f"{name}_concat", None)
        if concat is not None and tuple(concat) != CELL_CONCAT:
            raise ArchitectureError(
                f"genotype {name}_concat must be {list(CELL_CONCAT)} (DARTS concatenates "
                f"intermediate nodes 2..5), got {list(concat)}")
        pairs = []
        for i, item in enumerate(cell):
            try:
                op_name, node = item
            except (TypeError, ValueError):
                raise ArchitectureError(f"genotype {name} edge {i} must be (op_name, input_node), "
                                        f"got {item!r}") from None
            if op_name not in OPS:
                raise ArchitectureError(
                    f"genotype {name} edge {i}: unknown op {op_name!r}; valid: {', '.join(OPS)}")
            pairs.append((node, OPS.index(op_name)))
        cells.append(pairs)
    return validate_compact(cells)


# -- NAS-Bench-301 ConfigSpace configuration --------------------------------
def _edge_offset(node_idx: int) -> int:
    """Number of the first config edge into intermediate node ``node_idx + 2``."""
    return sum(k + 2 for k in range(node_idx))


def compact_to_config(compact: Any) -> dict:
    """NAS-Bench-301 ConfigSpace configuration (dict) of a compact architecture."""
    compact = validate_compact(compact)
    config = {}
    for name, cell in zip(CELL_TYPES, compact):
        for node_idx in range(NUM_INTERMEDIATE_NODES):
            pairs = cell[2 * node_idx: 2 * node_idx + 2]
            for node_in, op in pairs:
                config[f"{CONFIG_PREFIX}edge_{name}_{_edge_offset(node_idx) + node_in}"] = OPS[op]
            if node_idx:
                inputs = sorted(p[0] for p in pairs)
                config[f"{CONFIG_PREFIX}inputs_node_{name}_{node_idx + 2}"] = f"{inputs[0]}_{inputs[1]}"
    return config


def config_to_compact(config: Any) -> Compact:
    """Compact form of a NAS-Bench-301 configuration (a dict or a ConfigSpace
    ``Configuration``); each node's inputs come out in ascending order. Keys that
    are not cell edges or node inputs (hyperparameters) are ignored."""
    if hasattr(config, "get_dictionary"):
        config = config.get_dictionary()
    if not isinstance(config, Mapping):
        raise ArchitectureError(f"a NAS-Bench-301 configuration must be a dict, got {type(config).__name__}")
    cells = []
    for name in CELL_TYPES:
        edge_key = f"{CONFIG_PREFIX}edge_{name}_"
        present = {}
        for key, value in config.items():
            if isinstance(key, str) and key.startswith(edge_key):
                suffix = key[len(edge_key):]
                if not suffix.isdigit() or int(suffix) >= _edge_offset(NUM_INTERMEDIATE_NODES):
                    raise ArchitectureError(f"configuration key {key!r} is not a DARTS cell edge (0..13)")
                present[int(suffix)] = value
        if not present:
            raise ArchitectureError(f"configuration has no {name} cell edges ({edge_key}0 ...)")
        pairs = []
        for node_idx in range(NUM_INTERMEDIATE_NODES):
            node = node_idx + 2
            if node_idx == 0:
                inputs = [0, 1]
            else:
                key = f"{CONFIG_PREFIX}inputs_node_{name}_{node}"
                raw = config.get(key)
                try:
                    inputs = sorted(int(v) for v in str(raw).split("_"))
                except ValueError:
                    inputs = []
                if raw is None or len(inputs) != 2:
                    raise ArchitectureError(f"configuration needs {key!r} = 'a_b' (two input nodes), got {raw!r}")
            start = _edge_offset(node_idx)
            for node_in in inputs:
                if not 0 <= node_in < node:
                    raise ArchitectureError(f"{name} node {node}: input node {node_in} must precede it (0..{node - 1})")
                op_name = present.pop(start + node_in, None)
                if op_name is None:
                    raise ArchitectureError(
                        f"configuration lacks {edge_key}{start + node_in} (op from node {node_in} to node {node})")
                if op_name not in OPS:
                    raise ArchitectureError(f"{edge_key}{start + node_in}: unknown op {op_name!r}; "
                                            f"valid: {', '.join(OPS)}")
                pairs.append((node_in, OPS.index(op_name)))
        if present:
            extra = ", ".join(f"{edge_key}{e}" for e in sorted(present))
            raise ArchitectureError(f"configuration has edges that are not inputs of their node: {extra}")
        cells.append(pairs)
    return validate_compact(cells)


def to_compact(spec: Any) -> Compact:
    """Any supported representation (compact, canonical string, genotype, config)
    to the validated compact form."""
    if isinstance(spec, str):
        return parse_arch_string(spec)
    if hasattr(spec, "normal") and hasattr(spec, "reduce"):
        return genotype_to_compact(spec)
    if isinstance(spec, Mapping) or hasattr(spec, "get_dictionary"):
        return config_to_compact(spec)
    return validate_compact(spec)


# -- sampling and mutation --------------------------------------------------
def random_compact(rng: random.Random) -> Compact:
    """A uniformly random architecture: per node two distinct inputs (ascending)
    and two independent ops, for the normal and the reduction cell."""
    cells = []
    for _ in CELL_TYPES:
        pairs = []
        for node in range(2, 2 + NUM_INTERMEDIATE_NODES):
            inputs = sorted(rng.sample(range(node), 2))
            pairs.extend((i, rng.randrange(NUM_OPS)) for i in inputs)
        cells.append(tuple(pairs))
    return tuple(cells)


def mutate_compact(compact: Any, rng: random.Random, mutation_rate: int = 1) -> Compact:
    """``compact`` with ``mutation_rate`` random changes (NASLib's mutation: pick
    a cell and a pair, then replace its op or its input node, keeping the node's
    two inputs distinct); the result always differs from ``compact``."""
    compact = validate_compact(compact)
    while True:
        cells = [list(cell) for cell in compact]
        for _ in range(int(mutation_rate)):
            c = rng.randrange(2)
            p = rng.randrange(PAIRS_PER_CELL)
            node_in, op = cells[c][p]
            if rng.randrange(2):
                cells[c][p] = (node_in, rng.choice([o for o in range(NUM_OPS) if o != op]))
            else:
                other = cells[c][p ^ 1][0]
                choices = [i for i in range(p // 2 + 2) if i not in (node_in, other)]
                if choices:
                    cells[c][p] = (rng.choice(choices), op)
        result = tuple(tuple(cell) for cell in cells)
        if result != compact:
            return result


def neighbours(compact: Any) -> list:
    """Every architecture one change away: another op on one pair, or another
    (still distinct, still preceding) input node for one pair."""
    compact = validate_compact(compact)
    result = []
    for c, cell in enumerate(compact):
        for p, (node_in, op) in enumerate(cell):
            other = cell[p ^ 1][0]
            changes = [(node_in, o) for o in range(NUM_OPS) if o != op]
            changes += [(i, op) for i in range(p // 2 + 2) if i not in (node_in, other)]
            for pair in changes:
                cells = [list(x) for x in compact]
                cells[c][p] = pair
                result.append(tuple(tuple(x) for x in cells))
    return result
