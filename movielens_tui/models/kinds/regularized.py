"""``regularized``: the colab's MF with L2 and gravity terms (full-batch gradient descent)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.models.kinds.base import DEFAULT_L2, RidgeFoldIn, register

if TYPE_CHECKING:
    from movielens_tui.models.trained import TrainedModel


@register
class RegularizedMF(RidgeFoldIn):
    name = "regularized"
    summary = "colab MF plus L2 and gravity terms, full-batch gradient descent"
    rating = True
    exact_explanation = True  # fold-in scores split over the rated movies
    fit_target = "movielens_tui.models.factorization:fit_regularized"

    def ridge_lambdas(self, model: TrainedModel, count: int) -> tuple[float, float]:
        per_user = float(np.asarray(model.extra.get("ratings_per_user", 1.0)))
        return max(float(model.params.get("regularization", 0.0)) * per_user, DEFAULT_L2), 0.0
