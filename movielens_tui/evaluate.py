"""Offline evaluation: rating and top-k ranking metrics over fold protocols.

numpy and pandas only; TensorFlow is imported (through the trainer) only when a preset is
actually fitted, never when this module is imported.

Ranking protocol (issue 3, section 5): for each test user, rank every movie the user has
not rated in train; the relevant movies are all the user's test ratings (any value) that
are not in their train ratings; precision@k, recall@k and NDCG@k are averaged over the
test users with at least one relevant movie. Rating metrics (RMSE, MAE) apply to rating
models only; predictions are clipped to the dataset's rating scale as Surprise does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from movielens_tui.data import splits
from movielens_tui.errors import DataError, MovieLensError, ParamError
from movielens_tui.models import kinds, ranking
from movielens_tui.models.presets import BASELINE_PRESET, DEFAULT_PRESET

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.presets import Preset
    from movielens_tui.models.trained import TrainedModel

K = ranking.K
POPULARITY = BASELINE_PRESET  # the popularity baseline is an ordinary preset
RATING_METRICS = ("rmse", "mae")
Scorer = ranking.Scorer
ranking_metric_names = ranking.ranking_metric_names
top_k = ranking.top_k
ranking_metrics = ranking.ranking_metrics
_UserRows = ranking.UserRows


class EvaluationCancelled(MovieLensError):
    """``should_stop()`` asked the evaluation to stop."""


# --------------------------------------------------------------------------- rating metrics


def rmse(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Root mean squared error."""
    predicted, actual = _pair(predicted, actual)
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


