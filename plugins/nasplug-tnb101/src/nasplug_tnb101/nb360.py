"""NAS-Bench-Suite-Zero's NAS-Bench-360 tasks on the TransNAS-Bench-101 micro space (no torch).

Tasks ``svhn``, ``ninapro`` and ``scifar100`` (registered when ``nasplug-nb360``,
their datasets and table reader, is installed). NASLib scored and trained them
on another network than the Taskonomy tasks: ``get_search_space(
"transbench101_micro", dataset)`` for these datasets builds NASLib's own graph
(``create_graph=True``, ``use_small_model=True``), see
:mod:`nasplug_tnb101.nb360_network`.

**Encoding.** The table's ``naslib_arch`` for this space is the op-index tuple of
that NASLib graph, which is *not* the official digit tuple: its six positions are
the cell edges in NASLib's ``EDGE_LIST`` order (1,2), (1,3), (1,4), (2,3),
(2,4), (3,4) (nodes 1..4) and its values index NASLib's ``OP_NAMES`` = Identity,
Zero, ReLUConvBN3x3, ReLUConvBN1x1. The official digits (0 none, 1 skip, 2
conv1x1, 3 conv3x3, positions a..f = (1,2), (1,3), (2,3), (1,4), (2,4), (3,4))
follow by :func:`naslib_graph_to_digits`. Evidence, from the table itself: on
each task exactly two architectures sit at chance accuracy (SVHN 19.59 %,
NinaPro 64.80 %, Spherical CIFAR-100 1 %), and they are exactly the two whose
cell output is cut off by zero edges when read the NASLib-graph way (none is
when read as official digits). Everything nasplug returns uses the official
string and digits, as for the Taskonomy tasks; :func:`digits_to_naslib_graph`
gives NASLib's tuple back.
"""

from __future__ import annotations

from typing import Any

from . import encoding

#: NASLib's graph edge order (``transbench101/conversions.py`` ``EDGE_LIST``), nodes 1..4
NASLIB_GRAPH_EDGES = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))
#: official positions a..f as edges of the same 1-based nodes
DIGIT_EDGES = tuple((u + 1, v + 1) for u, v in encoding.EDGES)
#: NASLib graph op index (Identity, Zero, ReLUConvBN3x3, ReLUConvBN1x1) -> official digit
NASLIB_GRAPH_OP_TO_DIGIT = (1, 0, 3, 2)
DIGIT_TO_NASLIB_GRAPH_OP = tuple(NASLIB_GRAPH_OP_TO_DIGIT.index(d) for d in range(encoding.NUM_OPS))


def naslib_graph_to_digits(ops: Any) -> tuple[int, ...]:
    """NASLib's graph op-index tuple (e.g. ``"(0, 3, 1, 0, 2, 3)"``) -> official digits ``(a, ..., f)``."""
    values = encoding.parse_arch(ops)  # same alphabet and length: six integers 0..3
    by_edge = {edge: NASLIB_GRAPH_OP_TO_DIGIT[v] for edge, v in zip(NASLIB_GRAPH_EDGES, values)}
    return tuple(by_edge[edge] for edge in DIGIT_EDGES)


def digits_to_naslib_graph(spec: Any) -> tuple[int, ...]:
    """Official digits or string -> NASLib's graph op-index tuple (inverse of :func:`naslib_graph_to_digits`)."""
    digits = encoding.parse_arch(spec)
    by_edge = {edge: DIGIT_TO_NASLIB_GRAPH_OP[d] for edge, d in zip(DIGIT_EDGES, digits)}
    return tuple(by_edge[edge] for edge in NASLIB_GRAPH_EDGES)


__all__ = ["DIGIT_EDGES", "NASLIB_GRAPH_EDGES", "NASLIB_GRAPH_OP_TO_DIGIT", "digits_to_naslib_graph",
           "naslib_graph_to_digits"]
