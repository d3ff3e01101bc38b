"""NAS-Bench-101 cells: validity, pruning, the isomorphism-invariant hash, encodings (no torch).

A cell (Ying et al., ICML 2019, "NAS-Bench-101") is a DAG of at most 7 vertices
given by an upper-triangular 0/1 adjacency matrix and one label per vertex:
vertex 0 is ``input``, the last is ``output``, every other vertex holds one of
``conv3x3-bn-relu``, ``conv1x1-bn-relu``, ``maxpool3x3``. What is checked, in
this order, and what each failure says (:class:`~nasplug.errors.ArchitectureError`):

1. the matrix is square, 0/1, and has one op per vertex;
2. it is upper triangular (no self-loops, edges only go forward);
3. the first op is ``input``, the last ``output``, the others known ops;
4. pruning (NAS-Bench-101 ``ModelSpec._prune``): vertices not on a path from
   input to output are removed; if input and output are not connected the
   cell is *disconnected*;
5. after pruning at most 7 vertices and at most 9 edges (NAS-Bench-101's
   ``module_vertices`` / ``max_edges``; dangling edges do not count, as in
   NAS-Bench-101's ``is_valid``).

Encodings of one cell:

* the ``{"matrix", "ops"}`` spec (NASLib's ``get_spec()``, NAS-Bench-101's
  ``ModelSpec(matrix, ops)``);
* NASLib's tuple (``convert_spec_to_tuple``): the 7x7 matrix flattened row by
  row (49 numbers), then one code per vertex, indices into
  ``[input, output, maxpool3x3, conv1x1-bn-relu, conv3x3-bn-relu]``. Cells
  given with fewer than 7 vertices are padded as NASLib's ``convert_to_cell``
  does (extra unconnected ``conv3x3-bn-relu`` vertices before the output);
* the NAS-Bench-101 hash (``ModelSpec.hash_spec``): :func:`hash_module` of
  the pruned cell with labels -1 (input), -2 (output) and the op's index in
  ``[conv3x3-bn-relu, conv1x1-bn-relu, maxpool3x3]``. Isomorphic cells (the
  same network under a renumbering of vertices) have the same hash, which is
  the key of NAS-Bench-101's table.

Our own code; the rules and the hash algorithm are NAS-Bench-101's
(github.com/google-research/nasbench, ``lib/model_spec.py``, ``lib/graph_util.py``).
"""

from __future__ import annotations

import ast
import hashlib
import numbers
import random
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from nasplug.errors import ArchitectureError

INPUT = "input"
OUTPUT = "output"
CONV3X3 = "conv3x3-bn-relu"
CONV1X1 = "conv1x1-bn-relu"
MAXPOOL3X3 = "maxpool3x3"
#: interior ops in NAS-Bench-101's canonical order (``config['available_ops']``): hash labels 0, 1, 2
AVAILABLE_OPS = (CONV3X3, CONV1X1, MAXPOOL3X3)
#: NASLib's op codes of the tuple encoding (``conversions.all_ops``)
NASLIB_OPS = (INPUT, OUTPUT, MAXPOOL3X3, CONV1X1, CONV3X3)
#: NAS-Bench-101 limits (``config['module_vertices']``, ``config['max_edges']``)
MAX_VERTICES = 7
MAX_EDGES = 9
TUPLE_LENGTH = MAX_VERTICES * MAX_VERTICES + MAX_VERTICES  # 56

_HASH_RE = re.compile(r"^[0-9a-f]{32}$")
_EXAMPLE = ('{"matrix": [[0, 1, 1], [0, 0, 1], [0, 0, 0]], "ops": ["input", "conv3x3-bn-relu", "output"]} '
            "or NASLib's 56-number tuple")


def is_hash(text: Any) -> bool:
    """True for a 32-digit lower-case hex string (the form of NAS-Bench-101's hashes)."""
    return isinstance(text, str) and bool(_HASH_RE.match(text.strip()))


