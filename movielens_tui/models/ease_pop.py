"""EASE with popularity corrections: a closed-form item-item model for top-k ranking.

EASE (Steck, WWW 2019) with three corrections for how unevenly movies and users are
rated. With the users×movies 0/1 matrix X of the training ratings, c_j the rating count
of movie j and n_u the number of ratings of user u:

- user weights (δ = ``user_weight_exponent``): the Gram matrix is G = Xᵀ D X with
  D = diag((n_u / mean n)^−δ), so heavy raters do not dominate the co-occurrences;
- popularity-scaled L2 (κ = ``popularity_l2``): P = (G + λI + κ·diag(G))⁻¹, the
  dropout-derived per-movie penalty of Steck (NeurIPS 2020), stronger on popular movies;
- a popularity correction of the scores (γ = ``popularity_exponent``):
  W = B · diag(c^−γ) with B = I − P·diag(1/diag P) (zero diagonal) as in EASE.

A user's scores are still x_u · W, a sum of item-item weights over their rated movies,
so explanations stay exact and fold-in is the 0/1 row itself; the model is stored in the
layout of :mod:`movielens_tui.models.kinds.ease` (``movie_embeddings = Wᵀ``, or the
``top_n`` most-rated movies on catalogues whose dense N×N solve would not fit). With
κ = γ = δ = 0 this is exactly EASE. numpy and scipy only: no TensorFlow.

The preset's defaults (λ 400, κ 1, γ 0.2, δ 0.5) were chosen by mean validation P@10
over 20% validation splits carved from each ml-100k u1-u5 training fold
(``benchmarks/tune_ranking.py``; 0.2374 against 0.2324 for EASE at its best λ, 400).
On the u1-u5 test folds: P@10 0.4093, R@10 0.2337, NDCG@10 0.4775 (EASE 0.4046, 0.2295,
0.4746); on ml-latest-small's seeded folds 1-3: P@10 0.3189 (EASE 0.3103).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError, ParamError
from movielens_tui.models.ease import choose_top_n
from movielens_tui.models.kinds.ease import COVERED, WEIGHTS
from movielens_tui.models.ranking import test_ranking_metrics
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trainer import Reporter

KIND = "ease-pop"
COLUMN_BLOCK = 1024  # Gram columns built per sparse product (bounds its memory)
DEFAULTS = {  # the preset's, chosen on validation splits (benchmarks/tune_ranking.py)
    "regularization": 400.0,
    "popularity_l2": 1.0,
    "popularity_exponent": 0.2,
    "user_weight_exponent": 0.5,
}


def user_weights(user_counts: np.ndarray, exponent: float) -> np.ndarray | None:
    """(n_u / mean n)^−δ per user (0 for users without ratings); None when δ = 0."""
    if not exponent:
        return None
    counts = np.asarray(user_counts, np.float64)
    rated = counts > 0
    mean = counts[rated].mean() if rated.any() else 1.0
    return np.where(rated, (np.maximum(counts, 1.0) / mean) ** -exponent, 0.0)


def weighted_gram(
    users: np.ndarray,
    movies: np.ndarray,
    n_users: int,
    n_movies: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """G = Xᵀ D X (float64, n_movies²) of the 0/1 matrix of the (user, movie) pairs, with
    D = diag(``weights``) (None: the identity), built a block of columns at a time."""
    from scipy import sparse

    ones = np.ones(len(users), np.float64)
    x = sparse.csr_matrix(
        (ones, (np.asarray(users, np.int64), np.asarray(movies, np.int64))),
        shape=(n_users, n_movies),
    )
    x.sum_duplicates()
    x.data[:] = 1.0
    xw = x if weights is None else sparse.diags(weights) @ x
    xt, xw = x.T.tocsr(), xw.tocsc()
    gram = np.zeros((n_movies, n_movies), np.float64)
    for start in range(0, n_movies, COLUMN_BLOCK):
        stop = min(n_movies, start + COLUMN_BLOCK)
        gram[:, start:stop] = (xt @ xw[:, start:stop]).toarray()
    return gram


def item_weights(
    gram: np.ndarray,
    counts: np.ndarray,
    regularization: float,
    popularity_l2: float = 0.0,
    popularity_exponent: float = 0.0,
) -> np.ndarray:
    """W (N×N float32, zero diagonal; scores are x · W) from the Gram matrix (overwritten)
    and the movies' rating counts."""
    from scipy import linalg

    n = gram.shape[0]
    diagonal = np.diag(gram).copy()
    gram[np.diag_indices(n)] += regularization + popularity_l2 * diagonal
    try:
        p = linalg.inv(gram, overwrite_a=True, check_finite=False)
    except (linalg.LinAlgError, ValueError) as exc:
        raise ModelError(f"ease-pop solve failed ({exc}); raise the regularization") from None
    del gram
    p /= -np.diag(p).copy()[None, :]
    np.fill_diagonal(p, 0.0)
    if popularity_exponent:
        p *= np.maximum(np.asarray(counts, np.float64), 1.0)[None, :] ** -popularity_exponent
    out = p.astype(np.float32)
    if not np.isfinite(out).all():
        raise ModelError("ease-pop solve produced non-finite weights; raise the regularization")
    return out


