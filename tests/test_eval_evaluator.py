"""ZeroCostPredictorEvaluator / evaluate_task on a small real plugin (tests/eval_toy_plugin.py)."""

import sys

import pytest
from scipy import stats


def test_evaluator_returns_naslib_fields_with_their_meaning(toy):
    import nasplug
    from nasplug.evaluators import ZeroCostPredictorEvaluator

    search_space = nasplug.get_search_space("toyspace", dataset="cifar10")
    api = nasplug.get_dataset_api("toyspace", "cifar10")
    evaluator = ZeroCostPredictorEvaluator(nasplug.get_predictor("toyparams"), test_size=6,
                                           seed=1, use_cache=False)
    evaluator.adapt_search_space(search_space, dataset_api=api)
    results = evaluator.evaluate()
    assert results[0]["search_space"] == "toyspace" and results[0]["test_size"] == 6
    r = results[-1]
    for field in ("mae", "rmse", "pearson", "spearman", "kendalltau", "kt_2dec", "kt_1dec",
                  "precision_10", "precision_20", "full_ytest", "full_testpred", "query_time"):
        assert field in r
    archs = api.sample(6, seed=1)
    assert [c["arch"] for c in r["cells"]] == archs
    assert r["full_ytest"] == [toy.TOY_ACCURACY[a] for a in archs]
    assert r["kendalltau"] == pytest.approx(stats.kendalltau(r["full_ytest"], r["full_testpred"])[0])
    assert r["n_failed"] == 0 and r["synthetic"] is False and r["query_time"] > 0
    assert "cifar10_train.npz" in r["data"]["source"]


def test_failed_cells_are_recorded_counted_and_excluded(toy, tmp_path):
    from nasplug.evaluators import evaluate_task
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "s.sqlite") as store:
        r = evaluate_task(__import__("nasplug").get_predictor("toyflaky"),
                          "toyspace", "cifar10", test_size=16, store=store)
        assert store.count() == 16
    assert r["n_failed"] == 8 and r["n_scored"] == 8  # 7 pooling cells + skip|skip (NaN)
    errors = {f["arch"]: f["error"] for f in r["failures"]}
    assert "RuntimeError: toyflaky cannot score pooling cells" == errors["avgpool|conv3x3"]
    assert "nan" in errors["skip|skip"]
    assert len(r["full_ytest"]) == 8 and "excluded" in r["failed_policy"]
    assert sum(c["status"] == "failed" for c in r["cells"]) == 8


def test_cache_makes_a_rerun_free_and_an_interrupted_run_resumes(toy, tmp_path):
    import nasplug
    from nasplug.evaluators import evaluate_task
    from nasplug.store import ScoreStore

    predictor = nasplug.get_predictor("toygradnorm")
    real_query = predictor.query
    calls = []

    def counting(graph, dataloader=None):
        calls.append(1)
        if interrupt_at and len(calls) == interrupt_at:
            raise KeyboardInterrupt
        return real_query(graph, dataloader)

    predictor.query = counting
    reference = evaluate_task(nasplug.get_predictor("toygradnorm"), "toyspace", "cifar10",
                              test_size=6, batch_size=16, store=False)
    with ScoreStore(tmp_path / "s.sqlite") as store:
        interrupt_at = 4
        with pytest.raises(KeyboardInterrupt):
            evaluate_task(predictor, "toyspace", "cifar10", test_size=6, batch_size=16,
                          store=store)
        assert store.count() == 3  # everything scored before the interrupt was committed
        interrupt_at = None
        calls.clear()
        resumed = evaluate_task(predictor, "toyspace", "cifar10", test_size=6, batch_size=16,
                          store=store)
        assert len(calls) == 3 and resumed["cached"] == 3
        calls.clear()
        again = evaluate_task(predictor, "toyspace", "cifar10", test_size=6, batch_size=16,
                          store=store)
        assert calls == [] and again["cached"] == 6
    assert resumed["full_testpred"] == reference["full_testpred"] == again["full_testpred"]


def _toy_run(store, **options):
    """toygradnorm on 3 toyspace/cifar10 architectures, batch 16."""
    import nasplug
    from nasplug.evaluators import evaluate_task

    return evaluate_task(nasplug.get_predictor("toygradnorm"), "toyspace", "cifar10", test_size=3,
                         batch_size=16, store=store, **options)


def test_synthetic_data_is_labelled_and_cached_apart(toy, tmp_path):
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "s.sqlite") as store:
        real = _toy_run(store)
        syn = _toy_run(store, synthetic=True)
    assert syn["synthetic"] is True and syn["data"]["synthetic"] is True
    assert "synthetic" in syn["data"]["source"] and syn["cached"] == 0
    assert real["synthetic"] is False and syn["full_testpred"] != real["full_testpred"]