def mae(predicted: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute error."""
    predicted, actual = _pair(predicted, actual)
    return float(np.mean(np.abs(predicted - actual)))


def _pair(predicted: np.ndarray, actual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    actual = np.asarray(actual, dtype=np.float64).ravel()
    if predicted.shape != actual.shape:
        raise ValueError(f"{predicted.size} predictions for {actual.size} ratings")
    if predicted.size == 0:
        raise ValueError("no ratings to compare")
    return predicted, actual


# --------------------------------------------------------------------------- ranking metrics


def ranking_metrics_dense(
    scores: np.ndarray, train_mask: np.ndarray, test_mask: np.ndarray, k: int = K
) -> dict[str, float]:
    """Precision/recall/NDCG@k from dense users×movies arrays (rows = users).

    Movies in ``train_mask`` are never ranked; relevant = ``test_mask`` and not
    ``train_mask``. Rows without a relevant movie are left out of the means. Returns the
    three metrics and ``n_users`` (rows counted).
    """
    sums = ranking.ranking_sums(np.asarray(scores, np.float64), np.asarray(train_mask, bool),
                                np.asarray(test_mask, bool), k)  # fmt: skip
    return ranking.finish(sums, k)


# --------------------------------------------------------------------------- scorers


def popularity_scorer(train: pd.DataFrame, n_movies: int) -> Scorer:
    """The popularity baseline: every user gets movies ordered by train rating count."""
    counts = np.bincount(train["movie"].to_numpy(np.int64), minlength=n_movies).astype(np.float64)

    def score(users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(counts, (len(users), n_movies))

    return score


def model_scorer(model: TrainedModel, train: pd.DataFrame) -> Scorer:
    """Scores a trained model gives every movie, for batches of users, from ``train`` only.

    The model's kind builds each user's query from their train ratings (rating models
    rank by predicted rating), so no test rating leaks into the ranking.
    """
    return kinds.model_scorer(model, train)


def rating_metrics(model: TrainedModel, test: pd.DataFrame) -> dict[str, float]:
    """RMSE and MAE of a rating model on ``test`` (predictions clipped to its rating scale)."""
    predicted = model.predict(test["user"].to_numpy(), test["movie"].to_numpy(), clip=True)
    actual = test["rating"].to_numpy()
    return {"rmse": rmse(predicted, actual), "mae": mae(predicted, actual)}


# --------------------------------------------------------------------------- protocols


@dataclass(frozen=True)
class Protocol:
    """How to cut train/test: the dataset's default folds, canonical ``uK`` folds, seeded
    k-fold, a per-user temporal split, one file pair, or a random holdout.

    ``Protocol.canonical()`` without fold numbers means the dataset's default folds: the
    canonical ``u1``-``u5`` files when its folder has them (ml-100k), otherwise a seeded
    5-fold by rating. :meth:`resolve` turns it into the concrete protocol for a dataset.
    """

    kind: str  # "folds" | "kfold" | "temporal" | "files" | "holdout"
    folds: tuple[int, ...] | None = None
    train: Path | None = None
    test: Path | None = None
    fraction: float = 0.1
    k: int = 5
    n_latest: int | None = None  # temporal: ratings per user; None = ``fraction`` of them

    @classmethod
    def canonical(cls, folds: Sequence[int] | None = None) -> Protocol:
        """The dataset's default folds, or the given ``uK`` fold numbers (1-5), which
        must then be in the dataset folder."""
        if folds is not None:
            bad = [k for k in folds if k not in range(1, 6)]
            if bad or not folds:
                raise ParamError("folds", f"fold numbers must be 1 to 5, got {list(folds)}")
            folds = tuple(folds)
        return cls("folds", folds=folds)

    @classmethod
    def kfold(cls, k: int = 5) -> Protocol:
        """Seeded k-fold by rating (the evaluation's ``seed`` shuffles the ratings)."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= 100:
            raise ParamError("kfold", f"{k} must be a whole number of folds from 2 to 100")
        return cls("kfold", k=int(k))

    @classmethod
    def temporal(cls, n: float = 1) -> Protocol:
        """Each user's latest ``n`` ratings as test (``n`` >= 1, whole), or their latest
        fraction ``n`` (0 < ``n`` < 1); see :func:`splits.temporal_split` for the rule."""
        n = float(n)
        if 0.0 < n < 1.0:
            return cls("temporal", fraction=n)
        if not (n >= 1 and n.is_integer()):
            raise ParamError(
                "temporal", f"{n:g} must be a whole number of ratings (>= 1) or a fraction"
            )
        return cls("temporal", n_latest=int(n))

    @classmethod
    def files(cls, train: str | Path, test: str | Path) -> Protocol:
        """One train/test pair of ratings files in the dataset's own layout."""
        return cls("files", train=Path(train), test=Path(test))

    @classmethod
    def holdout(cls, fraction: float = 0.1) -> Protocol:
        if not 0.0 < fraction < 1.0:
            raise ParamError("holdout", f"{fraction} must be between 0 and 1 (e.g. 0.1)")
        return cls("holdout", fraction=float(fraction))

    def resolve(self, dataset: Dataset) -> Protocol:
        """The concrete protocol for ``dataset``: the default folds become ``u1``-``u5``
        when the folder has them, else a seeded 5-fold; anything else is unchanged."""
        if self.kind != "folds" or self.folds:
            return self
        found = splits.available_folds(dataset.path)
        return replace(self, folds=tuple(found)) if found else Protocol.kfold(5)

    def describe(self, dataset: Dataset | None = None, seed: int = 0) -> str:
        """A short description; with ``dataset``, of what :meth:`resolve` picks for it."""
        p = self.resolve(dataset) if dataset is not None else self
        if p.kind == "folds":
            if not p.folds:
                return "default folds (canonical u1-u5, else seeded 5-fold)"
            return "canonical folds " + (
                "u1-u5" if p.folds == (1, 2, 3, 4, 5) else ",".join(f"u{k}" for k in p.folds)
            )
        if p.kind == "kfold":
            return f"seeded {p.k}-fold (seed {seed})"
        if p.kind == "temporal":
            if p.n_latest is not None:
                what = "rating" if p.n_latest == 1 else f"{p.n_latest} ratings"
                return f"per-user temporal: latest {what}"
            return f"per-user temporal: latest {p.fraction * 100:g}% of ratings"
        if p.kind == "files":
            return f"train {p.train} / test {p.test}"
        return f"random holdout {p.fraction:g} (seed {seed})"

    def splits(self, dataset: Dataset, seed: int = 0) -> Iterator[tuple[str, Any, Any]]:
        """Yield ``(name, train_df, test_df)`` per fold."""
        p = self.resolve(dataset)
        if p.kind == "folds":
            for k in p.folds or ():
                yield (f"u{k}", *splits.canonical_fold(dataset, k))
        elif p.kind == "kfold":
            for i, split in enumerate(splits.kfold(dataset.ratings, p.k, seed), start=1):
                yield (f"fold{i}", *split)
        elif p.kind == "temporal":
            if p.n_latest is not None:
                split = splits.temporal_split(dataset.ratings, p.n_latest)
                yield (f"temporal-{p.n_latest}", *split)
            else:
                split = splits.temporal_split(dataset.ratings, fraction=p.fraction)
                yield (f"temporal-{p.fraction:g}", *split)
        elif p.kind == "files":
            assert p.train is not None and p.test is not None
            yield (p.train.name, *splits.train_test_files(dataset, p.train, p.test))
        elif p.kind == "holdout":
            yield (
                f"holdout-{p.fraction:g}",
                *splits.split_dataframe(dataset.ratings, p.fraction, seed),
            )
        else:
            raise ParamError("protocol", f"unknown protocol {p.kind!r}")


# --------------------------------------------------------------------------- reports


@dataclass
class FoldResult:
    """Metrics of one fold; ``fit_seconds`` is the model's own fit time."""

    name: str
    metrics: dict[str, float]
    fit_seconds: float
    n_train: int
    n_test: int
    n_ranked_users: int = 0

    def to_json(self) -> dict:
        return {
            "fold": self.name,
            **{k: _num(v) for k, v in self.metrics.items()},
            "fit_seconds": self.fit_seconds,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_ranked_users": self.n_ranked_users,
        }


@dataclass
class EvaluationReport:
    """Per-fold results of one preset under one protocol, with means and spreads."""

    preset: str
    kind: str
    params: dict
    protocol: str
    seed: int
    folds: list[FoldResult] = field(default_factory=list)

    @property
    def metric_names(self) -> list[str]:
        return list(self.folds[0].metrics) if self.folds else []

    @property
    def mean(self) -> dict[str, float]:
        return {m: float(np.mean([f.metrics[m] for f in self.folds])) for m in self.metric_names}

    @property
    def std(self) -> dict[str, float]:
        """Sample standard deviation across folds (0 for a single fold)."""
        out = {}
        for m in self.metric_names:
            values = [f.metrics[m] for f in self.folds]
            out[m] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        return out

    @property
    def fit_seconds(self) -> float:
        return float(np.mean([f.fit_seconds for f in self.folds])) if self.folds else 0.0

    def to_json(self) -> dict:
        """Plain JSON: the mean of every metric at top level, ``fit_seconds``, ``folds``."""
        return {
            "preset": self.preset,
            "kind": self.kind,
            "params": self.params,
            "protocol": self.protocol,
            "seed": self.seed,
            **{k: _num(v) for k, v in self.mean.items()},
            "fit_seconds": self.fit_seconds,
            "std": {k: _num(v) for k, v in self.std.items()},
            "folds": [f.to_json() for f in self.folds],
        }


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class EvalProgress:
    """Progress of :func:`evaluate`: the trainer's ``progress`` inside a fold, or a
    finished fold's ``result``."""

    fold: str
    fold_index: int
    n_folds: int
    progress: Any = None
    result: FoldResult | None = None


# --------------------------------------------------------------------------- evaluate


def evaluate(
    dataset: Dataset,
    preset: str | Preset = DEFAULT_PRESET,
    params: Mapping[str, object] | None = None,
    protocol: Protocol | None = None,
    *,
    seed: int = 0,
    k: int = K,
    callback: Callable[[EvalProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> EvaluationReport:
    """Fit ``preset`` (with ``params`` overrides) on each train split and score its test.

    The popularity baseline is a preset like the others. Rating models report RMSE and
    MAE; every model reports precision, recall and NDCG at ``k``.
    ``should_stop()`` is passed to the trainer and checked between folds; a stop raises
    :class:`EvaluationCancelled`.
    """
    protocol = protocol or Protocol.canonical()
    from movielens_tui.models.presets import get_preset, resolve_params

    preset_obj = get_preset(preset)
    kind, preset = preset_obj.kind, preset_obj.name
    resolved = resolve_params(preset_obj, params or {})
    report = EvaluationReport(preset, kind, resolved, protocol.describe(dataset, seed), seed)
    folds = list(protocol.splits(dataset, seed))
    for index, (name, train, test) in enumerate(folds):
        if should_stop is not None and should_stop():
            raise EvaluationCancelled("evaluation cancelled")
        if len(train) == 0 or len(test) == 0:
            raise DataError(f"fold {name}: empty train or test ratings")
        result = _evaluate_fold(
            dataset, preset, resolved, name, train, test, seed, k,
            _fold_callback(callback, name, index, len(folds)), should_stop,
        )  # fmt: skip
        report.folds.append(result)
        if callback is not None:
            callback(EvalProgress(name, index, len(folds), result=result))
    return report


def _fold_callback(
    callback: Callable[[EvalProgress], None] | None, name: str, index: int, n: int
) -> Callable[[Any], None] | None:
    if callback is None:
        return None
    return lambda progress: callback(EvalProgress(name, index, n, progress=progress))


def _evaluate_fold(
    dataset: Dataset,
    preset: str,
    params: dict,
    name: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    seed: int,
    k: int,
    callback: Callable[[Any], None] | None,
    should_stop: Callable[[], bool] | None,
    coverage: bool = False,
) -> FoldResult:
    metrics: dict[str, float] = {}
    model = _fit(dataset, preset, params, train, test, seed, callback, should_stop)
    fit_seconds = float(model.fit_seconds)
    if model.is_rating_model:
        metrics.update(rating_metrics(model, test))
    scorer = model_scorer(model, train)
    ranked = ranking_metrics(scorer, train, test, dataset.n_movies, k)
    n_users = int(ranked.pop("n_users"))
    metrics.update(ranked)
    if coverage:
        metrics["coverage"] = catalogue_coverage(scorer, train, dataset.n_movies, k)
    return FoldResult(name, metrics, fit_seconds, len(train), len(test), n_users)


evaluate_fold = _evaluate_fold  # one fold of one preset (used by :mod:`movielens_tui.compare`)


def catalogue_coverage(
    scorer: Scorer, train: pd.DataFrame, n_movies: int, k: int = K, batch: int = 512
) -> float:
    """Share of the catalogue in any training user's top ``k`` (their rated movies not
    ranked)."""
    rows = _UserRows(train)
    users = rows.users
    seen = np.zeros(n_movies, dtype=bool)
    for start in range(0, len(users), batch):
        chunk = users[start : start + batch]
        scores = np.array(scorer(chunk), dtype=np.float64)
        scores[rows.mask(chunk, n_movies)] = -np.inf
        best = top_k(scores, k)
        seen[best[np.isfinite(np.take_along_axis(scores, best, axis=1))]] = True
    return float(seen.sum() / max(1, n_movies))


def _fit(
    dataset: Dataset,
    preset: str,
    params: dict,
    train: pd.DataFrame,
    test: pd.DataFrame,
    seed: int,
    callback: Callable[[Any], None] | None,
    should_stop: Callable[[], bool] | None,
) -> TrainedModel:
    from movielens_tui.models import trainer

    try:
        return trainer.train(
            dataset, preset, params, train=train, test=test, seed=seed,
            callback=callback, should_stop=should_stop,
        )  # fmt: skip
    except trainer.TrainingCancelled as exc:
        raise EvaluationCancelled("evaluation cancelled") from exc
