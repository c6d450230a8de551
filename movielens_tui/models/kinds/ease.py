"""``ease``: the closed-form item-item model for top-k ranking (Steck, WWW 2019).

A user's query is their 0/1 row over the movies; scores are ``x · B``. Two layouts:

- whole catalogue: ``movie_embeddings`` is Bᵀ (M×M), so DOT scoring
  ``movie_embeddings @ x`` = ``x · B``;
- the ``top_n`` most-rated movies only (catalogues too large for a dense M×M inverse):
  ``extra["ease_movies"]`` holds their N positions, ``extra["ease_weights"]`` Bᵀ over them
  (N×N) and ``movie_embeddings`` is M×1 (1 for a covered movie, 0 otherwise). Queries
  are then N long; movies outside get no EASE score and rank after every covered one
  (their score is the lowest covered score minus 1); neighbours exist among covered
  movies only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.kinds.base import (
    DOT,
    Query,
    RatedSetKind,
    check_movies,
    compute_scores,
    register,
)

if TYPE_CHECKING:
    from movielens_tui.models.ranking import UserRows
    from movielens_tui.models.trained import TrainedModel

COVERED = "ease_movies"
WEIGHTS = "ease_weights"


def layout(model: TrainedModel) -> tuple[np.ndarray | None, np.ndarray]:
    """(covered positions or None for the whole catalogue, Bᵀ over them)."""
    if COVERED in model.extra:
        return np.asarray(model.extra[COVERED], np.int64), model.extra[WEIGHTS]
    return None, model.movie_embeddings


def _fill(model: TrainedModel, covered: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Scores over the catalogue (last axis): uncovered movies just below the lowest."""
    low = scores.min(axis=-1, keepdims=True) - 1.0 if scores.shape[-1] else 0.0
    out = np.broadcast_to(low, (*scores.shape[:-1], model.n_movies)).astype(scores.dtype)
    out[..., covered] = scores
    return out


@register
class Ease(RatedSetKind):
    name = "ease"
    summary = "closed-form item-item weights B = I - P·diag(1/diag P), P = (XᵀX + λI)⁻¹"
    exact_explanation = True  # a score is the sum of B[j, movie] over the rated movies j
    query_from_ratings = True
    fit_target = "movielens_tui.models.ease:fit"

    def info(self, model: TrainedModel) -> dict[str, Any]:
        covered, _ = layout(model)
        n = model.n_movies if covered is None else int(covered.size)
        return {"top_n": n, "covered_movies": n, "catalogue_movies": model.n_movies}

    def query_for_movies(self, model: TrainedModel, movies: np.ndarray) -> Query:
        movies = check_movies(model, movies)
        covered, weights = layout(model)
        x = np.zeros(weights.shape[0], dtype=np.float32)
        if covered is None:
            x[movies] = 1.0
        else:
            x[np.isin(covered, movies)] = 1.0
        return Query(x)

    def score(self, model: TrainedModel, query: Query, measure: str = DOT) -> np.ndarray:
        covered, weights = layout(model)
        scores = compute_scores(query.vector, weights, measure)
        return scores if covered is None else _fill(model, covered, scores)

    def score_users(self, model: TrainedModel, users: np.ndarray, rows: UserRows) -> np.ndarray:
        covered, weights = layout(model)
        x = rows.mask(users, model.n_movies)
        if covered is None:
            return x.astype(weights.dtype) @ weights.T
        return _fill(model, covered, x[:, covered].astype(weights.dtype) @ weights.T)

    def movie_vectors(self, model: TrainedModel) -> np.ndarray:
        """Rows of Bᵀ (zero rows for movies outside the covered ones)."""
        covered, weights = layout(model)
        if covered is None:
            return weights
        out = np.zeros((model.n_movies, weights.shape[1]), np.float32)
        out[covered] = weights
        return out

    def similar(self, model: TrainedModel, movie: int, measure: str = DOT) -> np.ndarray:
        covered, weights = layout(model)
        if covered is None:
            return compute_scores(weights[movie], weights, measure)
        where = np.flatnonzero(covered == movie)
        if where.size == 0:
            raise ModelError(
                f"this EASE model covers the {covered.size:,} most-rated movies only; "
                "this movie is not one of them (no neighbours)"
            )
        out = np.full(model.n_movies, -np.inf, np.float32)  # top-k skips the uncovered
        out[covered] = compute_scores(weights[where[0]], weights, measure)
        return out

    def explain(self, model: TrainedModel, query: Query, movie: int) -> dict[str, Any]:
        """The score of ``movie`` as the sum of B[j, movie] over the rated movies j."""
        covered, weights = layout(model)
        if covered is None:
            column, rated = weights[movie], np.flatnonzero(query.vector)
            positions = rated
        else:
            where = np.flatnonzero(covered == movie)
            if where.size == 0:
                raise ModelError("this movie is outside the EASE model's covered movies")
            column, rated = weights[where[0]], np.flatnonzero(query.vector)
            positions = covered[rated]
        terms = {int(p): float(column[r]) for p, r in zip(positions, rated, strict=True)}
        return {"score": float(sum(terms.values())), "terms": terms}

    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """C[t, j] = B[j, t]; a target outside the covered movies has its filled score as
        the base and no contributions."""
        movies, targets = np.asarray(movies, np.int64), np.asarray(targets, np.int64)
        covered, weights = layout(model)
        if covered is None:
            return np.zeros(len(targets)), weights[targets][:, movies].astype(np.float64)
        where = np.full(model.n_movies, -1, np.int64)
        where[covered] = np.arange(covered.size)
        rows, cols = where[targets], where[movies]
        out = np.zeros((len(targets), len(movies)))
        inside = rows >= 0
        hit = cols >= 0
        out[np.ix_(inside, hit)] = weights[rows[inside]][:, cols[hit]]
        base = np.zeros(len(targets))
        if not inside.all():
            scores = self.score(model, self.query_for_movies(model, movies))
            base[~inside] = scores[targets[~inside]]
        return base, out