# -- the hash ------------------------------------------------------------------------------------
def hash_module(matrix: Sequence[Sequence[int]], labeling: Sequence[int]) -> str:
    """NAS-Bench-101's ``graph_util.hash_module``: an MD5 fingerprint invariant under
    renumbering of the vertices (Weisfeiler-Lehman style refinement, ``V`` rounds).

    Each vertex starts as ``md5(str((out_degree, in_degree, label)))``; each round
    replaces it by the md5 of its sorted in-neighbour hashes, ``|``, its sorted
    out-neighbour hashes, ``|``, its own hash; the fingerprint is the md5 of
    ``str(sorted(hashes))``. Integer degrees and labels print as Python ints, as
    NumPy's ``tolist()`` gives them to NAS-Bench-101.
    """
    n = len(matrix)
    if len(labeling) != n:
        raise ValueError("one label per vertex is needed")
    rows = [[int(v) for v in row] for row in matrix]
    in_edges = [sum(rows[u][v] for u in range(n)) for v in range(n)]
    out_edges = [sum(rows[v]) for v in range(n)]
    hashes = [hashlib.md5(str((out_edges[v], in_edges[v], int(labeling[v]))).encode("utf-8")).hexdigest()
              for v in range(n)]
    for _ in range(n):
        new = []
        for v in range(n):
            ins = "".join(sorted(hashes[w] for w in range(n) if rows[w][v]))
            outs = "".join(sorted(hashes[w] for w in range(n) if rows[v][w]))
            new.append(hashlib.md5((ins + "|" + outs + "|" + hashes[v]).encode("utf-8")).hexdigest())
        hashes = new
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest()


# -- pruning -------------------------------------------------------------------------------------
def prune(matrix: Sequence[Sequence[int]],
          ops: Sequence[str]) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]] | None:
    """NAS-Bench-101 ``ModelSpec._prune``: drop vertices not on an input->output path.

    Returns the pruned ``(matrix, ops)``, or ``None`` when input and output are
    not connected (NAS-Bench-101's ``valid_spec = False``).
    """
    n = len(matrix)
    forward = {0}
    frontier = [0]
    while frontier:
        top = frontier.pop()
        for v in range(top + 1, n):
            if matrix[top][v] and v not in forward:
                forward.add(v)
                frontier.append(v)
    backward = {n - 1}
    frontier = [n - 1]
    while frontier:
        top = frontier.pop()
        for v in range(0, top):
            if matrix[v][top] and v not in backward:
                backward.add(v)
                frontier.append(v)
    keep = sorted(forward & backward)
    if len(keep) < 2 or keep[0] != 0 or keep[-1] != n - 1:
        return None
    pruned = tuple(tuple(int(matrix[u][v]) for v in keep) for u in keep)
    return pruned, tuple(ops[v] for v in keep)


# -- the cell ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """A validated NAS-Bench-101 cell: the matrix and ops as given, and the pruned ones.

    Build with :func:`parse_spec`. ``matrix``/``ops`` are what the user gave
    (NASLib keeps them: its tuple encodes them); ``pruned_matrix``/``pruned_ops``
    are what the network is built from and what the hash is computed on.
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]
    pruned_matrix: tuple[tuple[int, ...], ...]
    pruned_ops: tuple[str, ...]

    @property
    def num_vertices(self) -> int:
        """Vertices of the pruned cell (input and output included)."""
        return len(self.pruned_ops)

    @property
    def num_edges(self) -> int:
        """Edges of the pruned cell."""
        return sum(map(sum, self.pruned_matrix))

    def hash(self) -> str:
        """NAS-Bench-101's ``ModelSpec.hash_spec(available_ops)``."""
        labels = [-1] + [AVAILABLE_OPS.index(op) for op in self.pruned_ops[1:-1]] + [-2]
        return hash_module(self.pruned_matrix, labels)

    def spec(self) -> dict[str, list]:
        """``{"matrix": 7x7 list of lists, "ops": 7 op names}`` (NASLib's ``get_spec()``, padded to 7)."""
        matrix, ops = padded(self.matrix, self.ops)
        return {"matrix": [list(row) for row in matrix], "ops": list(ops)}

    def naslib_tuple(self) -> tuple[int, ...]:
        """NASLib's ``convert_spec_to_tuple``: 49 adjacency numbers then 7 op codes."""
        matrix, ops = padded(self.matrix, self.ops)
        return tuple(v for row in matrix for v in row) + tuple(NASLIB_OPS.index(op) for op in ops)

    def arch_str(self) -> str:
        """The canonical text of the cell: its NASLib tuple as Python text (the key format
        of NASLib's ``zc_nasbench101.json``)."""
        return str(self.naslib_tuple())

    def describe(self) -> str:
        """Readable form of the pruned cell, e.g. ``v1=conv3x3(v0); v2=maxpool(v0,v1); out=concat(v1,v2)``."""
        short = {CONV3X3: "conv3x3", CONV1X1: "conv1x1", MAXPOOL3X3: "maxpool"}
        n = self.num_vertices
        parts = []
        for v in range(1, n):
            srcs = ",".join(f"v{u}" for u in range(v) if self.pruned_matrix[u][v])
            parts.append(f"out=concat({srcs})" if v == n - 1 else f"v{v}={short[self.pruned_ops[v]]}({srcs})")
        return "; ".join(parts)


