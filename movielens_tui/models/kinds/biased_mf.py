"""``biased-mf``: global mean + user/movie biases + embeddings, minibatch SGD.

Its DOT scores are predicted ratings (μ + b_u + b_j + u·v_j); COSINE uses the embeddings
only. Fold-in solves the ridge problem with the bias:
``min_{u,b} Σⱼ (rⱼ − μ − bⱼ − b − u·vⱼ)² + λ‖u‖² + λ_b b²`` (λ = the model's L2 per rating).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.models.kinds.base import (
    DEFAULT_L2,
    DOT,
    Query,
    RidgeFoldIn,
    compute_scores,
    rated_arrays,
    register,
)

if TYPE_CHECKING:
    from movielens_tui.models.trained import TrainedModel


@register
class BiasedMF(RidgeFoldIn):
    name = "biased-mf"
    summary = "μ + user/movie biases + embeddings, L2, minibatch SGD with weight averaging"
    exact_note = "exact: mean + biases + the rated movies' shares"
    rating = True
    distributed = True
    exact_explanation = True  # a score is a sum of named terms (bias, dot product)
    fit_target = "movielens_tui.models.factorization:fit_biased"

    def ridge_lambdas(self, model: TrainedModel, count: int) -> tuple[float, float]:
        reg = float(model.params.get("regularization", DEFAULT_L2))
        breg = float(model.params.get("bias_regularization", DEFAULT_L2))
        return max(reg * count, 1e-6), max(breg * count, 1e-6)

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        if model.movie_bias is None:
            return super().fold_in(model, ratings, l2)
        movies, values = rated_arrays(model, ratings)
        V = model.movie_embeddings[movies].astype(np.float64)
        lam, lam_b = self.ridge_lambdas(model, len(movies))
        if l2 is not None:
            lam = lam_b = float(l2)
        target = values - model.global_mean - model.movie_bias[movies]
        design = np.hstack([V, np.ones((len(movies), 1))])
        penalty = np.diag(np.r_[np.full(V.shape[1], lam), lam_b])
        solution = np.linalg.solve(design.T @ design + penalty, design.T @ target)
        return Query(solution[:-1].astype(np.float32), float(solution[-1]))

    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """base = μ + b_t + b_u; the dot product u·v_t = Σⱼ gⱼ (rⱼ − μ − bⱼ), since the
        fold-in solution [u; b_u] is linear in those residuals."""
        if model.movie_bias is None:
            return super().contributions(model, movies, values, targets)
        V = model.movie_embeddings[movies].astype(np.float64)
        lam, lam_b = self.ridge_lambdas(model, len(movies))
        design = np.hstack([V, np.ones((len(movies), 1))])
        penalty = np.diag(np.r_[np.full(V.shape[1], lam), lam_b])
        solve = np.linalg.solve(design.T @ design + penalty, design.T)  # (d+1)×R
        target = np.asarray(values, np.float64) - model.global_mean - model.movie_bias[movies]
        user_bias = float(solve[-1] @ target)
        share = model.movie_embeddings[targets].astype(np.float64) @ solve[:-1]
        base = model.global_mean + model.movie_bias[targets].astype(np.float64) + user_bias
        return base, share * target[None, :]

    def score(self, model: TrainedModel, query: Query, measure: str = DOT) -> np.ndarray:
        scores = compute_scores(query.vector, model.movie_embeddings, measure)
        if measure == DOT and model.movie_bias is not None:
            scores = scores + model.movie_bias + model.global_mean + query.bias
        return scores

    def explain(self, model: TrainedModel, query: Query, movie: int) -> dict:
        """The score's terms: global mean, user bias, movie bias, dot product."""
        dot = float(np.dot(query.vector, model.movie_embeddings[movie]))
        movie_bias = 0.0 if model.movie_bias is None else float(model.movie_bias[movie])
        terms = {"global_mean": float(model.global_mean), "user_bias": float(query.bias),
                 "movie_bias": movie_bias, "dot": dot}  # fmt: skip
        return {"score": sum(terms.values()), "terms": terms}
