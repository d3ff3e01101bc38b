"""Architecture encodings of the TransNAS-Bench-101 macro space (no torch).

A macro architecture is the skeleton of a ResNet-like encoder: 4 to 6 modules,
each written as one digit (TransNAS-Bench-101, Duan et al. 2021, Sec. 3.2), every
module two ``basic`` residual blocks:

====  ==========================================
1     keep channels and resolution
2     double the channels
3     halve the resolution (stride 2)
4     both
====  ==========================================

The space holds every code with 1 to 4 resolution halvings (digits 3, 4) and 1
to 3 channel doublings (digits 2, 4): 210 + 750 + 2,296 = 3,256 architectures.

Two encodings name the same architecture:

* the official string ``64-<digits>-basic`` (base channels 64, e.g. ``64-2323-basic``);
* NASLib's op-index tuple: the digits padded with trailing zeros to length 6,
  e.g. ``(2, 3, 2, 3, 0, 0)`` (``convert_op_indices_macro_to_str``); the
  unpadded digits (NASLib's zero-cost files write some keys that way) are read too.
"""

from __future__ import annotations

import itertools
import numbers
import random
import re
from typing import Any, Iterator

from nasplug.errors import ArchitectureError

BASE_CHANNELS = 64
MIN_MODULES, MAX_MODULES = 4, 6
#: digit -> what the module does
MODULE_CODES = {1: "keep", 2: "double channels", 3: "halve resolution", 4: "double channels, halve resolution"}
#: limits of the space: resolution halvings (digits 3, 4) and channel doublings (digits 2, 4)
MIN_DOWNSAMPLE, MAX_DOWNSAMPLE = 1, 4
MIN_WIDEN, MAX_WIDEN = 1, 3
NUM_ARCHITECTURES = 3256

_STR_RE = re.compile(r"^64-([1-4]{4,6})-basic$")
_EXAMPLE = "'64-2323-basic' or (2, 3, 2, 3, 0, 0)"


def downsamplings(digits: tuple[int, ...]) -> int:
    return sum(d in (3, 4) for d in digits)


def widenings(digits: tuple[int, ...]) -> int:
    return sum(d in (2, 4) for d in digits)


def _check(digits: list[int], spec: Any) -> tuple[int, ...]:
    if not MIN_MODULES <= len(digits) <= MAX_MODULES:
        raise ArchitectureError(
            f"a TransNAS-Bench-101 macro architecture has {MIN_MODULES} to {MAX_MODULES} modules, "
            f"{spec!r} has {len(digits)}; expected e.g. {_EXAMPLE}")
    for pos, d in enumerate(digits):
        if not 1 <= d <= 4:
            raise ArchitectureError(
                f"module code {d!r} at position {pos} of {spec!r} is not one of 1..4 "
                "(1 keep, 2 double channels, 3 halve resolution, 4 both)")
    t = tuple(digits)
    down, wide = downsamplings(t), widenings(t)
    if not MIN_DOWNSAMPLE <= down <= MAX_DOWNSAMPLE:
        raise ArchitectureError(
            f"{to_arch_str_unchecked(t)!r} halves the resolution {down} times; TransNAS-Bench-101's macro "
            f"space has {MIN_DOWNSAMPLE} to {MAX_DOWNSAMPLE} halvings (digits 3 and 4)")
    if not MIN_WIDEN <= wide <= MAX_WIDEN:
        raise ArchitectureError(
            f"{to_arch_str_unchecked(t)!r} doubles the channels {wide} times; TransNAS-Bench-101's macro "
            f"space has {MIN_WIDEN} to {MAX_WIDEN} doublings (digits 2 and 4)")
    return t


def to_arch_str_unchecked(digits: tuple[int, ...]) -> str:
    return f"{BASE_CHANNELS}-{''.join(str(d) for d in digits if d)}-basic"


def parse_macro(spec: Any) -> tuple[int, ...]:
    """Validate any accepted spelling and return the module digits (unpadded, 4 to 6 of them).

    Accepted: ``'64-2323-basic'``; a sequence of digits with optional trailing
    zeros (NASLib's tuple, a list, a NumPy array); the text of such a tuple; an
    object with ``get_hash()``.
    """
    if isinstance(spec, str):
        text = spec.strip()
        m = _STR_RE.match(text)
        if m:
            return _check([int(c) for c in m.group(1)], spec)
        if text.startswith(("(", "[")):
            inner = text.strip("()[] ")
            try:
                values = [int(v) for v in inner.split(",") if v.strip()]
            except ValueError:
                values = None
            if values is not None:
                return parse_macro(values)
        raise ArchitectureError(
            f"malformed TransNAS-Bench-101 macro architecture {spec!r}: expected '64-<4 to 6 digits 1..4>-basic' "
            f"or NASLib's zero-padded tuple, e.g. {_EXAMPLE}")
    if hasattr(spec, "get_hash") and not isinstance(spec, (tuple, list)):
        return parse_macro(spec.get_hash())
    try:
        values = list(spec.tolist() if hasattr(spec, "tolist") else spec)
    except TypeError:
        raise ArchitectureError(f"cannot read a TransNAS-Bench-101 macro architecture from "
                                f"{type(spec).__name__} {spec!r}; expected e.g. {_EXAMPLE}") from None
    digits = []
    for pos, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise ArchitectureError(f"module code {v!r} at position {pos} of {tuple(values)!r} is not an integer")
        digits.append(int(v))
    while digits and digits[-1] == 0:
        digits.pop()
    if len(values) > MAX_MODULES:
        raise ArchitectureError(f"NASLib's macro tuple has {MAX_MODULES} entries, got {len(values)}: {tuple(values)!r}")
    return _check(digits, tuple(values))


