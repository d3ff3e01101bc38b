"""Optional: query any DARTS cell through the official NAS-Bench-301 surrogate.

Needs the ``nasbench301`` package (https://github.com/automl/nasbench301, which
brings xgboost and ConfigSpace) and its surrogate model files: the performance
ensemble folder ``xgb_v1.0`` (or ``xgb_v0.9``) of the NAS-Bench-301 model release
(``nb_models_1.0.zip``), i.e. member folders each holding
``surrogate_model.model``, ``data_config.json`` and ``model_config.json``.

Point nasplug at the ensemble folder (or at ``nb_models_1.0`` holding it) with
``NasBench301Benchmark(..., surrogate_dir=...)`` or ``$NASPLUG_NB301_SURROGATE``.
Predictions are the ensemble mean without noise (``with_noise=False``), so a cell
always gets the same number. nasplug never downloads the models.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from nasplug.errors import DataError

SURROGATE_ENV = "NASPLUG_NB301_SURROGATE"
PACKAGE = "nasbench301"
MODEL_FILE = "surrogate_model.model"
CONFIG_FILES = ("data_config.json", "model_config.json")
ENSEMBLE_FOLDERS = ("xgb_v1.0", "xgb_v0.9")

_loaded: dict[str, Any] = {}


class SurrogateOption:
    """The surrogate setting of a benchmark: where the models are, what is missing."""

    def __init__(self, surrogate_dir: str | os.PathLike | None = None) -> None:
        raw = surrogate_dir if surrogate_dir is not None else os.environ.get(SURROGATE_ENV) or None
        self.path: Path | None = Path(raw).expanduser() if raw else None

    @property
    def configured(self) -> bool:
        return self.path is not None

    def ensemble_dir(self) -> Path | None:
        if self.path is None:
            return None
        for name in ENSEMBLE_FOLDERS:
            if (self.path / name).is_dir():
                return self.path / name
        return self.path

    def missing(self) -> list[str]:
        """Human-readable list of what is missing (empty when the surrogate can load)."""
        missing = []
        if importlib.util.find_spec(PACKAGE) is None:
            missing.append(f"the Python package {PACKAGE!r} (pip install {PACKAGE}; it needs xgboost and ConfigSpace)")
        folder = self.ensemble_dir()
        if folder is None:
            missing.append(f"the model folder setting (surrogate_dir= or ${SURROGATE_ENV})")
        elif not folder.is_dir():
            missing.append(f"the model folder {str(folder)!r} (it does not exist)")
        else:
            members = sorted({p.parent for p in folder.rglob(f"*{MODEL_FILE}")})
            if not members:
                missing.append(f"surrogate model files '*{MODEL_FILE}' under {str(folder)!r} "
                               f"(unpack the {'/'.join(ENSEMBLE_FOLDERS)} folder of the NAS-Bench-301 "
                               "model release nb_models_1.0.zip there)")
            for member in members:
                for name in CONFIG_FILES:
                    if not (member / name).is_file():
                        missing.append(f"{str(member / name)!r}")
        return missing

    @staticmethod
    def requirements() -> str:
        return (f"install the {PACKAGE!r} package (pip install {PACKAGE}) and unpack its performance "
                f"surrogate ({'/'.join(ENSEMBLE_FOLDERS)} from the NAS-Bench-301 model release "
                f"nb_models_1.0.zip: member folders with {MODEL_FILE}, {', '.join(CONFIG_FILES)}), then pass "
                f"surrogate_dir=<folder> or set {SURROGATE_ENV}=<folder>")

    def predict(self, genotype: Any) -> float:
        """Surrogate CIFAR-10 validation accuracy (%) of a DARTS genotype."""
        missing = self.missing()
        if missing:
            raise DataError("the NAS-Bench-301 surrogate cannot be used: missing " + "; ".join(missing)
                            + f". To use it, {self.requirements()}")
        folder = str(self.ensemble_dir().resolve())
        model = _loaded.get(folder)
        if model is None:
            import nasbench301  # noqa: PLC0415 - optional dependency

            model = _loaded[folder] = nasbench301.load_ensemble(folder)
        return float(model.predict(config=genotype, representation="genotype", with_noise=False))

    def __repr__(self) -> str:
        return repr(str(self.path)) if self.path is not None else "None"
