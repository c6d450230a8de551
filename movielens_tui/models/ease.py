"""EASE: the closed-form item-item model for top-k ranking (Steck, WWW 2019).

With the users×movies 0/1 matrix X of the training ratings and G = XᵀX,

    P = (G + λI)⁻¹,   B = I - P · diag(1 / diag(P))   (so diag(B) = 0),

and a user's scores are x_u · B. The solve runs in TensorFlow (float64 Cholesky). The
model is stored as ``movie_embeddings = Bᵀ`` (M×M float32), so the usual DOT scoring
``movie_embeddings @ user_vector`` with the user's 0/1 row gives x_u · B (see
:mod:`movielens_tui.models.kinds.ease`); fold-in of a new user is that 0/1 row itself.

Memory is O(N²) for N movies. When the catalogue is larger than ``top_n`` (by default
:func:`auto_top_n`: as many movies as fit ``memory_budget()``, at most ``MAX_MOVIES``),
B covers the ``top_n`` most-rated movies of the training data only; the others get no
EASE score and rank after them (layout in :mod:`movielens_tui.models.kinds.ease`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError, ParamError
from movielens_tui.models._tf import tf as load_tf
from movielens_tui.models.kinds.ease import COVERED, WEIGHTS
from movielens_tui.models.ranking import test_ranking_metrics
from movielens_tui.models.trained import TrainedModel

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trainer import Reporter

MAX_MOVIES = 12_000  # the cubic solve of 12,000 movies takes about a minute on 2 cores
USER_CHUNK = 4096
DENSE_GRAM_MAX_WORK = 2e11  # users × movies²: beyond this the Gram is built sparse
# bytes per cell of the N×N matrices alive during the fit: the float32 Gram, float64
# copy + λI, Cholesky factor, P and B, the float32 result and its transpose
BYTES_PER_CELL = 48
DEFAULT_BUDGET = 2 << 30  # when the available memory cannot be read


def memory_budget() -> int:
    """Bytes EASE may use: half the available memory (Linux ``MemAvailable``), else 2 GiB."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 // 2
    except (OSError, ValueError, IndexError):
        pass
    return DEFAULT_BUDGET


def auto_top_n(n_movies: int, budget: int | None = None) -> int:
    """The default N: every movie if the N×N solve fits ``budget`` bytes (default
    :func:`memory_budget`) and N ≤ ``MAX_MOVIES``; else the largest N that does."""
    budget = memory_budget() if budget is None else budget
    fits = int(math.isqrt(max(budget, 0) // BYTES_PER_CELL))
    return max(1, min(n_movies, MAX_MOVIES, fits))


def gram_matrix(
    train: pd.DataFrame, n_users: int, n_movies: int, columns: np.ndarray | None = None
) -> np.ndarray:
    """G = XᵀX (float64) of the 0/1 matrix of ``train``, built in chunks of users;
    with ``columns`` (movie positions), over those movies only (in that order)."""
    tf = load_tf()
    users = train["user"].to_numpy(np.int64)
    movies = train["movie"].to_numpy(np.int64)
    if columns is not None:
        where = np.full(n_movies, -1, np.int64)
        where[columns] = np.arange(len(columns))
        keep = where[movies] >= 0
        users, movies, n_movies = users[keep], where[movies[keep]], len(columns)
    if n_users * n_movies * n_movies > DENSE_GRAM_MAX_WORK:
        return _sparse_gram(users, movies, n_users, n_movies)
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


def _sparse_gram(users: np.ndarray, movies: np.ndarray, n_users: int, n_movies: int):
    """XᵀX as sparse Xᵀ times dense blocks of users: O(ratings × movies) work instead of
    O(users × movies²) for big, sparse data (same exact integer counts)."""
    tf = load_tf()
    gram = tf.zeros((n_movies, n_movies), dtype=tf.float32)
    order = np.argsort(users, kind="stable")
    users, movies = users[order], movies[order]
    bounds = np.searchsorted(users, np.arange(0, n_users + USER_CHUNK, USER_CHUNK))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=False):
        if hi <= lo:
            continue
        local = users[lo:hi] - users[lo]
        rows = int(local[-1]) + 1
        block = np.zeros((rows, n_movies), dtype=np.float32)
        block[local, movies[lo:hi]] = 1.0
        indices = np.stack([local, movies[lo:hi]], axis=1)
        sparse = tf.sparse.reorder(
            tf.SparseTensor(indices, np.ones(hi - lo, np.float32), [rows, n_movies])
        )
        gram += tf.sparse.sparse_dense_matmul(sparse, tf.constant(block), adjoint_a=True)
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


def choose_top_n(params: dict, n_movies: int, name: str = "ease") -> int:
    """The number of movies covered: ``top_n`` if given (checked against the limits),
    else every movie that fits the memory budget; ``name`` names the model in errors."""
    asked = int(params.get("top_n", 0) or 0)
    top_n = min(asked, n_movies) if asked else auto_top_n(n_movies)
    if asked and top_n > MAX_MOVIES:
        raise ModelError(
            f"{name} with top_n={asked} needs a {top_n:,}×{top_n:,} dense inverse; it "
            f"supports at most {MAX_MOVIES:,} movies (top_n=0 picks what fits)"
        )
    if asked and top_n * top_n * BYTES_PER_CELL > memory_budget():
        need = top_n * top_n * BYTES_PER_CELL / 2**30
        raise ModelError(
            f"{name} with top_n={asked} needs about {need:.1f} GiB, more than the memory "
            f"budget ({memory_budget() / 2**30:.1f} GiB); lower top_n (0 picks what fits)"
        )
    return top_n


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
    top_n = choose_top_n(params, n_movies)
    reporter.total = 0
    reporter.check_stop(0)
    covered = None
    if top_n < n_movies:
        counts = np.bincount(train["movie"].to_numpy(np.int64), minlength=n_movies)
        covered = np.sort(np.argsort(-counts, kind="stable")[:top_n]).astype(np.int64)
    gram = gram_matrix(train, n_users, n_movies, covered)
    reporter.check_stop(0)
    weights_t = np.ascontiguousarray(ease_weights(gram, lam).T)
    del gram
    out_params = {**params, "top_n": int(top_n)}
    if covered is None:
        model = TrainedModel("ease", "ease", out_params, weights_t)
    else:
        indicator = np.zeros((n_movies, 1), np.float32)
        indicator[covered] = 1.0
        extra = {COVERED: covered, WEIGHTS: weights_t}
        model = TrainedModel("ease", "ease", out_params, indicator, extra=extra)
    reporter.report(0, test_ranking_metrics(model, train, test), lambda: model)
    return model
