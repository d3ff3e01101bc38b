"""The evaluation wing: one module per stage, in the order the data moves.

========================  =======================================================
``settings``              :class:`BatchSettings`: the seven values that pick a batch
``tasks``                 which tasks; :func:`prepare_task` loads a table, describes the batch
``predictors``            :func:`resolve` -> :class:`ResolvedPredictor` (+ picklable ref and inverse)
``jobs``                  what a worker does: :func:`run_scoring_job` on a :class:`ScoringJob`
``run``                   the loop over one task: :func:`run_task`, :func:`evaluate_task`
``correlation``           NASLib's metrics: :func:`compute_scores`
``report``                table, JSON, plot, notes
========================  =======================================================

Imports run one way: ``settings`` <- ``tasks``, ``predictors`` <- ``jobs`` <-
``run``; ``correlation`` <- ``run``, ``report``. Nothing here imports torch at
module level; names are exported lazily.
"""

from __future__ import annotations

from ..lazy import lazy_exports

_LAZY = {
    "BatchSettings": "nasplug.evaluation.settings",
    "PreparedTask": "nasplug.evaluation.tasks",
    "installed_tasks": "nasplug.evaluation.tasks",
    "parse_benchmark": "nasplug.evaluation.tasks",
    "prepare_task": "nasplug.evaluation.tasks",
    "check_task": "nasplug.evaluation.tasks",
    "ResolvedPredictor": "nasplug.evaluation.predictors",
    "PredictorRef": "nasplug.evaluation.predictors",
    "resolve": "nasplug.evaluation.predictors",
    "resolve_predictor": "nasplug.evaluation.predictors",
    "build_predictor": "nasplug.evaluation.predictors",
    "JobContext": "nasplug.evaluation.jobs",
    "ScoringJob": "nasplug.evaluation.jobs",
    "CellResult": "nasplug.evaluation.jobs",
    "run_scoring_job": "nasplug.evaluation.jobs",
    "run_task": "nasplug.evaluation.run",
    "evaluate_task": "nasplug.evaluation.run",
    "compute_scores": "nasplug.evaluation.correlation",
    "format_table": "nasplug.evaluation.report",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = sorted(_LAZY)