def padded(matrix: Sequence[Sequence[int]], ops: Sequence[str]) -> tuple[tuple[tuple[int, ...], ...], tuple[str, ...]]:
    """A cell of fewer than 7 vertices as the 7x7 cell NASLib's ``convert_to_cell`` makes:
    the output moves to vertex 6 and the new vertices are unconnected ``conv3x3-bn-relu``."""
    n = len(ops)
    if n == MAX_VERTICES:
        return tuple(tuple(int(v) for v in row) for row in matrix), tuple(ops)
    new = [[0] * MAX_VERTICES for _ in range(MAX_VERTICES)]
    for i in range(n):
        for j in range(n):
            if matrix[i][j]:
                new[i][MAX_VERTICES - 1 if j == n - 1 else j] = 1
    new_ops = list(ops[:n - 1]) + [CONV3X3] * (MAX_VERTICES - n) + [OUTPUT]
    return tuple(tuple(row) for row in new), tuple(new_ops)


def _as_int01(value: Any, i: int, j: int) -> int:
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, numbers.Integral):
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            as_float = None
        if as_float is None or as_float not in (0.0, 1.0):
            raise ArchitectureError(f"adjacency matrix entry [{i}][{j}] is {value!r}; entries must be 0 or 1")
        value = int(as_float)
    if value not in (0, 1):
        raise ArchitectureError(f"adjacency matrix entry [{i}][{j}] is {value!r}; entries must be 0 or 1")
    return int(value)


def make_cell(matrix: Any, ops: Any) -> Cell:
    """Validate ``matrix`` and ``ops`` (the rules of the module docstring) and prune."""
    try:
        rows = [list(row) for row in matrix]
    except TypeError:
        raise ArchitectureError(f"the adjacency matrix must be a list of rows, got {matrix!r}") from None
    n = len(rows)
    if n < 2 or any(len(row) != n for row in rows):
        raise ArchitectureError(
            f"the adjacency matrix must be square with at least 2 vertices, got rows of lengths "
            f"{[len(r) for r in rows]}")
    if isinstance(ops, str) or not isinstance(ops, Iterable):
        raise ArchitectureError(f"ops must be a list of {n} op names, got {ops!r}")
    ops = [str(op) for op in ops]
    if len(ops) != n:
        raise ArchitectureError(f"length of ops ({len(ops)}) must match the matrix dimension ({n})")
    clean = [[_as_int01(rows[i][j], i, j) for j in range(n)] for i in range(n)]
    below = [(i, j) for i in range(n) for j in range(i + 1) if clean[i][j]]
    if below:
        i, j = below[0]
        raise ArchitectureError(
            f"the adjacency matrix must be upper triangular (edges only from a vertex to a later one): "
            f"entry [{i}][{j}] is 1" + (f" and {len(below) - 1} more" if len(below) > 1 else ""))
    if ops[0] != INPUT:
        raise ArchitectureError(f"the first op must be {INPUT!r}, got {ops[0]!r}")
    if ops[-1] != OUTPUT:
        raise ArchitectureError(f"the last op must be {OUTPUT!r}, got {ops[-1]!r}")
    for v, op in enumerate(ops[1:-1], start=1):
        if op not in AVAILABLE_OPS:
            raise ArchitectureError(
                f"unknown op {op!r} at vertex {v}; NAS-Bench-101 ops are {', '.join(AVAILABLE_OPS)}")
    pruned = prune(clean, ops)
    if pruned is None:
        raise ArchitectureError(
            "disconnected cell: no path from the input to the output vertex "
            f"(matrix {clean})")
    p_matrix, p_ops = pruned
    if len(p_ops) > MAX_VERTICES:
        raise ArchitectureError(
            f"too many vertices: {len(p_ops)} after pruning, NAS-Bench-101 allows at most {MAX_VERTICES}")
    edges = sum(map(sum, p_matrix))
    if edges > MAX_EDGES:
        raise ArchitectureError(
            f"too many edges: {edges} (after pruning dangling vertices), NAS-Bench-101 allows at most {MAX_EDGES}")
    return Cell(tuple(tuple(r) for r in clean), tuple(ops), p_matrix, p_ops)


