"""Property tests (hypothesis) of every search space's encodings (issue 15).

For each built-in search space: a random valid specification survives every
conversion its plugin offers and comes back equal; random text, tuples, numbers
and nested junk given to the plugin's parser either parse to a valid
architecture or raise :class:`nasplug.ArchitectureError`, never anything else.
The encodings are pure Python (no torch), so each property runs 200+ examples fast.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nasplug.errors import ArchitectureError

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: anything a user might pass as an architecture
junk = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
    | st.text(max_size=80) | st.binary(max_size=20),
    lambda inner: st.lists(inner, max_size=8) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


def only_architecture_errors(parse, value):
    try:
        parse(value)
    except ArchitectureError as exc:
        assert str(exc).strip() and len(str(exc).strip().splitlines()) == 1, repr(str(exc))


def digits_text(draw_tuple):
    """Texts that look almost like encodings: the reprs of near-valid tuples, with noise."""
    return st.one_of(draw_tuple.map(str), draw_tuple.map(lambda t: str(t)[:-1]),
                     draw_tuple.map(lambda t: "|".join(map(str, t))))


# -- NAS-Bench-201 ---------------------------------------------------------------
nb201 = pytest.importorskip("nasplug_nb201.conversions")
nb201_ops = st.tuples(*[st.integers(0, 4)] * 6)


@FAST
@given(nb201_ops)
def test_nb201_round_trips(ops):
    assert nb201.str_to_op_indices(nb201.op_indices_to_str(ops)) == ops
    assert nb201.index_to_op_indices(nb201.op_indices_to_index(ops)) == ops
    assert nb201.to_op_indices(str(ops)) == ops
    assert nb201.to_op_indices(nb201.to_str(ops)) == ops
    assert nb201.to_op_indices(nb201.to_index(ops)) == ops


@FAST
@given(st.one_of(junk, st.tuples(*[st.integers(-2, 7)] * 6), digits_text(nb201_ops),
                 st.integers(-100, 20000)))
def test_nb201_bad_specs_raise_architecture_error_only(value):
    only_architecture_errors(nb201.to_op_indices, value)


# -- NAS-Bench-301 ---------------------------------------------------------------
nb301 = pytest.importorskip("nasplug_nb301.encoding")


@FAST
@given(st.integers(0, 2**32 - 1))
def test_nb301_round_trips(seed):
    compact = nb301.random_compact(random.Random(seed))
    norm = nb301.normalize_compact(compact)
    assert nb301.normalize_compact(nb301.parse_arch_string(nb301.compact_to_str(compact))) == norm
    assert nb301.normalize_compact(nb301.genotype_to_compact(nb301.compact_to_genotype(compact))) == norm
    assert nb301.normalize_compact(nb301.config_to_compact(nb301.compact_to_config(compact))) == norm
    assert nb301.normalize_compact(nb301.to_compact(nb301.compact_to_str(compact))) == norm


@FAST
@given(st.one_of(junk, st.integers(0, 2**32 - 1).map(
    lambda s: nb301.compact_to_str(nb301.random_compact(random.Random(s)))[:-3])))
def test_nb301_bad_specs_raise_architecture_error_only(value):
    only_architecture_errors(nb301.to_compact, value)


# -- TransNAS-Bench-101 micro and macro -------------------------------------------
tnb = pytest.importorskip("nasplug_tnb101.encoding")
tnb_ops = st.tuples(*[st.integers(0, 3)] * 6)


@FAST
@given(tnb_ops)
def test_tnb101_micro_round_trips(ops):
    assert tnb.parse_arch(tnb.to_arch_str(ops)) == ops
    assert tnb.parse_arch(str(ops)) == ops
    assert tnb.from_index(tnb.arch_index(ops)) == ops


@FAST
@given(st.one_of(junk, st.tuples(*[st.integers(-1, 5)] * 6), digits_text(tnb_ops)))
def test_tnb101_micro_bad_specs_raise_architecture_error_only(value):
    only_architecture_errors(tnb.parse_arch, value)


def _macro():
    try:
        from nasplug_tnb101 import macro_encoding
    except ImportError:
        pytest.skip("no TransNAS-Bench-101 macro encoding installed")
    return macro_encoding


@FAST
@given(st.integers(0, 2**32 - 1))
def test_tnb101_macro_round_trips(seed):
    macro = _macro()
    digits = macro.random_architecture(random.Random(seed))
    assert macro.parse_macro(macro.to_arch_str(digits)) == digits
    assert macro.parse_macro(digits) == digits


@FAST
@given(st.one_of(junk, st.lists(st.integers(-1, 6), max_size=8).map(tuple)))
def test_tnb101_macro_bad_specs_raise_architecture_error_only(value):
    only_architecture_errors(_macro().parse_macro, value)


# -- NAS-Bench-101 ----------------------------------------------------------------
def _nb101():
    try:
        from nasplug_nb101 import spec
    except ImportError:
        pytest.skip("nasplug-nb101 is not installed")
    return spec


@FAST
@given(st.integers(0, 2**32 - 1))
def test_nb101_round_trips(seed):
    spec = _nb101()
    cell = spec.random_cell(random.Random(seed))
    assert spec.parse_spec(cell.naslib_tuple()).hash() == cell.hash()
    assert spec.parse_spec(cell.spec()).hash() == cell.hash()
    assert spec.parse_spec(cell.arch_str()).hash() == cell.hash()
    assert spec.to_naslib_tuple(spec.from_naslib_tuple(cell.naslib_tuple())) == cell.naslib_tuple()


@FAST
@given(st.one_of(junk, st.lists(st.integers(-1, 5), min_size=0, max_size=60).map(tuple)))
def test_nb101_bad_specs_raise_architecture_error_only(value):
    only_architecture_errors(_nb101().parse_spec, value)
