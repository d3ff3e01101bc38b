"""Stage 5, correlation: how well the scores rank the ground truth (NASLib's metrics).

Pure functions of two equal-length sequences; no torch, no plugins.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Sequence, Union

if TYPE_CHECKING:
    import numpy as np

from ..errors import NasplugError

#: NASLib's metric names, in its order
METRICS = ("mae", "rmse", "pearson", "spearman", "kendalltau", "kt_2dec", "kt_1dec",
           "precision_10", "precision_20")
#: what happens to a failed cell (a predictor error, NaN or inf)
#: a sequence of numbers or a NumPy array of them
Values = Union[Sequence[float], "np.ndarray"]

FAILED_POLICY = "excluded from every metric (scores and ground truth of failed cells are dropped)"


def precision_at_k(ytest: Values, test_pred: Values, k: int) -> float:
    """NASLib's ``precision_k``: overlap of the true and predicted top-k, divided by k.

    As in NASLib's ``compute_scores``, an architecture is in the "top k" of a list
    when its value is strictly greater than the list's (k+1)-th largest value;
    with ``n <= k`` architectures that is every one above the minimum (so 10
    architectures give at most 9/10 for k=10 and 9/20 for k=20), and ties at the
    threshold are left out. The overlap is always divided by ``k``.
    """
    import numpy as np

    y = np.asarray(ytest, dtype=float)
    p = np.asarray(test_pred, dtype=float)
    n = len(y)
    if n == 0:
        return float("nan")
    idx = max(-n, -k - 1)
    top_y = y > np.sort(y)[idx]
    top_p = p > np.sort(p)[idx]
    return float(np.sum(top_y & top_p) / k)


def compute_scores(ytest: Values, test_pred: Values) -> dict:
    """NASLib's ``compute_scores``: how well ``test_pred`` ranks ``ytest``.

    ``mae`` / ``rmse``: mean absolute / root-mean-square difference of raw score
    and ground truth (only meaningful when the predictor predicts the metric
    itself); ``pearson``: |Pearson r|; ``spearman``: Spearman rho;
    ``kendalltau``: Kendall tau-b (``scipy.stats.kendalltau``); ``kt_2dec`` /
    ``kt_1dec``: Kendall tau with predictions rounded to 2 / 1 decimals;
    ``precision_10`` / ``precision_20``: see :func:`precision_at_k`;
    ``full_ytest`` / ``full_testpred``: the inputs as lists. With fewer than two
    values, or constant input, the correlations are NaN.
    """
    import numpy as np
    from scipy import stats

    y = np.asarray(ytest, dtype=float)
    p = np.asarray(test_pred, dtype=float)
    if y.shape != p.shape:
        raise NasplugError(f"ground truth ({len(y)}) and predictions ({len(p)}) differ in length")
    out: dict = {name: float("nan") for name in METRICS}
    out["full_ytest"] = y.tolist()
    out["full_testpred"] = p.tolist()
    if len(y) == 0:
        return out
    with np.errstate(all="ignore"):
        out["mae"] = float(np.mean(np.abs(p - y)))
        out["rmse"] = float(np.sqrt(np.mean((p - y) ** 2)))
    if len(y) >= 2:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out["pearson"] = float(abs(np.corrcoef(y, p)[1, 0]))
            out["spearman"] = float(stats.spearmanr(y, p)[0])
            out["kendalltau"] = float(stats.kendalltau(y, p)[0])
            out["kt_2dec"] = float(stats.kendalltau(y, np.round(p, decimals=2))[0])
            out["kt_1dec"] = float(stats.kendalltau(y, np.round(p, decimals=1))[0])
    for k in (10, 20):
        out[f"precision_{k}"] = precision_at_k(y, p, k)
    return out


__all__ = ["FAILED_POLICY", "METRICS", "compute_scores", "precision_at_k"]
