"""A learned predictor on zero-cost features: ``--predictor learned:all --train-size 400``.

NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022 Datasets and
Benchmarks, Sec. 4) fits a gradient-boosted tree model on the zero-cost scores
of labelled architectures and ranks others with it. :class:`Learned` is that
model as a :class:`~nasplug.population.PopulationPredictor`:

- **features**: the per-cell scores of the chosen proxies (its members, each
  scored and cached under its own score-store key; ``all`` = every installed
  per-cell predictor, or with ``source=naslib`` every proxy NASLib's file
  records), optionally plus a one-hot encoding of the architecture
  (``encoding=yes``: one column per position and op of the search space's
  compact encoding);
- **training cells**: ``train-size`` labelled cells drawn (seeded by the
  evaluation seed) from the labelled cells *outside* the evaluated ones; they
  enter only the fit (:meth:`~nasplug.population.PopulationPredictor.extra_cells`)
  and never the test metrics. Their target is the task's ground truth
  (``default_metric``);
- **model**: ``model=`` one of :data:`MODELS` with fixed seeds (the evaluation
  seed). ``xgboost`` uses NASLib's XGBoost defaults (depth 6, learning rate 0.3,
  500 rounds); the others are set to the same depth, rate and rounds.

Named ``learned:FEATURES[:train-size=N,encoding=yes|no,model=M,source=S,file=F]``;
``nasplug eval --train-size/--encoding`` fill what the name leaves unset. The
libraries are the optional extra ``nasplug[learned]``; a missing one is one
line naming it. Too few labelled cells for ``train-size`` is one line too.
"""

from __future__ import annotations

import random
from typing import Any, Mapping, Sequence

from .errors import NasplugError
from .population import Population, PopulationContext, PopulationPredictor, member_label

DEFAULT_TRAIN_SIZE = 400
#: model name -> (module it needs, what it is)
MODELS = {
    "xgboost": ("xgboost", "XGBoost's gradient-boosted trees (NASLib's default hyperparameters)"),
    "hgb": ("sklearn", "scikit-learn's HistGradientBoostingRegressor"),
    "lightgbm": ("lightgbm", "LightGBM's gradient-boosted trees"),
}
DEFAULT_MODEL = "xgboost"
#: the extra that installs each model's library (``nasplug[learned]``; LightGBM is not in it)
_EXTRA = {"xgboost": "learned", "hgb": "learned"}
#: NASLib's XGBoost defaults (naslib/predictors/trees/xgb.py), shared by every model here
MAX_DEPTH, LEARNING_RATE, ROUNDS = 6, 0.3, 500
_TRUE = {"yes", "true", "1", "on"}
_FALSE = {"no", "false", "0", "off"}


def _flag(value: Any, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise NasplugError(f"learned: {what}={value!r} is not yes/no")


def _train_size(value: Any) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise NasplugError(f"learned: train-size={value!r} is not a whole number") from None
    if n < 2:
        raise NasplugError(f"learned: train-size must be at least 2, got {n}")
    return n


def make_model(name: str, seed: int):
    """A fresh regressor with ``fit(X, y)`` / ``predict(X)``, seeded, one thread."""
    from .extras import require

    if name not in MODELS:
        raise NasplugError(f"learned: unknown model {name!r}; valid: {', '.join(MODELS)}")
    module = MODELS[name][0]
    require(module, _EXTRA.get(name), f"the learned predictor's model={name}")
    if name == "xgboost":
        import xgboost

        return xgboost.XGBRegressor(n_estimators=ROUNDS, max_depth=MAX_DEPTH, learning_rate=LEARNING_RATE,
                                    min_child_weight=1, colsample_bytree=1.0, colsample_bylevel=1.0,
                                    objective="reg:squarederror", tree_method="exact",
                                    random_state=seed, n_jobs=1)
    if name == "lightgbm":
        import lightgbm

        return lightgbm.LGBMRegressor(n_estimators=ROUNDS, max_depth=MAX_DEPTH, num_leaves=2 ** MAX_DEPTH,
                                      learning_rate=LEARNING_RATE, min_child_samples=5,
                                      random_state=seed, n_jobs=1, verbose=-1, deterministic=True)
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_iter=ROUNDS, max_depth=MAX_DEPTH, learning_rate=LEARNING_RATE,
                                         min_samples_leaf=5, early_stopping=False, random_state=seed)


