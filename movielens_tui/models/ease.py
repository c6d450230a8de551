"""EASE: the closed-form item-item model for top-k ranking (Steck, WWW 2019).

With the users×movies 0/1 matrix X of the training ratings and G = XᵀX,

    P = (G + λI)⁻¹,   B = I - P · diag(1 / diag(P))   (so diag(B) = 0),

and a user's scores are x_u · B. The solve runs in TensorFlow (float64 Cholesky). The
model is stored as ``movie_embeddings = Bᵀ`` (M×M float32), so the usual DOT scoring
``movie_embeddings @ user_vector`` with the user's 0/1 row gives x_u · B (see
:mod:`movielens_tui.models.trained`); fold-in of a new user is that 0/1 row itself.

Memory is O(M²): the model refuses catalogues above ``MAX_MOVIES`` movies.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError, ParamError
from movielens_tui.models._tf import tf as load_tf
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trainer import Reporter

MAX_MOVIES = 12_000  # B and P are M×M; 12,000 movies already need about 2 GB
USER_CHUNK = 4096


def gram_matrix(train: pd.DataFrame, n_users: int, n_movies: int) -> np.ndarray:
    """G = XᵀX (float64) of the 0/1 matrix of ``train``, built in chunks of users."""
    tf = load_tf()
    users = train["user"].to_numpy(np.int64)
    movies = train["movie"].to_numpy(np.int64)
    gram = tf.zeros((n_movies, n_movies), dtype=tf.float32)
    for start in range(0, n_users, USER_CHUNK):
        stop = min(n_users, start + USER_CHUNK)
        rows = (users >= start) & (users < stop)
        if not rows.any():
            continue
        block = np.zeros((stop - start, n_movies), dtype=np.float32)
        block[users[rows] - start, movies[rows]] = 1.0
        x = tf.constant(block)
        # 0/1 products summed in float32 are exact up to 2**24 co-ratings per pair.
        gram += tf.linalg.matmul(x, x, transpose_a=True)
    return tf.cast(gram, tf.float64)


def ease_weights(gram: object, regularization: float) -> np.ndarray:
    """B (M×M, float32, zero diagonal) from the Gram matrix and λ."""
    tf = load_tf()
    gram = tf.convert_to_tensor(gram, dtype=tf.float64)
    n = int(gram.shape[0])
    a = gram + regularization * tf.eye(n, dtype=tf.float64)
    chol = tf.linalg.cholesky(a)
    p = tf.linalg.cholesky_solve(chol, tf.eye(n, dtype=tf.float64))
    b = -p / tf.linalg.diag_part(p)[tf.newaxis, :]
    b = tf.linalg.set_diag(b, tf.zeros(n, dtype=tf.float64))
    out = b.numpy().astype(np.float32)
    if not np.isfinite(out).all():
        raise ModelError("EASE solve produced non-finite weights; raise the regularization")
    return out


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
    """Fit EASE on ``train`` (``params["regularization"]`` is λ); one report at step 0.

    ``seed``, ``init`` and ``strategy`` are accepted for the trainer's common signature;
    the closed form is deterministic and a second fit simply recomputes it.
    """
    del seed, init, strategy
    lam = float(params.get("regularization", 400.0))
    if not math.isfinite(lam) or lam <= 0.0:
        raise ParamError("regularization", f"{lam} must be greater than 0 for ease (e.g. 400)")
    n_users, n_movies = dataset.n_users, dataset.n_movies
    if n_movies > MAX_MOVIES:
        raise ModelError(
            f"ease needs an {n_movies}×{n_movies} dense matrix; it supports at most "
            f"{MAX_MOVIES} movies, use biased-mf or softmax for this dataset"
        )
    reporter.total = 0
    reporter.check_stop(0)
    gram = gram_matrix(train, n_users, n_movies)
    reporter.check_stop(0)
    weights = ease_weights(gram, lam)
    model = TrainedModel(
        preset="ease",
        kind="ease",
        params=dict(params),
        movie_embeddings=np.ascontiguousarray(weights.T),
    )
    metrics: dict[str, float] = {}
    if test is not None and len(test):
        from movielens_tui.evaluate import model_scorer, ranking_metrics

        ranking = ranking_metrics(model_scorer(model, train), train, test, n_movies)
        metrics = {
            "test_precision_at_10": ranking["precision_at_10"],
            "test_recall_at_10": ranking["recall_at_10"],
        }
        metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}
    reporter.report(0, metrics, lambda: model)
    return model
