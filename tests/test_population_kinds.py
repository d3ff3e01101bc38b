"""Ensembles, the learned predictor and NASLib's stored scores (nasplug.ensemble / learned / naslib_scores).

The NAS-Bench-201 cases read NASLib's real Suite-Zero sample from ../shared/data
and need no scoring: members come from NASLib's stored scores.
"""

import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from nasplug.ensemble import COMBINES, geometric, member_ranks, rank_mean, vote
from nasplug.errors import NasplugError
from nasplug.population import PopulationContext, from_spec, score_population

SAMPLE = "zc_nasbench201_sample.json"


def _data_dir() -> Path:
    env = os.environ.get("NASPLUG_DATA")
    here = Path(__file__).resolve().parent
    for cand in ([Path(env)] if env else []) + [here.parent.parent / "shared" / "data"]:
        if (cand / "naslib" / SAMPLE).is_file() and (cand / "benchmarks" / "nb201.csv").is_file():
            return cand
    pytest.skip("no data directory with naslib/zc_nasbench201_sample.json (set NASPLUG_DATA)")


def _no_scoring(predictor, cells):
    raise AssertionError(f"{predictor!r} should not need scoring")


@pytest.fixture(scope="module")
def nb201():
    nasplug = pytest.importorskip("nasplug")
    data = _data_dir()
    try:
        api = nasplug.get_dataset_api("nasbench201", "cifar10", data_dir=data)
    except nasplug.NasplugError as exc:
        pytest.skip(f"nasplug-nb201 not usable: {exc}")
    raw = json.loads((data / "naslib" / SAMPLE).read_text())["nasbench201"]["cifar10"]
    return PopulationContext("nasbench201", "cifar10", seed=0, dataset_api=api, data_dir=data), raw


# -- combine rules ------------------------------------------------------------------

def test_rank_rules_on_a_small_matrix():
    m = np.array([[1.0, 30.0, 0.5], [2.0, 10.0, 0.7], [3.0, 20.0, 0.6], [3.0, 40.0, 0.1]])
    ranks = member_ranks(m)
    assert ranks[:, 0].tolist() == [1, 2, 3.5, 3.5]  # ties share their average rank
    assert rank_mean(m) == pytest.approx(ranks.mean(axis=1) / 4)
    assert geometric(m) == pytest.approx(np.log(ranks / 4).sum(axis=1))
    # vote: Copeland's rule, checked by brute force over every pair
    expected = []
    for a in range(4):
        wins = 0.0
        for b in range(4):
            if a != b:
                margin = np.sign(ranks[a] - ranks[b]).sum()
                wins += 1.0 if margin > 0 else 0.5 if margin == 0 else 0.0
        expected.append(wins)
    assert vote(m).tolist() == expected
    assert vote(m, block=1).tolist() == expected  # blocking does not change it


def test_rules_agree_with_a_single_member_and_ignore_scale():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    for rule in COMBINES.values():
        assert spearmanr(rule(x)[:], x[:, 0])[0] == pytest.approx(1.0)
    two = np.hstack([x, 1e6 * x + 5])  # an affine copy on another scale: same ranks, same result
    assert rank_mean(two) == pytest.approx(rank_mean(x))


# -- NASLib's stored scores ---------------------------------------------------------

def test_naslib_scores_are_the_files_numbers_only_for_its_cells(nb201):
    from nasplug_nb201.conversions import to_op_indices

    ctx, raw = nb201
    p = from_spec(f"naslib:synflow:file={SAMPLE}")
    assert p.method_type == "naslib:synflow" and "not recomputed" in p.describe()["source"]
    cells = p.candidate_cells(ctx)
    assert len(cells) == len(raw) == 491
    some = cells[:40]
    result = score_population(p, ctx, some, _no_scoring)
    for cell in some:
        assert result.scores[cell] == raw[str(to_op_indices(cell))]["synflow"]
    outside = next(c for c in ctx.labelled_cells() if c not in set(cells))
    missing = score_population(p, ctx, [outside, some[0]], _no_scoring)
    assert "not in NASLib's" in missing.errors[outside] and some[0] in missing.scores


def test_naslib_bad_input_is_one_line(nb201):
    ctx, _ = nb201
    with pytest.raises(NasplugError, match="name exactly one proxy"):
        from_spec("naslib:synflow,snip")
    with pytest.raises(NasplugError, match="ground truth"):
        from_spec("naslib:val_accuracy")
    with pytest.raises(NasplugError, match="not found"):
        from_spec("naslib:synflow:file=nope.json").candidate_cells(ctx)


