"""The Suite-Zero view of a many-proxy run (nasplug.evaluation.suite_view)."""

from __future__ import annotations

import pytest

from nasplug.evaluation.suite_view import proxy_correlation, spearman_matrix, suite_view, write_suite_plot


def result(predictor, task, scores, spearman):
    cells = [{"arch": a, "score": s, "ground_truth": 0.0} for a, s in scores.items()]
    return {"predictor": predictor, "task": task, "spearman": spearman, "cells": cells}


ARCHS = [f"a{i}" for i in range(10)]
RESULTS = [
    result("up", "t1", {a: float(i) for i, a in enumerate(ARCHS)}, 0.5),
    result("down", "t1", {a: -float(i) for i, a in enumerate(ARCHS)}, -0.5),
    # scored only half the cells, one of them failed (NaN is not a score)
    result("half", "t1", {a: float(i ** 2) for i, a in enumerate(ARCHS[:5])} | {"a9": float("nan")}, 0.1),
    result("up", "t2", {a: float(i) for i, a in enumerate(ARCHS)}, float("nan")),
    result("down", "t2", {a: float(i) for i, a in enumerate(ARCHS)}, 0.3),
]


def test_spearman_matrix_is_predictor_by_task_with_gaps():
    m = spearman_matrix(RESULTS)
    assert m["predictors"] == ["up", "down", "half"] and m["tasks"] == ["t1", "t2"]
    assert m["spearman"] == [[0.5, None], [-0.5, 0.3], [0.1, None]]


def test_proxy_correlation_uses_common_cells_and_averages_tasks():
    c = proxy_correlation(RESULTS)
    names = c["predictors"]
    m = {(a, b): c["spearman"][i][j] for i, a in enumerate(names) for j, b in enumerate(names)}
    assert m[("up", "up")] == 1.0
    # t1: -1 (reversed), t2: +1 (same order): mean 0
    assert m[("up", "down")] == pytest.approx(0.0)
    assert c["tasks_per_pair"]["up|down"] == 2
    # half: 5 common finite cells on t1 only, monotone in up
    assert m[("up", "half")] == pytest.approx(1.0) and c["tasks_per_pair"]["up|half"] == 1
    assert m[("half", "down")] == pytest.approx(-1.0)


def test_suite_view_is_json_ready_and_plots(tmp_path):
    import json

    json.dumps(suite_view(RESULTS))
    path = tmp_path / "suite.png"
    write_suite_plot(RESULTS, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
