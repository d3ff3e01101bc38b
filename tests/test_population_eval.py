"""Population predictors inside nasplug eval: store reuse, failed members, executors, CLI, JSON."""

import json

import pytest
from click.testing import CliRunner


@pytest.fixture
def ptoy(toy):
    import population_toy_plugin
    from nasplug.plugins import get_plugin_manager

    population_toy_plugin.install(get_plugin_manager())
    population_toy_plugin.CALLS.clear()
    return population_toy_plugin


def run(*args):
    from nasplug.cli import cli

    return CliRunner().invoke(cli, ["eval", *args], catch_exceptions=False)


def test_an_ensemble_after_single_proxy_runs_scores_nothing(toy, tmp_path):
    from scipy.stats import rankdata

    from nasplug.evaluators import evaluate_task
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "s.sqlite") as store:
        singles = {p: evaluate_task(p, "toyspace", "cifar10", test_size=12, store=store)
                   for p in ("toyparams", "toygradnorm")}
        rows = store.count()
        r = evaluate_task("ensemble:toyparams,toygradnorm", "toyspace", "cifar10", test_size=12,
                          store=store)
        assert store.count() == rows  # nothing new was scored or stored
    scoring = r["population"]["scoring"]
    assert [(s["member"], s["computed"], s["from_store"]) for s in scoring] == [
        ("toyparams", 0, 12), ("toygradnorm", 0, 12)]
    assert r["population"]["members"] == ["toyparams", "toygradnorm"]
    assert r["population"]["combine"] == "rank-mean"
    archs = [c["arch"] for c in r["cells"]]
    assert archs == [c["arch"] for c in singles["toyparams"]["cells"]]  # the same seeded sample
    member = {p: [c["score"] for c in singles[p]["cells"]] for p in singles}
    expected = (rankdata(member["toyparams"]) + rankdata(member["toygradnorm"])) / 2 / 12
    assert [c["score"] for c in r["cells"]] == pytest.approx(expected.tolist())


def test_a_failing_member_excludes_the_cell_and_counts_it(toy):
    from nasplug.evaluators import evaluate_task

    r = evaluate_task("ensemble:toyparams,toyflaky:combine=vote", "toyspace", "cifar10",
                      test_size=16, store=False)
    assert r["n_failed"] == 8 and r["n_scored"] == 8  # toyflaky fails on 8 of the 16 cells
    errors = {f["arch"]: f["error"] for f in r["failures"]}
    assert errors["avgpool|conv3x3"] == ("member toyflaky failed: RuntimeError: toyflaky cannot "
                                         "score pooling cells")
    ok = [c for c in r["cells"] if c["status"] == "ok"]
    assert len(ok) == 8  # Copeland over the 8 cells left: n(n-1)/2 pairwise points in all
    assert sum(c["score"] for c in ok) == pytest.approx(8 * 7 / 2)


def test_own_components_are_stored_and_a_rerun_does_not_recompute(ptoy, tmp_path):
    from nasplug.evaluators import evaluate_task
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "s.sqlite") as store:
        first = evaluate_task("toytwocomp", "toyspace", "cifar10", test_size=10, store=store)
        assert len(ptoy.CALLS) == 10
        again = evaluate_task("toytwocomp", "toyspace", "cifar10", test_size=10, store=store)
        assert len(ptoy.CALLS) == 10  # resumed from the components table
    assert [c["score"] for c in again["cells"]] == [c["score"] for c in first["cells"]]
    assert again["population"]["scoring"][0]["from_store"] == 10
    assert first["n_scored"] == 10 and first["population"]["components"] == ["params", "convs"]


def test_population_predictors_give_the_same_scores_on_a_worker_pool(ptoy):
    from nasplug.evaluators import evaluate_task
    from nasplug.executors import get_executor

    local = {p: evaluate_task(p, "toyspace", "cifar10", test_size=8, store=False)
             for p in ("toytwocomp", "ensemble:toyparams,toygradnorm:combine=geometric")}
    with get_executor("pool", workers=2) as pool:
        pool.start()
        for p, r in local.items():
            pooled = evaluate_task(p, "toyspace", "cifar10", test_size=8, store=False, executor=pool)
            assert [c["score"] for c in pooled["cells"]] == pytest.approx(
                [c["score"] for c in r["cells"]], rel=1e-6)