# -- architecture encoding -----------------------------------------------------------

def _flatten(value: Any) -> list[int]:
    if isinstance(value, (tuple, list)):
        return [x for item in value for x in _flatten(item)]
    return [int(value)]


def compact_encoding(search_space: str, cell: str) -> tuple[int, ...]:
    """The search space's compact encoding of ``cell`` as flat integers (no network built
    for NAS-Bench-201, NAS-Bench-301 and TransNAS-Bench-101 micro)."""
    if search_space == "nasbench201":
        from nasplug_nb201.conversions import to_op_indices

        return tuple(to_op_indices(cell))
    if search_space == "nasbench301":
        from nasplug_nb301.encoding import to_compact

        return tuple(_flatten(to_compact(cell)))
    if search_space == "transbench101_micro":
        from nasplug_tnb101.encoding import parse_arch

        return tuple(parse_arch(cell))
    from .api import get_search_space  # any other space: its Graph's get_hash()

    graph = get_search_space(search_space).clone()
    graph.set_spec(cell)
    return tuple(_flatten(graph.get_hash()))


def one_hot(codes: Sequence[Sequence[int]]):
    """One column per (position, value) seen in ``codes``: the categorical ops as 0/1."""
    import numpy as np

    table = np.asarray(codes, dtype=int)
    columns = [(table[:, j] == v) for j in range(table.shape[1]) for v in np.unique(table[:, j])]
    return np.stack(columns, axis=1).astype(float) if columns else np.zeros((len(codes), 0))


# -- the predictor -------------------------------------------------------------------

def all_per_cell_predictors() -> list[str]:
    """Every installed predictor that scores one cell at a time (``learned:all``), sorted.

    Asking a lazily registered class whether it is a population predictor imports it.
    """
    from .plugins import get_registry

    registry = get_registry()
    return sorted(name for name in registry.names("predictors")
                  if not getattr(registry.get("predictors", name), "population", False))


