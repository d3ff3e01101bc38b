"""SearchBudget: counting, caps, free repeats, trajectory (real NAS-Bench-201 table)."""

from __future__ import annotations

import math

import pytest

from nasplug.errors import NasplugError
from nasplug.search import BudgetExhausted, SearchBudget, run_search, summarize


def archs(task, n, start=0):
    return task.api.architectures()[start:start + n]


def test_queries_counted_once_capped_and_recorded(nb201):
    budget = SearchBudget(nb201, max_queries=3)
    a, b, c, d = archs(nb201, 4, start=100)
    values = [budget.query(x) for x in (a, b, a, c)]
    assert values[0] == values[2] == nb201.api.query(a)
    assert budget.queries_used == 3 and budget.queries_left == 0 and budget.repeats == 1
    with pytest.raises(BudgetExhausted):
        budget.query(d)
    assert budget.query(b) == values[1]  # a repeat stays free after the budget is spent
    traj = budget.trajectory
    assert [t["query"] for t in traj] == [1, 2, 3] and [t["arch"] for t in traj] == [a, b, c]
    assert [t["best"] for t in traj] == [max(values[:k]) for k in (1, 2, 4)]


def test_proxy_budget_refuses_before_scoring(nb201, table_oracle):
    oracle = table_oracle(lambda a: float(len(a)))
    budget = SearchBudget(nb201, max_queries=5, max_proxy=4, oracle=oracle)
    cells = archs(nb201, 6)
    assert budget.score(cells[:3]) == [float(len(a)) for a in cells[:3]]
    assert budget.score(cells[:2]) and budget.proxy_used == 3  # repeats are free
    with pytest.raises(BudgetExhausted):
        budget.score(cells[2:5])  # two new, one left: nothing is scored
    assert oracle.asked == cells[:3] and budget.proxy_left == 1
    budget.score([cells[3]])
    assert budget.proxy_left == 0 and math.isclose(budget.proxy_seconds, 0.04)


def test_failed_cells_rank_last(nb201, table_oracle):
    budget = SearchBudget(nb201, 5, oracle=table_oracle(lambda a: None))
    assert budget.score(archs(nb201, 2)) == [-math.inf, -math.inf]


@pytest.mark.parametrize("queries, proxy", [(0, None), (-3, None), (5, -1)])
def test_bad_budgets(nb201, queries, proxy):
    with pytest.raises(NasplugError, match="budget"):
        SearchBudget(nb201, queries, proxy)


def test_no_predictor_means_no_scores(nb201):
    budget = SearchBudget(nb201, 5)
    assert budget.proxy_left == 0
    with pytest.raises(NasplugError, match="--predictor"):
        budget.score(archs(nb201, 1))


def test_summary_statistics(nb201):
    from nasplug.search import get_strategy

    strategy = get_strategy("random")
    records = [run_search(strategy, strategy.domain(nb201), nb201, s, 12) for s in range(3)]
    best = nb201.best()[1]
    summary = summarize(records, 12, best)
    assert list(summary["at"]) == ["10", "12"]
    tens = [r["trajectory"][9]["best"] for r in records]
    assert math.isclose(summary["at"]["10"]["mean"], sum(tens) / 3)
    assert math.isclose(summary["at"]["10"]["regret"], best - summary["at"]["10"]["mean"])
    assert all(r["stopped"] == "budget" and r["queries"] == 12 for r in records)
