"""compute_scores must give NASLib's numbers: checked against the tutorial's printed results."""

import math

import pytest

from nasplug.evaluators import METRICS, compute_scores, precision_at_k

# The tutorial's "Sample Submission" run on NAS-Bench-201 / CIFAR-10 (parameter counting).
TUTORIAL_Y = [86.77, 71.92, 85.18, 89.47, 87.4, 84.85, 85.19, 89.01, 85.17, 89.89]
TUTORIAL_PRED = [129306, 101306, 559386, 559386, 587386, 587386, 129306, 400346, 129306, 1073466]


def test_matches_tutorial_sample_submission_numbers():
    r = compute_scores(TUTORIAL_Y, TUTORIAL_PRED)
    assert r["mae"] == pytest.approx(425572.515)
    assert r["rmse"] == pytest.approx(518474.3217, abs=1e-3)
    assert round(r["pearson"], 4) == 0.5307
    assert round(r["spearman"], 4) == 0.5124
    assert r["kendalltau"] == pytest.approx(0.4242640687119285)
    assert r["kt_2dec"] == pytest.approx(0.4242640687119285)
    assert r["kt_1dec"] == pytest.approx(0.4242640687119285)
    assert r["precision_10"] == pytest.approx(0.9)
    assert r["precision_20"] == pytest.approx(0.45)
    assert r["full_ytest"] == TUTORIAL_Y and r["full_testpred"] == [float(p) for p in TUTORIAL_PRED]


def test_matches_tutorial_synflow_numbers():
    y = [86.77, 71.92, 85.18, 89.47, 87.4, 84.85, 85.19, 89.01, 85.17, 89.89, 87.12, 84.12,
         89.44, 85.69]
    pred = [2.10175186e+19, 2.66518826e+06, 2.94391780e+25, 2.12203568e+35, 1.63192861e+31,
            2.52076873e+32, 2.08993446e+23, 1.95421532e+26, 5.09783416e+15, 1.41177900e+39,
            1.96238489e+19, 2.56321128e+06, 3.90529928e+41, 1.55693468e+18]
    r = compute_scores(y, pred)
    assert round(r["kendalltau"], 4) == 0.5604
    assert round(r["spearman"], 4) == 0.7451
    assert r["precision_10"] == pytest.approx(0.9)
    assert r["precision_20"] == pytest.approx(0.6)


def test_precision_is_strictly_above_the_k_plus_first_value():
    y = list(range(30))
    # the predictor gets the true top 10 exactly right
    assert precision_at_k(y, y, 10) == pytest.approx(1.0)
    # reversed ranking: no overlap
    assert precision_at_k(y, [-v for v in y], 10) == 0.0
    # n <= k: everything above the minimum counts, divided by k
    assert precision_at_k([1, 2, 3], [1, 2, 3], 10) == pytest.approx(0.2)


def test_degenerate_inputs_give_nan_not_errors():
    r = compute_scores([1.0], [2.0])
    assert math.isnan(r["kendalltau"]) and r["mae"] == 1.0
    r = compute_scores([], [])
    assert all(math.isnan(r[m]) for m in METRICS)
    r = compute_scores([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])  # constant predictor
    assert math.isnan(r["kendalltau"])
