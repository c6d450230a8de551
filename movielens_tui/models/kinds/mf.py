"""``mf``: the colab's matrix factorization (observed MSE, full-batch gradient descent)."""

from __future__ import annotations

from movielens_tui.models.kinds.base import RidgeFoldIn, register


@register
class MatrixFactorization(RidgeFoldIn):
    name = "mf"
    summary = "U·Vᵀ fitted to the observed ratings by full-batch gradient descent (colab)"
    rating = True
    exact_explanation = True  # fold-in scores split over the rated movies
    fit_target = "movielens_tui.models.factorization:fit_mf"
