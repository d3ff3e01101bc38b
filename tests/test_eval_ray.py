"""The Ray executor against a local Ray instance started by the test (skipped without Ray)."""

import os
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    for cand in ([Path(env)] if env else []) + [HERE.parents[0].parent / "shared" / "data"]:
        if (cand / "images" / "cifar10_train.npz").is_file():
            return cand
    pytest.skip("no data directory with images/ (set NASPLUG_DATA)")


def test_ray_gives_the_in_process_scores(nasplug_pm, monkeypatch):
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'nasplug[ray]'")
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.setenv("NASPLUG_DATA", str(_data_dir()))
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    import eval_toy_plugin

    eval_toy_plugin.install(nasplug_pm)
    from nasplug.evaluators import evaluate_task, resolve_predictor
    from nasplug.executors import get_executor

    opts = dict(test_size=5, batch_size=16, store=False)
    inproc = evaluate_task(resolve_predictor("toygradnorm"), "toyspace", "cifar10", **opts)
    flaky_in = evaluate_task(resolve_predictor("toyflaky"), "toyspace", "cifar10", test_size=16,
                             store=False)
    assert not ray.is_initialized()
    executor = get_executor("ray", workers=2)
    try:
        remote = evaluate_task(resolve_predictor("toygradnorm"), "toyspace", "cifar10",
                               executor=executor, **opts)
        assert ray.is_initialized()  # the executor started a local instance
        flaky = evaluate_task(resolve_predictor("toyflaky"), "toyspace", "cifar10", test_size=16,
                              store=False, executor=executor)
    finally:
        executor.close()
    assert not ray.is_initialized()  # and shut it down again
    assert [c["arch"] for c in remote["cells"]] == [c["arch"] for c in inproc["cells"]]
    assert remote["full_testpred"] == pytest.approx(inproc["full_testpred"], rel=1e-4)
    assert flaky["full_testpred"] == flaky_in["full_testpred"]  # data-free: bit-identical
    assert flaky["failures"] == flaky_in["failures"]
