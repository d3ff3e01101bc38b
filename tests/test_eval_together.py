"""Many proxies per cell in nasplug eval (nasplug.evaluation.together): equal to one proxy at a time."""

from __future__ import annotations

import pytest

PROXIES = ["snip", "grad_norm", "fisher", "jacov", "grasp", "synflow", "flops", "params"]


@pytest.fixture(scope="module")
def task():
    from nasplug.evaluation.settings import BatchSettings
    from nasplug.evaluation.tasks import prepare_task

    return prepare_task("nasbench201", "cifar10", BatchSettings(batch_size=8, seed=3))


def resolved(names):
    from nasplug.evaluation.predictors import resolve

    return [resolve(n) for n in names]


def scores(result):
    return {c["arch"]: c["score"] for c in result["cells"]}


def same_cells(a: dict, b: dict) -> None:
    """Equal scores (rel 1e-6) and equal errors, cell by cell."""
    for x, y in zip(a["cells"], b["cells"]):
        assert x["arch"] == y["arch"] and x["error"] == y["error"], (a["predictor"], x, y)
        if x["error"] is None:
            assert y["score"] == pytest.approx(x["score"], rel=1e-6), (a["predictor"], x["arch"])


def test_together_equals_one_at_a_time_and_shares_the_store(task, tmp_path):
    from nasplug.evaluation.run import run_task
    from nasplug.evaluation.together import run_together
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "alone.sqlite") as store:
        alone = [run_task(r, task, test_size=2, store=store) for r in resolved(PROXIES)]
    with ScoreStore(tmp_path / "together.sqlite") as store:
        together = run_together(resolved(PROXIES), task, test_size=2, store=store)
        assert [r["predictor"] for r in together] == PROXIES
        for a, b in zip(alone, together):
            assert list(scores(a)) == list(scores(b))
            same_cells(a, b)
            assert b["spearman"] == pytest.approx(a["spearman"], nan_ok=True)
            assert b["cached"] == 0 and b["n_failed"] == a["n_failed"]
        # the same keys as single-proxy runs: a single-proxy rerun scores nothing
        rerun = run_task(resolved(["jacov"])[0], task, test_size=2, store=store)
        assert rerun["cached"] == 2


def test_only_the_missing_predictors_are_scored(task, tmp_path, monkeypatch):
    from nasplug.evaluation import together
    from nasplug.evaluation.run import run_task
    from nasplug.store import ScoreStore

    with ScoreStore(tmp_path / "s.sqlite") as store:
        run_task(resolved(["snip"])[0], task, test_size=2, store=store)
        seen = []
        real = together.run_shared_job

        def spy(job):
            seen.append(tuple(c.predictor.name for c in job.contexts))
            return real(job)

        monkeypatch.setattr(together, "run_shared_job", spy)
        out = together.run_together(resolved(["snip", "grad_norm"]), task, test_size=2, store=store)
    assert out[0]["cached"] == 2 and out[1]["cached"] == 0
    assert seen and all(names == ("grad_norm",) for names in seen)


def test_a_failing_proxy_fails_only_its_own_cells(task, tmp_path):
    from nasplug.evaluation.predictors import ResolvedPredictor
    from nasplug.evaluation.together import run_together
    from nasplug.zerocost import ZeroCostPredictor

    class Refuses(ZeroCostPredictor):
        name = "refuses"
        passes = frozenset({"loss"})

        def compute(self, ctx):
            ctx.task_loss()
            raise RuntimeError("no")

    out = run_together([ResolvedPredictor.of(Refuses()), *resolved(["snip"])], task, test_size=2, store=False)
    assert out[0]["n_failed"] == 2 and "RuntimeError: no" in out[0]["failures"][0]["error"]
    assert out[1]["n_failed"] == 0


def test_the_pool_gives_the_same_scores(task):
    from nasplug.evaluation.together import run_together
    from nasplug.executors import get_executor

    names = ["snip", "jacov", "synflow"]
    here = run_together(resolved(names), task, test_size=2, store=False)
    pool = get_executor("pool", workers=2)
    try:
        there = run_together(resolved(names), task, test_size=2, store=False, executor=pool)
    finally:
        pool.close()
    for a, b in zip(here, there):
        same_cells(a, b)
