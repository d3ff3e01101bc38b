"""The population-predictor contract (nasplug.population) and the score store's components table."""

import math
import sqlite3

import pytest

from nasplug.errors import NasplugError
from nasplug.population import (
    CellOutcome,
    PopulationContext,
    PopulationPredictor,
    cell_components,
    score_population,
    split_spec,
)
from nasplug.store import ScoreStore, StoreKey

KEY = StoreKey("az_nas", "0.1.0+abc", "nasbench201/cifar10", 0, "bs=64;split=train;data=npz")


# -- store ---------------------------------------------------------------------------

def test_components_round_trip_fail_and_stay_apart_from_scores(tmp_path):
    path = tmp_path / "s.sqlite"
    with ScoreStore(path) as store:
        store.put_components(KEY, "a", {"expressivity": 1.5, "trainability": -2.0}, seconds=0.3)
        store.put_components(KEY, "b", {"expressivity": math.nan})
        store.put_components(KEY, "c", None, error="RuntimeError: boom")
        store.put(KEY, "a", 7.0)
    with ScoreStore(path) as store:  # committed per cell: a new connection (a resumed run) sees them
        got = store.lookup_components(KEY, ["a", "b", "c", "d"])
        assert store.lookup(KEY, ["a"])["a"].score == 7.0
        other = StoreKey(KEY.predictor, "0.2.0", KEY.task, KEY.seed, KEY.batch)
        assert store.lookup_components(other, ["a"]) == {}
    assert set(got) == {"a", "b", "c"}
    assert got["a"].components == {"expressivity": 1.5, "trainability": -2.0}
    assert not got["a"].failed and got["a"].seconds == 0.3
    assert got["b"].failed and got["b"].components is None and "not finite" in got["b"].error
    assert got["c"].error == "RuntimeError: boom"


def test_a_store_written_before_the_components_table_still_opens(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)  # the schema of the first release: the scores table only
    conn.execute("CREATE TABLE scores (predictor TEXT NOT NULL, version TEXT NOT NULL, task TEXT NOT NULL,"
                 " arch TEXT NOT NULL, seed INTEGER NOT NULL, batch TEXT NOT NULL, score REAL, error TEXT,"
                 " seconds REAL NOT NULL DEFAULT 0, created REAL NOT NULL,"
                 " PRIMARY KEY (predictor, version, task, seed, batch, arch))")
    conn.execute("INSERT INTO scores VALUES ('synflow','v','t','a',0,'b',1.25,NULL,0,0)")
    conn.commit()
    conn.close()
    with ScoreStore(path) as store:
        assert store.lookup(StoreKey("synflow", "v", "t", 0, "b"), ["a"])["a"].score == 1.25
        store.put_components(KEY, "a", {"x": 1.0})
        assert store.lookup_components(KEY, ["a"])["a"].components == {"x": 1.0}


# -- the contract on a real (toy) search space ------------------------------------------

class TwoComponents(PopulationPredictor):
    """Own components (parameter count, number of convolutions) and a rank-sum combine."""

    name = "twocomp"
    component_names = ("params", "convs")

    def query_components(self, graph, dataloader=None):
        import torch

        convs = sum(isinstance(m, torch.nn.Conv2d) for m in graph.modules())
        return {"params": float(sum(p.numel() for p in graph.parameters())), "convs": float(convs)}

    def combine(self, population):
        from scipy.stats import rankdata

        m = population.matrix()
        total = sum(rankdata(m[:, j]) for j in range(m.shape[1]))
        return dict(zip(population.cells, map(float, total)))


def _toy_scorer(store, key, calls):
    """Scores own components of the toy space in this process, through the store (resumable)."""
    import nasplug

    space = nasplug.get_search_space("toyspace", dataset="cifar10")

    def scorer(predictor, cells):
        found = store.lookup_components(key, cells)
        out = {c: CellOutcome(components=s.components, error=s.error) for c, s in found.items()}
        for cell in cells:
            if cell in out:
                continue
            calls.append(cell)
            graph = space.clone()
            graph.set_spec(cell)
            graph.parse()
            try:
                comps, error = cell_components(predictor, graph, None), None
            except NasplugError as exc:
                comps, error = None, str(exc)
            store.put_components(key, cell, comps, error)
            out[cell] = CellOutcome(components=comps, error=error)
        return out

    return scorer


