"""Scores, neighbours and recommendations over a trained model's arrays (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.blas import single_thread
from movielens_tui.models.kinds import kind_of
from movielens_tui.models.kinds.base import COSINE, DOT, MEASURES, compute_scores
from movielens_tui.models.ranking import top_k as top_k_rows
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

__all__ = ["COSINE", "DOT", "MEASURES", "Hit", "compute_scores", "neighbors", "recommend",
           "top_k", "hits_table", "rating_counts"]  # fmt: skip


@dataclass(frozen=True)
class Hit:
    """One scored movie (internal position)."""

    movie: int
    score: float


def top_k(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best-scoring positions (ties broken by position), skipping ``exclude``
    and non-finite scores."""
    if k <= 0:
        return []
    scores = np.asarray(scores)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    excluded = exclude is not None and len(exclude)
    if not excluded and np.isfinite(scores).all():  # the common case: no copies
        order = top_k_rows(scores[None, :], k)[0]
        return [Hit(int(i), float(scores[i])) for i in order]
    valid = np.isfinite(scores)
    if excluded:
        valid[np.asarray(exclude, dtype=np.int64)] = False
    candidates = np.flatnonzero(valid)
    if candidates.size == 0:
        return []
    values = scores[candidates]
    order = top_k_rows(values[None, :], k)[0]
    return [Hit(int(candidates[i]), float(values[i])) for i in order]


def neighbors(model: TrainedModel, movie: int, measure: str = DOT, k: int = 6) -> list[Hit]:
    """Movies most similar to internal movie ``movie`` (itself included, as in the colab)."""
    if not 0 <= movie < model.n_movies:
        raise ModelError(f"movie position {movie} is outside the model (0..{model.n_movies - 1})")
    with single_thread():
        return top_k(kind_of(model).similar(model, movie, measure), k)


def recommend(
    model: TrainedModel,
    dataset: Dataset,
    user: int,
    measure: str = DOT,
    k: int = 6,
    exclude_rated: bool = False,
) -> list[Hit]:
    """Top-``k`` movies for internal user ``user`` (optionally skipping movies they rated).

    The kind scores the movies (biased-mf DOT scores are its predicted ratings).
    """
    kind = kind_of(model)
    with single_thread():
        scores = kind.score(model, kind.user_query(model, dataset, user), measure)
        exclude = dataset.rated_by(user) if exclude_rated else None
        return top_k(scores, k, exclude)


def hits_table(dataset: Dataset, hits: list[Hit]) -> list[dict]:
    """Rows for display / JSON: movie_id (original), title, score, genres, count."""
    if not hits:
        return []
    positions = np.fromiter((h.movie for h in hits), dtype=np.int64, count=len(hits))
    counts = rating_counts(dataset)
    movies = dataset.movies
    ids = movies["movie_id"].to_numpy()
    titles = movies["title"].to_numpy()
    genres = movies["genres"].to_numpy()
    return [
        {
            "movie_id": int(ids[p]),
            "title": str(titles[p]),
            "score": float(h.score),
            "genres": list(genres[p]),
            "count": int(counts[p]),
        }
        for p, h in zip(positions, hits, strict=True)
    ]


_COUNT_CACHE: dict[int, tuple[object, np.ndarray]] = {}


def rating_counts(dataset: Dataset) -> np.ndarray:
    """Number of ratings of every movie (cached per ratings frame)."""
    ratings = dataset.ratings
    cached = _COUNT_CACHE.get(id(ratings))
    if cached is not None and cached[0] is ratings and cached[1].shape[0] == dataset.n_movies:
        return cached[1]
    counts = np.bincount(ratings["movie"].to_numpy(), minlength=dataset.n_movies)
    if len(_COUNT_CACHE) > 8:
        _COUNT_CACHE.clear()
    _COUNT_CACHE[id(ratings)] = (ratings, counts)  # holding the frame keeps its id unique
    return counts