def from_naslib_tuple(values: Sequence[Any]) -> Cell:
    """A cell from NASLib's tuple (``n*n`` adjacency numbers then ``n`` op codes; n = 7)."""
    values = list(values)
    length = len(values)
    n = int(round((-1 + (1 + 4 * length) ** 0.5) / 2))
    if n < 2 or n * n + n != length:
        raise ArchitectureError(
            f"NASLib's NAS-Bench-101 tuple has {TUPLE_LENGTH} numbers (49 adjacency + 7 op codes), "
            f"got {length}")
    codes = values[n * n:]
    ops = []
    for v, code in enumerate(codes):
        if isinstance(code, bool) or not isinstance(code, numbers.Integral) or not 0 <= int(code) < len(NASLIB_OPS):
            raise ArchitectureError(
                f"unknown op code {code!r} at vertex {v} of the tuple; codes are 0..4 = "
                f"{', '.join(NASLIB_OPS)}")
        ops.append(NASLIB_OPS[int(code)])
    matrix = [values[i * n:(i + 1) * n] for i in range(n)]
    return make_cell(matrix, ops)


def parse_spec(spec: Any) -> Cell:
    """Validate any accepted spelling of a cell and return it as a :class:`Cell`.

    Accepted: a :class:`Cell`; a dict ``{"matrix": ..., "ops": [...]}`` (NumPy
    arrays fine); a ``(matrix, ops)`` pair; NASLib's tuple (list, tuple, array)
    or its text ``"(0, 1, ...)"``; an object with ``get_spec()`` (a nasplug or
    NASLib graph) or with ``original_matrix``/``original_ops`` (a NAS-Bench-101
    ``ModelSpec``). A NAS-Bench-101 hash names a cell only through a table: pass
    it to the benchmark's ``query`` instead.
    """
    if isinstance(spec, Cell):
        return spec
    if isinstance(spec, str):
        text = spec.strip()
        if is_hash(text):
            raise ArchitectureError(
                f"{text!r} is a NAS-Bench-101 hash; a hash names a cell only through a table: use "
                "nasplug.get_dataset_api('nasbench101', 'cifar10').query(hash) or give the matrix and ops")
        if text.startswith("{"):
            import json

            try:
                return parse_spec(json.loads(text))
            except ValueError as exc:
                raise ArchitectureError(f"malformed NAS-Bench-101 spec {spec!r}: {exc}") from None
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise ArchitectureError(
                f"malformed NAS-Bench-101 architecture {spec!r}; expected e.g. {_EXAMPLE}") from None
        if isinstance(value, (tuple, list)):
            return parse_spec(tuple(value))
        raise ArchitectureError(f"malformed NAS-Bench-101 architecture {spec!r}; expected e.g. {_EXAMPLE}")
    if isinstance(spec, dict):
        if "matrix" not in spec or "ops" not in spec:
            raise ArchitectureError(f"a NAS-Bench-101 spec dict needs 'matrix' and 'ops' keys, got {sorted(spec)}")
        return make_cell(spec["matrix"], spec["ops"])
    if hasattr(spec, "original_matrix") and hasattr(spec, "original_ops"):
        return make_cell(spec.original_matrix, spec.original_ops)
    if hasattr(spec, "get_spec") and callable(spec.get_spec):
        return parse_spec(spec.get_spec())
    try:
        values = list(spec)
    except TypeError:
        raise ArchitectureError(
            f"cannot read a NAS-Bench-101 cell from {type(spec).__name__} {spec!r}; expected e.g. {_EXAMPLE}") from None
    if len(values) == 2 and not isinstance(values[0], numbers.Number):
        return make_cell(values[0], values[1])
    if hasattr(spec, "tolist"):
        values = spec.tolist()
    return from_naslib_tuple(values)


def is_valid(spec: Any) -> bool:
    """True if ``spec`` is a valid NAS-Bench-101 cell (never raises)."""
    try:
        parse_spec(spec)
    except ArchitectureError:
        return False
    return True


def spec_hash(spec: Any) -> str:
    """The NAS-Bench-101 hash of any accepted spelling of a cell."""
    return parse_spec(spec).hash()


def to_naslib_tuple(spec: Any) -> tuple[int, ...]:
    return parse_spec(spec).naslib_tuple()


# -- sampling and neighbours ----------------------------------------------------------------------
def random_cell(rng: random.Random | None = None, seed: int | None = None) -> Cell:
    """A random valid cell as NASLib's ``sample_random_architecture`` draws one: each of
    the 21 upper-triangular entries of a 7x7 matrix 0/1 with probability 1/2, each
    interior op uniform, redrawn until valid (the draw comes from ``rng``/``seed``)."""
    if rng is None:
        rng = random.Random(seed)
    n = MAX_VERTICES
    while True:
        matrix = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                matrix[i][j] = rng.randrange(2)
        ops = [INPUT] + [rng.choice(AVAILABLE_OPS) for _ in range(n - 2)] + [OUTPUT]
        try:
            return make_cell(matrix, ops)
        except ArchitectureError:
            continue


