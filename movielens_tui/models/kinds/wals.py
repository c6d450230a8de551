"""``wals``: weighted alternating least squares for implicit feedback (the Google
recommendation course's WALS), in TensorFlow with batched ``tf.linalg`` solves.

Every rating is an observed 1 (weight 1); every other user×movie cell a 0 with weight
``unobserved_weight`` (w₀). With λ = ``regularization`` the objective is

    Σ_(u,j)∈Ω (1 − u·vⱼ)² + w₀ Σ_(u,j)∉Ω (u·vⱼ)² + λ (‖U‖² + ‖V‖²)

and each half-sweep solves one small d×d system per row, exactly:

    (w₀ VᵀV + (1 − w₀) Σ_j∈Ω(u) vⱼvⱼᵀ + λI) u = Σ_j∈Ω(u) vⱼ

The users×movies matrix is never built: rows are sorted by their number of ratings and
solved in chunks of similar length (gathered, padded, ``tf.linalg.cholesky_solve`` on a
batch of systems), so memory is O(ratings + (users + movies)·d) and the whole catalogue
is covered. An iteration updates V, then U, so the user rows are the exact solutions for
the final movie vectors, and fold-in (the same solve for a new user's movies, in numpy)
reproduces a training user's row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.kinds.base import (
    FactorKind,
    Query,
    check_movies,
    rated_arrays,
    register,
)

if TYPE_CHECKING:
    from movielens_tui.models.trained import TrainedModel

CHUNK_CELLS = 1 << 18  # padded (row, rating) cells gathered per batched solve
SYSTEM_CELLS = 1 << 22  # d×d fold-in systems held at once (float64 cells)
MAX_CHUNK_ROWS = 8192
TEST_CELLS_EVERY_STEP = 20_000_000  # test users × movies: ranked at every step up to this


@register
class Wals(FactorKind):
    name = "wals"
    summary = "weighted ALS on implicit feedback (rated = 1), batched tf.linalg solves"
    fit_target = "movielens_tui.models.kinds.wals:fit"
    exact_explanation = True  # fold-in scores split over the rated movies

    def _system(self, model: TrainedModel) -> tuple[float, float, np.ndarray]:
        V = model.movie_embeddings.astype(np.float64)
        w0 = float(model.params.get("unobserved_weight", 0.1))
        lam = float(model.params.get("regularization", 0.1))
        return w0, lam, V

    def query_for_movies(self, model: TrainedModel, movies: np.ndarray) -> Query:
        movies = check_movies(model, movies)
        return Query(self.user_vectors(model, [movies])[0].astype(np.float32))

    def user_vectors(self, model: TrainedModel, lists: list[np.ndarray]) -> np.ndarray:
        """The fold-in (float64, len(lists)×d) of each list of rated movies: the user solve
        of training, (w₀VᵀV + (1 − w₀)Σⱼ vⱼvⱼᵀ + λI) u = Σⱼ vⱼ, batched."""
        w0, lam, V = self._system(model)
        d = V.shape[1]
        base = w0 * (V.T @ V) + lam * np.eye(d)
        out = np.empty((len(lists), d))
        step = max(1, SYSTEM_CELLS // (d * d))  # systems solved per batch
        for start in range(0, len(lists), step):
            chunk = lists[start : start + step]
            a = np.empty((len(chunk), d, d))
            for i, movies in enumerate(chunk):
                Vo = V[np.asarray(movies, np.int64)]
                a[i] = base + (1.0 - w0) * (Vo.T @ Vo)
                out[start + i] = Vo.sum(axis=0)
            rows = slice(start, start + len(chunk))
            out[rows] = np.linalg.solve(a, out[rows, :, None])[:, :, 0]
        return out

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        movies, _ = rated_arrays(model, ratings)
        return self.query_for_movies(model, movies)

    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """u = A⁻¹ Σⱼ vⱼ, so u·v_t = Σⱼ v_tᵀ A⁻¹ vⱼ (rating values do not enter)."""
        w0, lam, V = self._system(model)
        Vo = V[np.asarray(movies, np.int64)]
        a = w0 * (V.T @ V) + (1.0 - w0) * (Vo.T @ Vo) + lam * np.eye(V.shape[1])
        return np.zeros(len(targets)), V[np.asarray(targets, np.int64)] @ np.linalg.solve(a, Vo.T)


# --------------------------------------------------------------------------- training


def _chunks(rows: np.ndarray, cols: np.ndarray, n_rows: int) -> list[tuple]:
    """Padded (row ids, column ids B×L, mask B×L) chunks of rows of similar length."""
    order = np.argsort(rows, kind="stable")
    rows, cols = rows[order], cols[order]
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.concatenate([[0], np.cumsum(counts)])
    by_length = np.argsort(counts, kind="stable")
    by_length = by_length[counts[by_length] > 0]
    out = []
    i = 0
    while i < len(by_length):
        length = int(counts[by_length[i]])
        # rows are in ascending length: grow the chunk while the padded size stays in budget
        j = i + 1
        while j < len(by_length) and j - i < MAX_CHUNK_ROWS:
            longest = int(counts[by_length[j]])
            # stop at the cell budget, or when padding to this row would waste > 25 %
            if (j - i + 1) * longest > CHUNK_CELLS or longest > 1.25 * length + 16:
                break
            j += 1
        members = by_length[i:j]
        width = int(counts[members[-1]])
        ids = np.zeros((len(members), width), np.int32)
        mask = np.zeros((len(members), width), np.float32)
        for k, r in enumerate(members):
            n = counts[r]
            ids[k, :n] = cols[starts[r] : starts[r] + n]
            mask[k, :n] = 1.0
        out.append((members.astype(np.int32), ids, mask))
        i = j
    return out


_SOLVE = None


def _solver():  # noqa: ANN202 - a tf.function, built once TensorFlow is imported
    global _SOLVE
    if _SOLVE is None:
        from movielens_tui.models._tf import tf as get_tf

        tf = get_tf()

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None], tf.float32),
                tf.TensorSpec([None, None], tf.float64),
                tf.TensorSpec([None, None], tf.int32),
                tf.TensorSpec([None, None], tf.float32),
                tf.TensorSpec([2], tf.float64),
            ]
        )
        def solve(other, gram, ids, mask, hyper):
            """Solutions (B×d) of the rows whose rated columns are ``ids`` (``mask`` 1)."""
            w0, lam = hyper[0], hyper[1]
            vg = tf.gather(other, ids) * mask[:, :, None]  # float32 products, float64 solve
            a = (1.0 - w0) * tf.cast(tf.matmul(vg, vg, transpose_a=True), tf.float64)
            d = tf.shape(gram)[0]
            a += (w0 * gram + lam * tf.eye(d, dtype=tf.float64))[None, :, :]
            b = tf.cast(tf.reduce_sum(vg, axis=1), tf.float64)[:, :, None]
            x = tf.linalg.cholesky_solve(tf.linalg.cholesky(a), b)
            return tf.cast(x[:, :, 0], tf.float32)

        _SOLVE = solve
    return _SOLVE


def _sweep(target: np.ndarray, other: np.ndarray, chunks: list, hyper, reporter, step) -> None:
    """Solve every row of ``target`` given ``other`` (rows without ratings become 0)."""
    from movielens_tui.models._tf import tf as get_tf

    tf = get_tf()
    solve = _solver()
    other64 = other.astype(np.float64)
    gram = tf.constant(other64.T @ other64)
    other_t = tf.constant(other)
    target[:] = 0.0
    for rows, ids, mask in chunks:
        target[rows] = solve(other_t, gram, ids, mask, hyper).numpy()
        reporter.check_stop(step)


def _loss(U: np.ndarray, V: np.ndarray, users, movies, w0: float, lam: float) -> float:
    """The objective per rating (see the module docstring)."""
    total = w0 * float(np.sum((U.T.astype(np.float64) @ U) * (V.T.astype(np.float64) @ V)))
    for start in range(0, len(users), 1 << 20):
        u, m = users[start : start + (1 << 20)], movies[start : start + (1 << 20)]
        p = np.einsum("ij,ij->i", U[u], V[m]).astype(np.float64)
        total += float(np.sum((1.0 - p) ** 2) - w0 * np.sum(p * p))
    total += lam * float(np.sum(U.astype(np.float64) ** 2) + np.sum(V.astype(np.float64) ** 2))
    return total / max(len(users), 1)


def fit(dataset, params, *, train, test, seed, reporter, init=None, strategy=None):
    """Alternate the movie and user solves ``iterations`` times (see the module docstring)."""
    from movielens_tui.models._tf import tf as get_tf
    from movielens_tui.models.ranking import test_ranking_metrics
    from movielens_tui.models.trained import TrainedModel

    del strategy
    tf = get_tf()
    n, m, d = dataset.n_users, dataset.n_movies, int(params["dim"])
    w0, lam = float(params["unobserved_weight"]), float(params["regularization"])
    pairs = train[["user", "movie"]].drop_duplicates()
    users = pairs["user"].to_numpy(np.int64)
    movies = pairs["movie"].to_numpy(np.int64)
    if init is not None:
        if (
            init.user_embeddings is None
            or init.user_embeddings.shape != (n, d)
            or (init.movie_embeddings.shape != (m, d))
        ):
            raise ModelError("cannot continue: the previous wals model does not match")
        U = init.user_embeddings.astype(np.float32).copy()
        V = init.movie_embeddings.astype(np.float32).copy()
    else:
        rng = np.random.default_rng(seed)
        std = float(params["init_stddev"])
        U = rng.normal(0.0, std, (n, d)).astype(np.float32)
        V = rng.normal(0.0, std, (m, d)).astype(np.float32)
    user_chunks, movie_chunks = (
        [(rows, tf.constant(ids), tf.constant(mask)) for rows, ids, mask in _chunks(a, b, size)]
        for a, b, size in ((users, movies, n), (movies, users, m))
    )
    hyper = tf.constant([w0, lam], tf.float64)
    iterations = int(params["iterations"])
    reporter.total = iterations
    test_users = 0 if test is None else int(test["user"].nunique())
    cheap_test = test_users * m <= TEST_CELLS_EVERY_STEP

    def model_of(U: np.ndarray, V: np.ndarray) -> TrainedModel:
        return TrainedModel("", "wals", dict(params), V, user_embeddings=U)

    for step in range(1, iterations + 1):
        at = reporter.step_offset + step - 1
        _sweep(V, U, movie_chunks, hyper, reporter, at)
        _sweep(U, V, user_chunks, hyper, reporter, at)
        if not (np.isfinite(U).all() and np.isfinite(V).all()):
            raise ModelError("wals produced non-finite factors; raise the regularization")
        model = model_of(U.copy(), V.copy())
        metrics = {"train_loss": _loss(U, V, users, movies, w0, lam)}
        if cheap_test or step == iterations:
            metrics.update(test_ranking_metrics(model, train, test))
        reporter.report(step, metrics, lambda model=model: model)
    return model_of(U, V)