class Learned(PopulationPredictor):
    """Gradient-boosted trees on zero-cost features of labelled training cells."""

    name = "learned"
    independent_cells = True

    def __init__(self, features: Sequence[Any] = ("all",), train_size: int | str = DEFAULT_TRAIN_SIZE,
                 encoding: bool | str = False, model: str = DEFAULT_MODEL, source: str = "nasplug",
                 file: str | None = None, data_dir: Any = None, method_type: str | None = None) -> None:
        from .ensemble import resolve_members

        self.train_size = _train_size(train_size)
        self.encoding = _flag(encoding, "encoding")
        if model not in MODELS:
            raise NasplugError(f"learned: unknown model {model!r}; valid: {', '.join(MODELS)}")
        from .extras import require

        require(MODELS[model][0], _EXTRA.get(model), f"the learned predictor (model={model})")
        self.model = model
        self.source = source
        self.file = file
        self.data_dir = data_dir
        self.features = [f for f in features]
        self._all = [f for f in self.features if f == "all"] != []
        if self._all and len(self.features) > 1:
            raise NasplugError("learned: 'all' stands alone (learned:all), not with other features")
        if not self.features:
            raise NasplugError("learned: name the features, e.g. learned:all or learned:synflow,jacov")
        if self._all and source == "nasplug":
            self.features = all_per_cell_predictors()
        self._members: list | None = None if self._all and source == "naslib" else resolve_members(
            self.features, source=source, file=file, data_dir=data_dir, what="learned")
        self.requires_data = self._members is None or any(
            getattr(m, "requires_data", True) for m in self._members)
        self.last_fit: dict = {}
        super().__init__(method_type=method_type or self.spec())

    def spec(self) -> str:
        features = "all" if self._all else ",".join(
            getattr(m, "proxy", None) or member_label(m) for m in self._members or ())
        options = [f"train-size={self.train_size}", f"encoding={'yes' if self.encoding else 'no'}",
                   f"model={self.model}"]
        if self.source != "nasplug":
            options.append(f"source={self.source}")
        if self.file:
            options.append(f"file={self.file}")
        return f"learned:{features}:{','.join(options)}"

    def _resolve_naslib_all(self, context: PopulationContext) -> list:
        if self._members is None:
            from .ensemble import resolve_members
            from .naslib_scores import file_proxies

            self.features = file_proxies(context, self.file)
            self._members = resolve_members(self.features, source="naslib", file=self.file,
                                            data_dir=self.data_dir, what="learned")
        return self._members

    def members(self) -> Sequence[Any]:
        if self._members is None:
            raise NasplugError("learned:all:source=naslib reads its features from the task's file: "
                               "evaluate it on a task first")
        return self._members

    def candidate_cells(self, context):
        members = self._resolve_naslib_all(context)
        sets = [m.candidate_cells(context) for m in members if hasattr(m, "candidate_cells")]
        sets = [set(s) for s in sets if s is not None]
        if not sets:
            return None
        common = set.intersection(*sets)
        return [c for c in context.labelled_cells() if c in common]

    def extra_cells(self, context, cells):
        """``train_size`` labelled cells outside ``cells``, drawn with the evaluation seed."""
        self._resolve_naslib_all(context)
        pool = self.candidate_cells(context)
        pool = context.labelled_cells() if pool is None else pool
        taken = set(cells)
        pool = [c for c in pool if c not in taken]
        if len(pool) < self.train_size:
            raise NasplugError(
                f"learned: {context.task} has {len(pool)} labelled cells outside the {len(taken)} "
                f"evaluated ones, fewer than train-size {self.train_size}; lower --train-size or --test-size")
        return random.Random(f"learned-train:{context.seed}").sample(pool, self.train_size)

    def _features(self, population: Population, cells: Sequence[str]):
        X = population.matrix(cells, [member_label(m) for m in self.members()])
        if not self.encoding:
            return X, None
        codes = [compact_encoding(population.context.search_space, c) for c in cells]
        return X, codes

    def combine(self, population: Population) -> Mapping[str, float]:
        import numpy as np

        train, test = list(population.extra), list(population.cells)
        if len(train) < 2:
            raise NasplugError(f"learned: only {len(train)} training cells have every feature "
                               f"(of {self.train_size}); cannot fit")
        X, codes = self._features(population, train + test)
        if codes is not None:
            X = np.hstack([X, one_hot(codes)])
        y = np.asarray(population.context.labels(train), dtype=float)
        model = make_model(self.model, int(population.context.seed))
        model.fit(X[:len(train)], y)
        predicted = model.predict(X[len(train):])
        self.last_fit = {"n_train": len(train), "n_features": int(X.shape[1])}
        return dict(zip(test, map(float, predicted)))

    def describe(self) -> dict:
        return {"kind": "learned", "model": self.model, "model_description": MODELS[self.model][1],
                "train_size": self.train_size, "encoding": self.encoding, "source": self.source,
                "file": self.file,
                "members": [member_label(m) for m in self._members] if self._members else ["all"],
                "hyperparameters": {"max_depth": MAX_DEPTH, "learning_rate": LEARNING_RATE,
                                    "rounds": ROUNDS},
                **({"fit": self.last_fit} if self.last_fit else {})}


def from_name(rest: str, **kwargs: Any) -> Learned:
    """``--predictor learned:FEATURES[:options]`` (see the module docstring)."""
    from .population import parse_rest

    features, options = parse_rest("learned", rest, kwargs,
                                   allowed=("train-size", "encoding", "model", "source", "file"))
    return Learned(features or ["all"], train_size=options.get("train-size", DEFAULT_TRAIN_SIZE),
                   encoding=options.get("encoding", "no"), model=options.get("model", DEFAULT_MODEL),
                   source=options.get("source", "nasplug"), file=options.get("file"))


__all__ = ["DEFAULT_MODEL", "DEFAULT_TRAIN_SIZE", "Learned", "MODELS", "compact_encoding",
           "from_name", "make_model", "one_hot"]
