"""Unsupervised ensembles of zero-cost proxies: ``--predictor ensemble:synflow,jacov,nwot``.

An :class:`Ensemble` is a :class:`~nasplug.population.PopulationPredictor` whose
components are its members' per-cell scores (each member scored and cached
under its own score-store key, so an ensemble after single-proxy runs of its
members scores nothing) and whose ``combine`` ranks each member over the
evaluated population and aggregates the ranks. Ranks are ascending (the best
score of a member gets rank n), ties share their average rank
(``scipy.stats.rankdata``). ``combine`` rules (:data:`COMBINES`):

``rank-mean`` (default)
    mean over members of rank / n: every member weighs the same whatever the
    scale of its scores.
``geometric``
    sum over members of log(rank / n), i.e. the log of the geometric mean of
    the normalised ranks: AZ-NAS's non-linear rank aggregation (Lee & Ham,
    CVPR 2024, Sec. 3.5), which lets a cell that one member ranks last fall far.
``vote``
    Abdelfattah et al. (ICLR 2021, Sec. 5) let synflow, jacov and snip *vote*
    on which of two architectures is better. Over a population that is
    Copeland's rule: a cell's score is the number of other cells that a
    majority of members ranks below it (a tie of the members counts 1/2).

Named on the command line as ``ensemble:M1,M2[,...][:combine=RULE,source=SRC,file=F]``
(members also separated by ``+``); ``source=naslib`` takes the members' scores
from NASLib's stored NAS-Bench-Suite-Zero file (:mod:`nasplug.naslib_scores`)
instead of computing them.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .errors import NasplugError
from .population import Population, PopulationPredictor, member_label


def member_ranks(matrix):
    """Column-wise ascending ranks (1 = worst, n = best), ties averaged."""
    from scipy.stats import rankdata

    return rankdata(matrix, axis=0, method="average")


def rank_mean(matrix):
    ranks = member_ranks(matrix)
    return ranks.mean(axis=1) / len(ranks)


def geometric(matrix):
    import numpy as np

    ranks = member_ranks(matrix)
    return np.log(ranks / len(ranks)).sum(axis=1)


def vote(matrix, block: int = 512):
    """Copeland score of each row: majority wins over the other rows, ties 1/2."""
    import numpy as np

    ranks = member_ranks(matrix)
    n = len(ranks)
    out = np.empty(n)
    for start in range(0, n, block):  # n x n x members in blocks: 15,625 cells stay in memory
        part = ranks[start:start + block]
        margin = np.sign(part[:, None, :] - ranks[None, :, :]).sum(axis=2)
        wins = (margin > 0).sum(axis=1) + 0.5 * (margin == 0).sum(axis=1)
        out[start:start + block] = wins - 0.5  # a cell ties with itself: not a win
    return out


#: combine rule -> function of the (cells x members) score matrix
COMBINES = {"rank-mean": rank_mean, "geometric": geometric, "vote": vote}
DEFAULT_COMBINE = "rank-mean"
SOURCES = ("nasplug", "naslib")


def _check_combine(value: str) -> str:
    value = str(value).strip().lower().replace("_", "-")
    if value not in COMBINES:
        raise NasplugError(f"unknown ensemble combine rule {value!r}; valid: {', '.join(COMBINES)}")
    return value


def resolve_members(names: Sequence[Any], *, source: str = "nasplug", file: str | None = None,
                    data_dir: Any = None, what: str = "ensemble") -> list:
    """Predictor instances for member names (instances pass through).

    ``source="naslib"``: NASLib's stored scores of each named proxy. A member
    that is not installed is the registry's one-line error (it names the
    distribution to install for a built-in).
    """
    if source not in SOURCES:
        raise NasplugError(f"{what}: unknown source {source!r}; valid: {', '.join(SOURCES)}")
    members = []
    for m in names:
        if not isinstance(m, str):
            members.append(m)
        elif source == "naslib":
            from .naslib_scores import NaslibScores

            members.append(NaslibScores(m, file=file, data_dir=data_dir))
        else:
            from .api import get_predictor

            if ":" in m:
                raise NasplugError(f"{what} member {m!r}: name population members in Python "
                                   "(nasplug.ensemble.Ensemble([...]))")
            members.append(get_predictor(m))
    return members


class Ensemble(PopulationPredictor):
    """Rank aggregation of member predictors over the evaluated population (no labels).

    ``members``: predictor names or instances (at least two); ``combine``:
    one of :data:`COMBINES`; ``source``/``file``: see the module docstring.
    """

    name = "ensemble"

    def __init__(self, members: Sequence[Any] = (), combine: str = DEFAULT_COMBINE,
                 source: str = "nasplug", file: str | None = None, data_dir: Any = None,
                 method_type: str | None = None) -> None:
        self.combine_rule = _check_combine(combine)
        self.source = source
        self.file = file
        self._members = resolve_members(members, source=source, file=file, data_dir=data_dir)
        labels = [member_label(m) for m in self._members]
        if len(self._members) < 2:
            raise NasplugError(f"an ensemble needs at least two members, got {labels or 'none'}; "
                               "e.g. --predictor ensemble:synflow,jacov,snip")
        if len(set(labels)) != len(labels):
            raise NasplugError(f"ensemble member given twice: {', '.join(labels)}")
        self.requires_data = any(getattr(m, "requires_data", True) for m in self._members)
        super().__init__(method_type=method_type or self.spec())

    def spec(self) -> str:
        """The canonical command-line name (it round-trips through :func:`from_name`)."""
        names = [getattr(m, "proxy", None) or member_label(m) for m in self._members]
        options = [f"combine={self.combine_rule}"]
        if self.source != "nasplug":
            options.append(f"source={self.source}")
        if self.file:
            options.append(f"file={self.file}")
        return f"ensemble:{','.join(names)}:{','.join(options)}"

    def members(self) -> Sequence[Any]:
        return self._members

    def combine(self, population: Population) -> Mapping[str, float]:
        values = COMBINES[self.combine_rule](population.matrix())
        return dict(zip(population.cells, map(float, values)))

    def candidate_cells(self, context):
        sets = [m.candidate_cells(context) for m in self._members if hasattr(m, "candidate_cells")]
        sets = [set(s) for s in sets if s is not None]
        if not sets:
            return None
        common = set.intersection(*sets)
        return [c for c in context.labelled_cells() if c in common]

    def describe(self) -> dict:
        return {"kind": "ensemble", "combine": self.combine_rule, "source": self.source,
                "file": self.file, "members": [member_label(m) for m in self._members]}


def from_name(rest: str, **kwargs: Any) -> Ensemble:
    """``--predictor ensemble:REST`` (see the module docstring); ``kwargs`` fill unset options."""
    from .population import parse_rest

    members, options = parse_rest("ensemble", rest, kwargs, allowed=("combine", "source", "file"))
    return Ensemble(members, combine=options.get("combine", DEFAULT_COMBINE),
                    source=options.get("source", "nasplug"), file=options.get("file"))


__all__ = ["COMBINES", "DEFAULT_COMBINE", "Ensemble", "from_name", "geometric", "member_ranks",
           "rank_mean", "vote"]