def to_arch_str(spec: Any) -> str:
    """The official string, e.g. ``(2, 3, 2, 3, 0, 0)`` -> ``'64-2323-basic'``."""
    return to_arch_str_unchecked(parse_macro(spec))


def to_op_indices(spec: Any) -> tuple[int, ...]:
    """NASLib's tuple: the digits padded with zeros to length 6."""
    digits = parse_macro(spec)
    return digits + (0,) * (MAX_MODULES - len(digits))


def is_valid(spec: Any) -> bool:
    try:
        parse_macro(spec)
    except ArchitectureError:
        return False
    return True


def iter_architectures() -> Iterator[tuple[int, ...]]:
    """Every architecture (unpadded digits): 4 modules first, each length in lexicographic order."""
    for n in range(MIN_MODULES, MAX_MODULES + 1):
        for digits in itertools.product((1, 2, 3, 4), repeat=n):
            if MIN_DOWNSAMPLE <= downsamplings(digits) <= MAX_DOWNSAMPLE and \
                    MIN_WIDEN <= widenings(digits) <= MAX_WIDEN:
                yield digits


def all_architectures() -> list[tuple[int, ...]]:
    return list(iter_architectures())


def _compose(n: int, down: int, wide: int, rng: random.Random) -> tuple[int, ...]:
    u = [2 * int(i < down) for i in range(n)]
    v = [int(i < wide) for i in range(n)]
    rng.shuffle(u)
    rng.shuffle(v)
    return tuple(1 + a + b for a, b in zip(u, v))


def random_architecture(rng: random.Random | None = None, seed: int | None = None) -> tuple[int, ...]:
    """NASLib's ``sample_random_architecture`` (zerocost branch): 4 + U{0..2} modules,
    U{1..4} halvings and U{1..3} doublings, each set of positions shuffled."""
    if rng is None:
        rng = random.Random(seed)
    n = MIN_MODULES + rng.randint(0, 2)
    down = rng.randint(MIN_DOWNSAMPLE, MAX_DOWNSAMPLE)
    wide = rng.randint(MIN_WIDEN, MAX_WIDEN)
    return _compose(n, down, wide, rng)


def mutate(spec: Any, rng: random.Random | None = None, seed: int | None = None) -> tuple[int, ...]:
    """NASLib's ``mutate``: change one of (modules, halvings, doublings) to another allowed value
    and redraw the positions; redrawn until the result differs from ``spec``."""
    if rng is None:
        rng = random.Random(seed)
    parent = parse_macro(spec)
    counts = [len(parent), downsamplings(parent), widenings(parent)]
    ranges = [range(MIN_MODULES, MAX_MODULES + 1), range(MIN_DOWNSAMPLE, MAX_DOWNSAMPLE + 1),
              range(MIN_WIDEN, MAX_WIDEN + 1)]
    while True:
        new = list(counts)
        which = rng.randint(0, 2)
        new[which] = rng.choice([v for v in ranges[which] if v != counts[which]])
        child = _compose(new[0], new[1], new[2], rng)
        if child != parent:
            return child


def neighbours(spec: Any) -> list[tuple[int, ...]]:
    """Every other valid architecture one edit away: one module's code changed, one module
    removed, or one module inserted (any code, any position); fixed order, no duplicates.
    (NASLib's ``get_nbhd`` draws random permutations instead, so it has no fixed neighbourhood.)"""
    parent = parse_macro(spec)
    seen = {parent}
    out = []

    def add(digits) -> None:
        digits = tuple(digits)
        if digits not in seen and is_valid(digits):
            seen.add(digits)
            out.append(digits)

    for i, d in enumerate(parent):
        for other in (1, 2, 3, 4):
            if other != d:
                add(parent[:i] + (other,) + parent[i + 1:])
    for i in range(len(parent)):
        add(parent[:i] + parent[i + 1:])
    for i in range(len(parent) + 1):
        for code in (1, 2, 3, 4):
            add(parent[:i] + (code,) + parent[i:])
    return out


# NASLib's names
def convert_op_indices_macro_to_str(op_indices: Any) -> str:
    return to_arch_str(op_indices)
