"""The NAS-Bench-Suite-Zero view of a many-proxy run: proxies x tasks, and proxy against proxy.

Reads only the result dicts of :func:`nasplug.evaluation.run.run_task` (their
``spearman`` and per-cell ``cells``). Two summaries, in the JSON and as one
PNG figure (matplotlib, imported only when plotting):

- :func:`spearman_matrix`: Spearman rho of every predictor on every task
  (Suite-Zero's Figure 2 heatmap);
- :func:`proxy_correlation`: Spearman rank correlation between two
  predictors' scores on the same cells of a task (only cells both scored),
  averaged over the tasks where both ran (Suite-Zero's proxy-to-proxy figure).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import NasplugError


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def spearman_matrix(results: list[dict]) -> dict:
    """``{"predictors": [...], "tasks": [...], "spearman": [[rho or None per task] per predictor]}``."""
    predictors = list(dict.fromkeys(r["predictor"] for r in results))
    tasks = list(dict.fromkeys(r["task"] for r in results))
    lookup = {(r["predictor"], r["task"]): r.get("spearman") for r in results}
    rows = [[lookup.get((p, t)) if _finite(lookup.get((p, t))) else None for t in tasks]
            for p in predictors]
    return {"predictors": predictors, "tasks": tasks, "spearman": rows}


def _scores_by_cell(result: dict) -> dict[str, float]:
    return {c["arch"]: float(c["score"]) for c in result.get("cells", ())
            if _finite(c.get("score"))}


def proxy_correlation(results: list[dict], min_common: int = 3) -> dict:
    """``{"predictors": [...], "spearman": matrix, "tasks": {(a, b) counts}}``: proxy against proxy.

    For each pair and task, Spearman rho of the two predictors' scores over the
    cells both scored (at least ``min_common``); the matrix holds the mean over
    tasks (None where no task had enough common cells), the diagonal 1.
    """
    from scipy.stats import spearmanr

    predictors = list(dict.fromkeys(r["predictor"] for r in results))
    by_task: dict[str, dict[str, dict[str, float]]] = {}
    for r in results:
        by_task.setdefault(r["task"], {})[r["predictor"]] = _scores_by_cell(r)
    matrix: list[list[float | None]] = []
    tasks_used: dict[str, int] = {}
    for a in predictors:
        row: list[float | None] = []
        for b in predictors:
            if a == b:
                row.append(1.0)
                continue
            values = []
            for scores in by_task.values():
                if a not in scores or b not in scores:
                    continue
                common = sorted(set(scores[a]) & set(scores[b]))
                if len(common) < min_common:
                    continue
                rho = spearmanr([scores[a][c] for c in common], [scores[b][c] for c in common]).statistic
                if _finite(rho):
                    values.append(float(rho))
            row.append(sum(values) / len(values) if values else None)
            tasks_used[f"{a}|{b}"] = len(values)
        matrix.append(row)
    return {"predictors": predictors, "spearman": matrix, "tasks_per_pair": tasks_used}


def suite_view(results: list[dict]) -> dict:
    """Both summaries, JSON-ready (the ``suite_view`` entry of ``--output``)."""
    return {"spearman_by_task": spearman_matrix(results), "proxy_correlation": proxy_correlation(results)}


def format_suite_table(results: list[dict]) -> str:
    """Spearman rho as a predictors x tasks table (the text form of the heatmap)."""
    m = spearman_matrix(results)
    width = max([len("predictor")] + [len(p) for p in m["predictors"]])
    cols = [max(6, len(t)) for t in m["tasks"]]
    lines = ["Spearman rho by task (Suite-Zero view)",
             "  ".join(["predictor".ljust(width)] + [t.rjust(w) for t, w in zip(m["tasks"], cols)])]
    for name, row in zip(m["predictors"], m["spearman"]):
        cells = ["-" if v is None else f"{v:.3f}" for v in row]
        lines.append("  ".join([name.ljust(width)] + [c.rjust(w) for c, w in zip(cells, cols)]))
    return "\n".join(lines)


def _heatmap(ax: Any, matrix: list[list[float | None]], rows: list[str], cols: list[str], title: str) -> None:
    import numpy as np

    data = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    image = ax.imshow(data, cmap="RdBu_r", vmin=-1.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            if not np.isnan(data[i, j]):
                ax.text(j, i, f"{data[i, j]:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if abs(data[i, j]) > 0.6 else "black")
    ax.set_title(title, fontsize=10)
    return image


def write_suite_plot(results: list[dict], path: str) -> None:
    """One PNG: the proxies x tasks Spearman heatmap beside the proxy-to-proxy correlation."""
    from ..extras import require

    matplotlib = require("matplotlib", "plot", "--plot")  # one line naming nasplug[plot] when missing
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_task = spearman_matrix(results)
    pairs = proxy_correlation(results)
    n_pred, n_task = len(by_task["predictors"]), len(by_task["tasks"])
    fig, axes = plt.subplots(1, 2, figsize=(4 + 0.8 * (n_task + n_pred), 2.5 + 0.5 * n_pred),
                             gridspec_kw={"width_ratios": [max(n_task, 1), max(n_pred, 1)]},
                             constrained_layout=True)
    _heatmap(axes[0], by_task["spearman"], by_task["predictors"], by_task["tasks"],
             "Spearman rho vs ground truth")
    image = _heatmap(axes[1], pairs["spearman"], pairs["predictors"], pairs["predictors"],
                     "proxy vs proxy rho (same cells)")
    fig.colorbar(image, ax=list(axes), shrink=0.8)
    fig.get_layout_engine().set(w_pad=0.3)
    try:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    except OSError as exc:
        raise NasplugError(f"cannot write plot {path!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


__all__ = ["format_suite_table", "proxy_correlation", "spearman_matrix", "suite_view", "write_suite_plot"]