def test_components_are_stored_per_cell_and_a_rerun_combines_without_rescoring(toy, tmp_path):
    import nasplug

    api = nasplug.get_dataset_api("toyspace", "cifar10")
    cells = api.sample(10, seed=3)
    ctx = PopulationContext("toyspace", "cifar10", seed=0, dataset_api=api)
    key = StoreKey("twocomp", "test", "toyspace/cifar10", 0, "none")
    with ScoreStore(tmp_path / "s.sqlite") as store:
        calls = []
        first = score_population(TwoComponents(), ctx, cells, _toy_scorer(store, key, calls))
        assert sorted(calls) == sorted(cells)
        again = []
        second = score_population(TwoComponents(), ctx, cells, _toy_scorer(store, key, again))
        assert again == [] and second.scores == first.scores
    assert set(first.scores) == set(cells) and first.errors == {}
    # the combined score is a function of the whole population: a cell's rank-sum changes with it
    part = score_population(TwoComponents(), ctx, cells[:3], _toy_scorer(ScoreStore(tmp_path / "t.sqlite"),
                                                                          key, []))
    assert max(part.scores.values()) <= 6 < max(first.scores.values())


def test_a_cell_with_a_failed_component_is_excluded_and_counted(toy, tmp_path):
    import nasplug

    class Flaky(TwoComponents):
        name = "flakycomp"

        def query_components(self, graph, dataloader=None):
            out = super().query_components(graph, dataloader)
            if "avgpool" in graph.get_hash() or 3 in graph.get_hash():
                out["convs"] = math.inf
            return out

    api = nasplug.get_dataset_api("toyspace", "cifar10")
    cells = api.architectures()
    ctx = PopulationContext("toyspace", "cifar10", dataset_api=api)
    with ScoreStore(tmp_path / "s.sqlite") as store:
        result = score_population(Flaky(), ctx, cells, _toy_scorer(store, KEY, []))
    pooled = [c for c in cells if "avgpool" in c]
    assert set(result.errors) == set(pooled) and len(result.scores) == 16 - len(pooled)
    assert all("component convs is inf" in e for e in result.errors.values())


def test_component_results_are_checked(toy):
    import nasplug

    graph = nasplug.get_search_space("toyspace").clone()
    graph.set_spec("conv3x3|skip")
    graph.parse()

    class Wrong(TwoComponents):
        def query_components(self, graph, dataloader=None):
            return {"params": 1.0, "depth": 2.0}

    with pytest.raises(NasplugError, match="missing convs; undeclared depth"):
        cell_components(Wrong(), graph, None)
    with pytest.raises(NasplugError, match="scores a population"):
        TwoComponents().query(graph)


def test_extra_cells_take_part_in_the_combination_but_are_not_scored(toy, tmp_path):
    import nasplug

    class WithTraining(TwoComponents):
        name = "withtrain"

        def extra_cells(self, context, cells):
            return [c for c in context.labelled_cells() if c not in cells][:4]

        def combine(self, population):
            assert len(population.extra) == 4 and not set(population.extra) & set(population.cells)
            labels = population.context.labels(population.extra)
            assert len(labels) == 4
            return {c: population.components[c]["params"] for c in population.cells}

    api = nasplug.get_dataset_api("toyspace", "cifar10")
    cells = api.sample(5, seed=0)
    ctx = PopulationContext("toyspace", "cifar10", dataset_api=api)
    with ScoreStore(tmp_path / "s.sqlite") as store:
        result = score_population(WithTraining(), ctx, cells, _toy_scorer(store, KEY, []))
    assert set(result.scores) == set(cells) and len(result.extra) == 4
    assert not set(result.extra) & set(result.scores)


def test_spec_syntax():
    assert split_spec("synflow") is None
    assert split_spec("ensemble:synflow,jacov, nwot") == ("ensemble", ["synflow", "jacov", "nwot"], {})
    assert split_spec("learned:all:train_size=400,encoding=yes") == (
        "learned", ["all"], {"train-size": "400", "encoding": "yes"})
    with pytest.raises(NasplugError, match="not KEY=VALUE"):
        split_spec("ensemble:a,b:vote")