def _check(params: dict) -> tuple[float, float, float, float]:
    lam = float(params.get("regularization", DEFAULTS["regularization"]))
    if not math.isfinite(lam) or lam <= 0.0:
        raise ParamError("regularization", f"{lam} must be greater than 0 for ease-pop")
    values = [lam]
    for name in ("popularity_l2", "popularity_exponent", "user_weight_exponent"):
        value = float(params.get(name, DEFAULTS[name]))
        if not math.isfinite(value) or value < 0.0:
            raise ParamError(name, f"{value} must be at least 0")
        values.append(value)
    return values[0], values[1], values[2], values[3]


def fit(
    dataset: Dataset,
    params: dict,
    *,
    train: pd.DataFrame,
    test: pd.DataFrame | None,
    seed: int,
    reporter: Reporter,
    init: TrainedModel | None = None,
    strategy: object | None = None,
) -> TrainedModel:
    """Fit on ``train`` (see the module docstring); one report at step 0.

    ``seed``, ``init`` and ``strategy`` are accepted for the trainer's common signature;
    the closed form is deterministic and a second fit simply recomputes it."""
    del seed, init, strategy
    lam, kappa, gamma, delta = _check(params)
    n_users, n_movies = dataset.n_users, dataset.n_movies
    top_n = choose_top_n(params, n_movies, "ease-pop")
    reporter.total = 0
    reporter.check_stop(0)
    users = train["user"].to_numpy(np.int64)
    movies = train["movie"].to_numpy(np.int64)
    counts = np.bincount(movies, minlength=n_movies)
    # a user's weight counts all their training ratings, covered movies or not
    weights = user_weights(np.bincount(users, minlength=n_users), delta)
    covered = None
    if top_n < n_movies:
        covered = np.sort(np.argsort(-counts, kind="stable")[:top_n]).astype(np.int64)
        where = np.full(n_movies, -1, np.int64)
        where[covered] = np.arange(top_n)
        keep = where[movies] >= 0
        users, movies, counts = users[keep], where[movies[keep]], counts[covered]
    gram = weighted_gram(users, movies, n_users, len(counts), weights)
    reporter.check_stop(0)
    weights_t = np.ascontiguousarray(item_weights(gram, counts, lam, kappa, gamma).T)
    del gram
    out_params = {**params, "top_n": int(top_n)}
    if covered is None:
        model = TrainedModel(KIND, KIND, out_params, weights_t)
    else:
        indicator = np.zeros((n_movies, 1), np.float32)
        indicator[covered] = 1.0
        extra = {COVERED: covered, WEIGHTS: weights_t}
        model = TrainedModel(KIND, KIND, out_params, indicator, extra=extra)
    reporter.report(0, test_ranking_metrics(model, train, test), lambda: model)
    return model
