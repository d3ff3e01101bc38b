"""The built-in strategies do what their papers say, reproducibly (real NAS-Bench-201 table)."""

from __future__ import annotations

import pytest

from nasplug.errors import NasplugError
from nasplug.search import get_strategy, run_search
from nasplug_nb201 import conversions as conv


def hamming(a, b):
    return sum(x != y for x, y in zip(conv.to_op_indices(a), conv.to_op_indices(b)))


def proxy_from_truth(task):
    """A proxy that ranks exactly as the ground truth does (so its choices are predictable)."""
    return lambda arch: task.api.query(arch)


@pytest.mark.parametrize("spec", ["random", "ae", "ae-warmup:n=40", "ae-move", "proxy-top:n=40"])
def test_same_seed_same_trajectory(nb201, table_oracle, spec):
    strategy = get_strategy(spec)
    oracle = table_oracle(proxy_from_truth(nb201)) if strategy.uses_proxy else None
    runs = [run_search(strategy, strategy.domain(nb201), nb201, seed, 30, oracle=oracle)
            for seed in (4, 4, 5)]
    assert runs[0]["trajectory"] == runs[1]["trajectory"]
    assert [t["arch"] for t in runs[0]["trajectory"]] != [t["arch"] for t in runs[2]["trajectory"]]
    assert all(r["queries"] == 30 for r in runs)
    best = [t["best"] for t in runs[0]["trajectory"]]
    assert best == sorted(best)


def test_aging_evolution_mutates_the_best_of_a_sample(nb201):
    strategy = get_strategy("ae:population=5,sample_size=2")
    record = run_search(strategy, strategy.domain(nb201), nb201, 0, 40)
    queried = [t["arch"] for t in record["trajectory"]]
    for k, child in enumerate(queried[5:], start=5):
        # every child is one edge away from an architecture queried before it
        assert any(hamming(child, parent) == 1 for parent in queried[:k]), child


def test_warmup_queries_the_proxy_top_first(nb201, table_oracle):
    oracle = table_oracle(proxy_from_truth(nb201))
    strategy = get_strategy("ae-warmup:n=50,population=8,sample_size=3")
    budget_record = run_search(strategy, strategy.domain(nb201), nb201, 1, 20, oracle=oracle)
    scored = list(dict.fromkeys(oracle.asked))
    assert len(scored) == budget_record["proxy_evals"] <= 50
    first = [t["arch"] for t in budget_record["trajectory"][:8]]
    expected = sorted(scored, key=lambda a: -nb201.api.query(a))[:8]
    assert first == expected


def test_move_takes_the_proxy_best_neighbour(nb201, table_oracle):
    oracle = table_oracle(proxy_from_truth(nb201))
    strategy = get_strategy("ae-move:random_move=0,population=4,sample_size=4")
    record = run_search(strategy, strategy.domain(nb201), nb201, 2, 12, oracle=oracle)
    traj = [t["arch"] for t in record["trajectory"]]
    pool = traj[:4]
    # sample_size = population: the parent is the population's best; the child its best neighbour
    parent = max(pool, key=nb201.api.query)
    best_neighbour = max((conv.op_indices_to_str(n) for n in conv.neighbours(parent)),
                         key=nb201.api.query)
    assert traj[4] == best_neighbour
    assert record["proxy_evals"] >= 24


def test_move_falls_back_to_plain_mutation_without_proxy_budget(nb201, table_oracle):
    strategy = get_strategy("ae-move:population=4,sample_size=2")
    record = run_search(strategy, strategy.domain(nb201), nb201, 0, 10, max_proxy=30,
                        oracle=table_oracle(proxy_from_truth(nb201)))
    assert record["proxy_evals"] <= 30 and strategy.plain_moves > 0 and record["queries"] == 10


def test_proxy_top_queries_in_rank_order(nb201, table_oracle):
    oracle = table_oracle(lambda a: -conv.to_index(a))  # the proxy prefers low indices
    strategy = get_strategy("proxy-top:n=30")
    record = run_search(strategy, strategy.domain(nb201), nb201, 3, 5, oracle=oracle)
    scored = list(dict.fromkeys(oracle.asked))
    assert [t["arch"] for t in record["trajectory"]] == sorted(scored, key=conv.to_index)[:5]


def test_proxy_strategy_needs_a_predictor(nb201):
    strategy = get_strategy("ae-warmup")
    with pytest.raises(NasplugError, match="--predictor"):
        run_search(strategy, strategy.domain(nb201), nb201, 0, 5)


@pytest.mark.parametrize("spec, match", [
    ("ae:population=0", "population"), ("ae:population=3,sample_size=5", "sample_size"),
    ("ae-move:random_move=2", "random_move"), ("ae:colour=red", "colour"),
    ("ae:population", "key=value"), ("nosuchstrategy", "unknown search strategy"),
])
def test_bad_strategy_specs(data_env, spec, match):
    with pytest.raises(NasplugError, match=match):
        get_strategy(spec)


def test_every_installed_task_is_searchable(data_env, table_oracle):
    """random, ae and ae-move on every installed task: only labelled cells are queried."""
    from nasplug.evaluation.tasks import installed_tasks
    from nasplug.search import open_task

    searched = 0
    for space, dataset in installed_tasks():
        try:
            task = open_task(space, dataset)
        except NasplugError:  # its table is not in the data directory
            continue
        for spec in ("random", "ae:population=4,sample_size=2", "ae-move:population=4,sample_size=2"):
            strategy = get_strategy(spec)
            domain = strategy.domain(task)
            oracle = table_oracle(lambda a: float(len(a))) if strategy.uses_proxy else None
            record = run_search(strategy, domain, task, 0, 8, oracle=oracle)
            assert record["queries"] == 8, (space, dataset, spec)
            assert all(domain.labelled(t["arch"]) for t in record["trajectory"]), (space, dataset)
        searched += 1
    assert searched >= 3
