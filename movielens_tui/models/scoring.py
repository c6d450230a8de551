"""Scores, neighbours and recommendations over a trained model's arrays (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

DOT = "dot"
COSINE = "cosine"
MEASURES = (DOT, COSINE)


@dataclass(frozen=True)
class Hit:
    """One scored movie (internal position)."""

    movie: int
    score: float


def _check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ModelError(f"unknown measure {measure!r}; use dot or cosine")
    return measure


def compute_scores(query: np.ndarray, items: np.ndarray, measure: str = DOT) -> np.ndarray:
    """``items @ query``; for COSINE both are normalised first (zero vectors score 0)."""
    _check_measure(measure)
    query = np.asarray(query, dtype=np.float32)
    items = np.asarray(items, dtype=np.float32)
    if measure == COSINE:
        norms = np.linalg.norm(items, axis=1)
        qn = float(np.linalg.norm(query))
        scores = items @ query
        denominator = norms * qn
        return np.divide(scores, denominator, out=np.zeros_like(scores), where=denominator > 0)
    return items @ query


def top_k(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best-scoring positions (ties broken by position), skipping ``exclude``."""
    if k <= 0:
        return []
    scores = np.asarray(scores, dtype=np.float64).copy()
    valid = np.isfinite(scores)
    if exclude is not None and len(exclude):
        valid[np.asarray(exclude, dtype=np.int64)] = False
    candidates = np.flatnonzero(valid)
    if candidates.size == 0:
        return []
    k = min(k, candidates.size)
    values = scores[candidates]
    if k < candidates.size:
        part = np.argpartition(-values, k - 1)[:k]
    else:
        part = np.arange(candidates.size)
    order = part[np.lexsort((candidates[part], -values[part]))]
    return [Hit(int(candidates[i]), float(values[i])) for i in order]


def neighbors(model: TrainedModel, movie: int, measure: str = DOT, k: int = 6) -> list[Hit]:
    """Movies most similar to internal movie ``movie`` (itself included, as in the colab)."""
    if not 0 <= movie < model.n_movies:
        raise ModelError(f"movie position {movie} is outside the model (0..{model.n_movies - 1})")
    items = model.movie_embeddings
    return top_k(compute_scores(items[movie], items, measure), k)


def recommend(
    model: TrainedModel,
    dataset: Dataset,
    user: int,
    measure: str = DOT,
    k: int = 6,
    exclude_rated: bool = False,
) -> list[Hit]:
    """Top-``k`` movies for internal user ``user`` (optionally skipping movies they rated).

    For biased-mf, DOT scores are the predicted ratings (μ + b_u + b_j + u·v_j), so the
    ranking follows the model's rating prediction; COSINE uses the embeddings only.
    """
    query = model.user_vector(dataset, user)
    scores = compute_scores(query, model.movie_embeddings, measure)
    if measure == DOT and model.kind == "biased-mf" and model.movie_bias is not None:
        user_bias = 0.0 if model.user_bias is None else float(model.user_bias[user])
        scores = scores + model.movie_bias + model.global_mean + user_bias
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
