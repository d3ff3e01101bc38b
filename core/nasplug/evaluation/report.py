"""Stage 6, report: the comparison table, the JSON document, the plot, the notes.

Reads only the result dicts :func:`nasplug.evaluation.run.run_task` returns.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import NasplugError
from .correlation import FAILED_POLICY


def _clean(value):
    """JSON-safe: NaN/inf -> null, numpy scalars -> Python."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def _fmt(value, spec=".4f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "nan"
    return format(value, spec)


def _data_label(result: dict) -> str:
    data = result.get("data") or {}
    if result.get("synthetic"):
        return "SYNTHETIC inputs"
    label = str(data.get("source", ""))
    if data.get("with_replacement"):
        label += f", batch {result['batch_size']} drawn with replacement"
    return label


def format_table(results: list[dict]) -> str:
    """The final comparison table (one row per predictor x task) and averages."""
    headers = ["predictor", "task", "n", "failed", "kendalltau", "spearman", "pearson",
               "prec@10", "s/arch", "data"]
    rows = []
    for r in results:
        task = r["task"] + (" [synthetic]" if r.get("synthetic") else "") + (
            " [augmented]" if (r.get("data") or {}).get("augmentation") else "")
        rows.append([r["predictor"], task, str(r["n_scored"]), str(r["n_failed"]),
                     _fmt(r["kendalltau"]), _fmt(r["spearman"]), _fmt(r["pearson"]),
                     _fmt(r["precision_10"], ".2f"), _fmt(r["query_time"], ".3f"), _data_label(r)])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    by_predictor: dict = {}
    for r in results:
        by_predictor.setdefault(r["predictor"], []).append(r["kendalltau"])
    lines.append("")
    for name, kts in by_predictor.items():
        finite = [k for k in kts if k is not None and not math.isnan(k)]
        avg = sum(finite) / len(finite) if finite else float("nan")
        lines.append(f"Average Kendall tau {name}: {_fmt(avg)} over {len(finite)} task(s)")
    return "\n".join(lines)


def write_plot(results: list[dict], path: str) -> None:
    """Predicted score against ground truth, one panel per predictor x task (PNG)."""
    from ..extras import require

    matplotlib = require("matplotlib", "plot", "--plot")  # one line naming nasplug[plot] when missing
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    predictors = list(dict.fromkeys(r["predictor"] for r in results))
    tasks = list(dict.fromkeys(r["task"] for r in results))
    fig, axes = plt.subplots(len(predictors), len(tasks), squeeze=False,
                             figsize=(4.2 * len(tasks), 3.6 * len(predictors)))
    lookup = {(r["predictor"], r["task"]): r for r in results}
    for i, pred in enumerate(predictors):
        for j, task in enumerate(tasks):
            ax = axes[i][j]
            r = lookup.get((pred, task))
            if r is None:
                ax.axis("off")
                continue
            y = np.asarray(r["full_ytest"], dtype=float)
            s = np.asarray(r["full_testpred"], dtype=float)
            ax.scatter(y, s, s=10, alpha=0.7)
            if len(s) and np.all(s > 0) and s.max() / max(s.min(), 1e-300) > 1e3:
                ax.set_yscale("log")
            tag = " [synthetic]" if r.get("synthetic") else ""
            ax.set_title(f"{task}{tag}\n{pred}: tau={_fmt(r['kendalltau'], '.3f')}  "
                         f"rho={_fmt(r['spearman'], '.3f')}  (n={r['n_scored']})", fontsize=9)
            ax.set_xlabel(f"ground truth ({r.get('metric') or 'metric'})", fontsize=8)
            ax.set_ylabel("predicted score", fontsize=8)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise NasplugError(f"cannot write plot {path!r}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


def write_output(results: list[dict], settings: dict, path: str) -> None:
    summary = [{k: v for k, v in r.items() if k not in ("cells", "full_ytest", "full_testpred")}
               for r in results]
    cells = [{"predictor": r["predictor"], "task": r["task"], **cell}
             for r in results for cell in r["cells"]]
    doc = {"settings": settings, "summary": summary, "architectures": cells}
    if len({r["predictor"] for r in results}) > 1:
        from .suite_view import suite_view

        doc["suite_view"] = suite_view(results)
    try:
        Path(path).write_text(json.dumps(_clean(doc), indent=1) + "\n")
    except OSError as exc:
        raise NasplugError(f"cannot write results to {path!r}: {exc.strerror or exc}") from None


def failure_summary(result: dict) -> str:
    """One line on failed cells, e.g. ``2 of 100 cells failed (...); excluded from ...``."""
    n = result.get("n_failed", 0)
    if not n:
        return ""
    first = result["failures"][0]["error"]
    return (f"{result['task']} {result['predictor']}: {n} of {result['test_size']} cells failed "
            f"(first: {first}); {FAILED_POLICY}")


def notes(results: list[dict], synthetic: bool = False) -> list[str]:
    """The lines printed under the table: failed cells, how batches were drawn, synthetic inputs."""
    lines = [line for line in (failure_summary(r) for r in results) if line]
    for task, data in {r["task"]: r["data"] for r in results}.items():
        if data.get("with_replacement"):
            lines.append(f"note: {task}: {data.get('sampling')} ({data.get('source')})")
        if data.get("augmentation_note"):
            lines.append(f"note: {task}: {data['augmentation_note']}")
    for r in results:  # population predictors (nasplug.population): where the numbers came from
        population = r.get("population") or {}
        if population.get("labelled"):
            lines.append(f"note: {r['task']} {r['predictor']}: {population['labelled']} "
                         f"({population.get('file') or 'the data directory'}), not computed by nasplug")
        if population.get("n_extra_failed"):
            lines.append(f"note: {r['task']} {r['predictor']}: {population['n_extra_failed']} training "
                         f"cells excluded (a feature failed); fitted on {population.get('n_extra')}")
    if synthetic:
        lines.append("note: scores were computed on SYNTHETIC inputs (--synthetic-data), "
                     "not real images")
    return lines


__all__ = ["failure_summary", "format_table", "notes", "write_output", "write_plot"]