def test_learned_on_the_toy_benchmark_keeps_training_cells_out_of_the_metrics(toy):
    pytest.importorskip("sklearn")
    from nasplug.evaluators import evaluate_task

    r = evaluate_task("learned:toyparams,toygradnorm:train-size=8,model=hgb", "toyspace", "cifar10",
                      test_size=8, store=False)
    assert r["population"]["n_extra"] == 8 and r["n_scored"] == 8
    tested = {c["arch"] for c in r["cells"]}
    assert len(tested) == 8 and r["population"]["fit"]["n_train"] == 8
    # the members were scored on all 16 cells (8 test + 8 training) but only 8 are measured
    assert [s["cells"] for s in r["population"]["scoring"]] == [16, 16]


def test_cli_names_settings_and_json(toy, tmp_path):
    out = tmp_path / "r.json"
    res = run("--predictor", "ensemble:toyparams,toygradnorm", "--combine", "vote",
              "--benchmark", "toybench/cifar10", "--test-size", "16", "--output", str(out))
    assert res.exit_code == 0, res.output
    assert "ensemble:toyparams,toygradnorm:combine=vote" in res.stdout
    doc = json.loads(out.read_text())
    summary = doc["summary"][0]
    assert summary["predictor"] == "ensemble:toyparams,toygradnorm:combine=vote"
    assert summary["population"]["members"] == ["toyparams", "toygradnorm"]
    assert summary["population"]["combine"] == "vote"
    assert doc["settings"]["predictors"] == ["ensemble:toyparams,toygradnorm:combine=vote"]


@pytest.mark.parametrize("args, message", [
    (("--predictor", "ensemble:toyparams,nope"), "nope"),
    (("--predictor", "toyparams", "--combine", "vote"), "--combine applies to ensemble:... predictors"),
    (("--predictor", "ensemble:toyparams,toygradnorm", "--combine", "max"), "unknown ensemble combine rule"),
    (("--predictor", "learned:toyparams,toygradnorm:model=hgb", "--train-size", "9", "--test-size", "8"),
     "fewer than train-size 9"),
])
def test_cli_bad_input_is_one_line(toy, args, message):
    res = run(*args, "--benchmark", "toybench/cifar10")
    assert res.exit_code == 1
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error:") and message in lines[-1] and "Traceback" not in res.output


def test_reference_scores_do_not_depend_on_which_cells_are_asked_together(toy, tmp_path):
    """What a search needs: a cell's ensemble score against a fixed reference population."""
    import nasplug
    from nasplug.evaluation.predictors import resolve
    from nasplug.evaluation.settings import BatchSettings
    from nasplug.evaluation.tasks import prepare_task
    from nasplug.population import ReferenceScorer, population_context, sample_cells, task_scorer
    from nasplug.store import ScoreStore

    task = prepare_task("toyspace", "cifar10", BatchSettings())
    ensemble = resolve("ensemble:toyparams,toygradnorm").instance
    ctx = population_context(task)
    reference = sample_cells(ensemble, ctx, 8)
    others = [a for a in nasplug.get_dataset_api("toyspace", "cifar10").architectures() if a not in reference]
    with ScoreStore(tmp_path / "s.sqlite") as store:
        one = ReferenceScorer(ensemble, ctx, reference, task_scorer(task, store=store))
        together = one.scores(others[:4])
        two = ReferenceScorer(ensemble, ctx, reference, task_scorer(task, store=store))
        alone = {c: two.scores([c])[c] for c in reversed(others[:4])}
    assert together == alone and all(err is None for _, err in together.values())
    assert all(0 < score <= 1 for score, _ in together.values())  # rank-mean against 9 cells

    from nasplug.population import reference_scores

    oracle = reference_scores(resolve("ensemble:toyparams,toygradnorm"), task, store=False, reference_size=8)
    got = oracle(others[:3])  # the shape a search's proxy oracle returns: arch -> (score, seconds)
    assert set(got) == set(others[:3]) and all(isinstance(v[0], float) for v in got.values())


def test_python_api_naslib_evaluator_takes_population_names_and_instances(toy):
    import nasplug
    from nasplug.ensemble import Ensemble
    from nasplug.evaluators import ZeroCostPredictorEvaluator

    for predictor in ("ensemble:toyparams,toygradnorm:combine=geometric",
                      Ensemble(["toyparams", "toygradnorm"], combine="geometric")):
        evaluator = ZeroCostPredictorEvaluator(predictor, test_size=8, use_cache=False)
        evaluator.adapt_search_space(nasplug.get_search_space("toyspace", dataset="cifar10"))
        r = evaluator.evaluate()[-1]
        assert r["predictor"] == "ensemble:toyparams,toygradnorm:combine=geometric"
        assert r["population"]["combine"] == "geometric" and r["n_scored"] == 8
