"""Fold-in: a new user's vector from a handful of ratings, movie embeddings fixed (numpy).

For the factorization models this is the ridge least-squares solution of
``min_u Σⱼ (rⱼ − μ − bⱼ − b − u·vⱼ)² + λ‖u‖² + λ_b b²`` over the rated movies ``j``
(``μ``, ``bⱼ`` and ``b`` only for biased-mf). λ follows the model's own regularization
per rating; models trained without one use a small ``DEFAULT_L2`` for stability. For the
softmax model the user tower is applied to the rated movies; for EASE the 0/1 row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.scoring import DOT, Hit, compute_scores, top_k
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

DEFAULT_L2 = 0.1


def _check(model: TrainedModel, ratings: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
    if not ratings:
        raise ModelError("rate at least one movie to get recommendations")
    movies = np.fromiter((int(m) for m in ratings), dtype=np.int64, count=len(ratings))
    values = np.fromiter((float(r) for r in ratings.values()), dtype=np.float64, count=len(ratings))
    if movies.min() < 0 or movies.max() >= model.n_movies:
        raise ModelError(f"movie positions must be within 0..{model.n_movies - 1}")
    if not np.isfinite(values).all():
        raise ModelError("ratings must be numbers")
    return movies, values


def ridge_lambdas(model: TrainedModel, count: int) -> tuple[float, float]:
    """(λ for the vector, λ for the bias) matching the model's training objective."""
    params = model.params
    if model.kind == "biased-mf":
        reg = float(params.get("regularization", DEFAULT_L2))
        breg = float(params.get("bias_regularization", DEFAULT_L2))
        return max(reg * count, 1e-6), max(breg * count, 1e-6)
    if model.kind == "regularized":
        per_user = float(np.asarray(model.extra.get("ratings_per_user", 1.0)))
        return max(float(params.get("regularization", 0.0)) * per_user, DEFAULT_L2), 0.0
    return DEFAULT_L2, 0.0


def fold_in_with_bias(
    model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
) -> tuple[np.ndarray, float]:
    """(user vector, user bias) for ``{movie position: rating}``; bias is 0 without biases."""
    movies, values = _check(model, ratings)
    if model.kind in ("softmax", "ease"):
        return model.vector_for_movies(movies), 0.0
    V = model.movie_embeddings[movies].astype(np.float64)
    lam, lam_b = ridge_lambdas(model, len(movies))
    if l2 is not None:
        lam = lam_b = float(l2)
    if model.kind == "biased-mf" and model.movie_bias is not None:
        target = values - model.global_mean - model.movie_bias[movies]
        design = np.hstack([V, np.ones((len(movies), 1))])
        penalty = np.diag(np.r_[np.full(V.shape[1], lam), lam_b])
        solution = np.linalg.solve(design.T @ design + penalty, design.T @ target)
        return solution[:-1].astype(np.float32), float(solution[-1])
    gram = V.T @ V + lam * np.eye(V.shape[1])
    return np.linalg.solve(gram, V.T @ values).astype(np.float32), 0.0


def fold_in(
    model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
) -> np.ndarray:
    """The new user's query vector (movie embeddings fixed)."""
    return fold_in_with_bias(model, ratings, l2)[0]


def recommend_for_ratings(
    model: TrainedModel,
    dataset: Dataset,
    ratings: Mapping[int, float],
    measure: str = DOT,
    k: int = 6,
    exclude_rated: bool = True,
) -> list[Hit]:
    """Top-``k`` movies for someone who gave ``ratings`` (biased-mf DOT: predicted rating)."""
    vector, bias = fold_in_with_bias(model, ratings)
    scores = compute_scores(vector, model.movie_embeddings, measure)
    if measure == DOT and model.kind == "biased-mf" and model.movie_bias is not None:
        scores = scores + model.movie_bias + model.global_mean + bias
    exclude = np.fromiter(ratings.keys(), dtype=np.int64) if exclude_rated else None
    return top_k(scores, k, exclude)