def mutate(spec: Any, rng: random.Random | None = None, seed: int | None = None) -> Cell:
    """NASLib's ``mutate`` (after NAS-Bench-101's example): flip each upper-triangular
    edge with probability 1/7 and change each interior op with probability 1/3 to
    another op, until the result is valid. Unlike NASLib, a result isomorphic to the
    parent (same hash) is redrawn too, so the child is always another cell."""
    if rng is None:
        rng = random.Random(seed)
    parent = parse_spec(spec)
    matrix, ops = padded(parent.matrix, parent.ops)
    parent_hash = parent.hash()
    n = MAX_VERTICES
    while True:
        new = [list(row) for row in matrix]
        new_ops = list(ops)
        for i in range(n - 1):
            for j in range(i + 1, n):
                if rng.random() < 1 / n:
                    new[i][j] = 1 - new[i][j]
        for v in range(1, n - 1):
            if rng.random() < 1 / len(AVAILABLE_OPS):
                new_ops[v] = rng.choice([op for op in AVAILABLE_OPS if op != new_ops[v]])
        try:
            child = make_cell(new, new_ops)
        except ArchitectureError:
            continue
        if child.hash() != parent_hash:
            return child


def neighbours(spec: Any) -> list[Cell]:
    """Every other valid cell one edit away (NASLib's ``get_nbhd``): one interior op of the
    pruned cell changed, or one edge of the 7x7 matrix flipped; one cell per hash, in a
    fixed order (ops first, then edges row by row), the cell itself excluded."""
    cell = parse_spec(spec)
    matrix, ops = padded(cell.matrix, cell.ops)
    n = MAX_VERTICES
    alive = _alive_vertices(matrix)  # vertices of the 7x7 matrix that survive pruning
    seen = {cell.hash()}
    out: list[Cell] = []

    def add(new_matrix, new_ops) -> None:
        try:
            c = make_cell(new_matrix, new_ops)
        except ArchitectureError:
            return
        h = c.hash()
        if h not in seen:
            seen.add(h)
            out.append(c)

    for v in range(1, n - 1):
        if v not in alive:
            continue
        for op in AVAILABLE_OPS:
            if op != ops[v]:
                add(matrix, ops[:v] + (op,) + ops[v + 1:])
    for i in range(n - 1):
        for j in range(i + 1, n):
            new = [list(row) for row in matrix]
            new[i][j] = 1 - new[i][j]
            add(new, ops)
    return out


def _alive_vertices(matrix: Sequence[Sequence[int]]) -> set[int]:
    n = len(matrix)
    fwd, stack = {0}, [0]
    while stack:
        u = stack.pop()
        for v in range(u + 1, n):
            if matrix[u][v] and v not in fwd:
                fwd.add(v)
                stack.append(v)
    bwd, stack = {n - 1}, [n - 1]
    while stack:
        u = stack.pop()
        for v in range(u):
            if matrix[v][u] and v not in bwd:
                bwd.add(v)
                stack.append(v)
    return fwd & bwd


def vertex_channels(in_channels: int, out_channels: int, matrix: Sequence[Sequence[int]]) -> list[int]:
    """Output channels of every vertex of a pruned cell (NAS-Bench-101 ``compute_vertex_channels``).

    The output's channels are split evenly among the vertices feeding it (the
    first ``out % k`` of them get one more); every other interior vertex gets the
    largest channel count among the interior vertices it feeds; vertex 0 has
    ``in_channels``. Tensors are truncated to the receiving vertex's channels
    where one more channel arrives, and the input is projected by 1x1 convs.
    """
    n = len(matrix)
    channels = [0] * n
    channels[0] = in_channels
    channels[n - 1] = out_channels
    if n == 2:
        return channels
    fan_in_out = sum(matrix[v][n - 1] for v in range(1, n))
    interior, correction = divmod(out_channels, fan_in_out)
    for v in range(1, n - 1):
        if matrix[v][n - 1]:
            channels[v] = interior
            if correction:
                channels[v] += 1
                correction -= 1
    for v in range(n - 3, 0, -1):
        if not matrix[v][n - 1]:
            for dst in range(v + 1, n - 1):
                if matrix[v][dst]:
                    channels[v] = max(channels[v], channels[dst])
        if channels[v] <= 0:
            raise ArchitectureError(f"vertex {v} gets no channels (is the cell pruned?)")
    return channels
