"""Fold-in: a new user's query from a handful of ratings, with no retraining (numpy).

Each kind does its own fold-in (``kind_of(model).fold_in``): ridge least squares with the
movie embeddings fixed for the factorization models (with the bias for biased-mf), the
WALS user solve, the softmax tower, EASE's 0/1 row, popularity's constant query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.models.kinds import kind_of
from movielens_tui.models.kinds.base import DEFAULT_L2, RidgeFoldIn
from movielens_tui.models.scoring import DOT, Hit, top_k
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

__all__ = ["DEFAULT_L2", "fold_in", "fold_in_with_bias", "recommend_for_ratings",
           "ridge_lambdas"]  # fmt: skip


def ridge_lambdas(model: TrainedModel, count: int) -> tuple[float, float]:
    """(λ for the vector, λ for the bias) matching the model's training objective."""
    kind = kind_of(model)
    if isinstance(kind, RidgeFoldIn):
        return kind.ridge_lambdas(model, count)
    return DEFAULT_L2, 0.0


def fold_in_with_bias(
    model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
) -> tuple[np.ndarray, float]:
    """(user vector, user bias) for ``{movie position: rating}``; bias is 0 without biases."""
    query = kind_of(model).fold_in(model, ratings, l2)
    return query.vector, query.bias


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
    kind = kind_of(model)
    scores = kind.score(model, kind.fold_in(model, ratings), measure)
    exclude = np.fromiter(ratings.keys(), dtype=np.int64) if exclude_rated else None
    return top_k(scores, k, exclude)