def test_pool_executor_gives_the_in_process_scores(toy):
    from nasplug.errors import NasplugError
    from nasplug.evaluators import evaluate_task, resolve_predictor
    from nasplug.executors import get_executor

    inproc = evaluate_task(resolve_predictor("toygradnorm"), "toyspace", "cifar10", test_size=6,
                           batch_size=16, store=False)
    with get_executor("pool", workers=2) as pool:
        assert pool.worker_threads >= 1
        pool.start()  # as the CLI does: workers boot before the first job
        pooled = evaluate_task(resolve_predictor("toygradnorm"), "toyspace", "cifar10",
                               test_size=6, batch_size=16, store=False, executor=pool)
        flaky = evaluate_task(resolve_predictor("toyflaky"), "toyspace", "cifar10",
                              test_size=16, store=False, executor=pool)
        # a predictor that cannot reach the workers stops the run with one clear error
        # (a class local to this function cannot be pickled, wherever workers look for it)
        import nasplug

        class LocalPredictor(nasplug.Predictor):
            name = "local"

            def query(self, graph, dataloader=None):
                return 1.0

        with pytest.raises(NasplugError, match="cannot be sent"):
            evaluate_task(LocalPredictor(), "toyspace", "cifar10", test_size=2, store=False,
                          executor=pool)
    assert [c["arch"] for c in pooled["cells"]] == [c["arch"] for c in inproc["cells"]]
    # the same seeded weights and batch; only thread-count rounding may differ
    assert pooled["full_testpred"] == pytest.approx(inproc["full_testpred"], rel=1e-4)
    assert flaky["n_failed"] == 8


def test_full_evaluate_predictor_prints_the_tutorial_table(toy, capsys):
    import nasplug
    from nasplug.evaluators import full_evaluate_predictor

    scores = full_evaluate_predictor(nasplug.get_predictor("toyparams"), test_size=5,
                                     search_spaces=["toyspace"], use_cache=False)
    out = capsys.readouterr().out
    assert set(scores) == {("toyspace", "cifar10"), ("toyspace", "cifar100")}
    assert "toyspace                 ||cifar10                  ||" in out
    avg = sum(scores.values()) / 2
    assert f"Average Kendall-Tau: {avg}" in out


def test_executor_registry_and_errors(toy, monkeypatch):
    from nasplug import get_registry
    from nasplug.errors import NasplugError, UnknownNameError
    from nasplug.executors import get_executor

    assert {"inprocess", "pool", "ray"} <= set(get_registry().names("executors"))
    with pytest.raises(UnknownNameError, match="unknown executor 'nope'"):
        get_executor("nope")
    with pytest.raises(NasplugError, match="at least 1"):
        get_executor("pool", workers=0)
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    with pytest.raises(NasplugError, match=r"pip install 'nasplug\[ray\]'"):
        get_executor("ray")


def test_a_started_pool_that_is_never_used_is_terminated_on_close():
    from nasplug.executors import PoolExecutor

    executor = PoolExecutor(workers=2, threads_per_worker=1)
    executor.start()
    processes = list(executor._pool._processes.values())
    assert len(processes) == 2
    executor.close()  # e.g. the run stopped on bad input before any job
    for process in processes:
        process.join(30)
        assert _gone(process.pid) or not process.is_alive(), f"worker {process.pid} still runs"
    assert executor._pool is None


def _gone(pid: int) -> bool:
    """The process has exited (possibly reaped by another handler in this test process,
    which leaves multiprocessing's is_alive() unable to tell)."""
    import os

    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"  # exited, not yet reaped
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def test_pool_worker_that_dies_is_an_error_not_a_hang():
    import os

    from nasplug.errors import NasplugError
    from nasplug.executors import PoolExecutor

    executor = PoolExecutor(workers=1, threads_per_worker=1)
    try:
        with pytest.raises(NasplugError, match="worker process of the pool died"):
            list(executor.map(os._exit, [3]))
    finally:
        executor.close()


def test_augmented_batches_are_labelled_and_cached_apart(toy, tmp_path):
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "s.sqlite") as store:
        plain = _toy_run(store)
        aug = _toy_run(store, augment=True)
        again = _toy_run(store, augment=True)
    assert "augmentation" not in plain["data"]
    assert aug["data"]["augmentation"].startswith("NASLib's training transforms: RandomCrop(32, padding=4)")
    assert aug["cached"] == 0 and again["cached"] == 3
    assert aug["full_testpred"] != plain["full_testpred"]
    assert again["full_testpred"] == aug["full_testpred"]
    test_split = _toy_run(False, augment=True, split="test")
    assert test_split["data"]["augmentation"] is None
    assert test_split["data"]["augmentation_note"] == "NASLib augments only training batches: plain test batches"