# -- ensembles ----------------------------------------------------------------------

def test_ensemble_of_naslib_scores_matches_a_direct_rank_mean(nb201):
    ctx, raw = nb201
    p = from_spec(f"ensemble:synflow,jacov,snip:source=naslib,file={SAMPLE}")
    assert p.method_type.startswith("ensemble:synflow,jacov,snip:combine=rank-mean")
    cells = p.candidate_cells(ctx)[:100]
    result = score_population(p, ctx, cells, _no_scoring)
    assert not result.errors
    from nasplug_nb201.conversions import to_op_indices

    m = np.array([[raw[str(to_op_indices(c))][n] for n in ("synflow", "jacov", "snip")] for c in cells])
    assert [result.scores[c] for c in cells] == pytest.approx(rank_mean(m).tolist())
    assert result.describe["members"] == ["naslib:synflow", "naslib:jacov", "naslib:snip"]


def test_ensemble_bad_input():
    with pytest.raises(NasplugError, match="at least two members"):
        from_spec("ensemble:synflow:source=naslib")
    with pytest.raises(NasplugError, match="unknown ensemble combine rule 'max'"):
        from_spec("ensemble:synflow,snip:combine=max,source=naslib")
    with pytest.raises(NasplugError, match="unknown option 'train-size'"):
        from_spec("ensemble:synflow,snip:train-size=3")
    with pytest.raises(NasplugError, match="given twice"):
        from_spec("ensemble:synflow,synflow:source=naslib")


# -- the learned predictor ----------------------------------------------------------

def test_learned_trains_on_disjoint_cells_with_fixed_seeds(nb201):
    pytest.importorskip("sklearn")
    ctx, _ = nb201
    spec = f"learned:synflow,jacov,snip,flops:source=naslib,file={SAMPLE},train-size=150,model=hgb"
    p = from_spec(spec)
    cells = random.Random(1).sample(p.candidate_cells(ctx), 100)
    first = score_population(p, ctx, cells, _no_scoring)
    assert len(first.extra) == 150 and not set(first.extra) & set(cells)
    assert set(first.scores) == set(cells)  # only the test cells are scored and measured
    second = score_population(from_spec(spec), ctx, cells, _no_scoring)
    assert second.scores == first.scores and second.extra == first.extra
    rho = spearmanr(ctx.labels(cells), [first.scores[c] for c in cells])[0]
    assert rho > 0.8  # four NASLib proxies on 150 cells: far above any one of them (<= 0.79)
    assert first.describe["fit"] == {"n_train": 150, "n_features": 4}


def test_learned_refuses_a_train_size_larger_than_the_labelled_cells(nb201):
    pytest.importorskip("sklearn")
    ctx, _ = nb201
    p = from_spec(f"learned:synflow,snip:source=naslib,file={SAMPLE},train-size=400,model=hgb")
    cells = p.candidate_cells(ctx)[:200]
    with pytest.raises(NasplugError, match="291 labelled cells outside the 200 evaluated ones, fewer "
                                           "than train-size 400"):
        score_population(p, ctx, cells, _no_scoring)


def test_learned_with_the_architecture_encoding(nb201):
    pytest.importorskip("sklearn")
    ctx, _ = nb201
    p = from_spec(f"learned:synflow:source=naslib,file={SAMPLE},train-size=100,encoding=yes,model=hgb")
    cells = p.candidate_cells(ctx)[:50]
    result = score_population(p, ctx, cells, _no_scoring)
    assert result.describe["encoding"] is True
    assert result.describe["fit"]["n_features"] == 1 + 6 * 5  # synflow + one-hot of 6 edges x 5 ops


def test_learned_bad_options():
    with pytest.raises(NasplugError, match="train-size must be at least 2"):
        from_spec("learned:synflow,snip:train-size=1,source=naslib")
    with pytest.raises(NasplugError, match="unknown model 'svm'"):
        from_spec("learned:synflow,snip:model=svm,source=naslib")
    with pytest.raises(NasplugError, match="'all' stands alone"):
        from_spec("learned:all,synflow:source=naslib")


def test_a_missing_model_library_is_one_line_naming_the_extra(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "xgboost", None)  # import xgboost now fails
    with pytest.raises(NasplugError, match=r"needs xgboost, which is not installed: "
                                           r"pip install 'nasplug\[learned\]'"):
        from_spec("learned:synflow,snip:model=xgboost,source=naslib")
