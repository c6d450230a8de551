"""Matrix factorization in TensorFlow 2: the colab's mf / regularized models and biased-mf.

``mf`` / ``regularized`` are full-batch gradient descent exactly as in the colab (loss,
N+1 steps, metrics every 10 steps), compiled with ``tf.function``: each reporting interval
of 10 steps is one call running a ``tf.while_loop`` and returning that interval's metrics
(train and test error measured before its first step); gradients are written out by
hand (verified against ``tf.GradientTape`` in the tests) so a step is the predictions at
the observed entries plus two sparse-dense matmuls. Up to dim ``XLA_GATHER_MAX_DIM`` the
predictions are one XLA-compiled gather-and-dot (ml-100k, dim 30: 13-30 % less CPU a
step than ``U·Vᵀ`` in interleaved runs; ``benchmarks/mf_speed.py`` compares the
variants). Otherwise one ``U·Vᵀ`` matmul while it has at most
``DENSE_PREDICTION_MAX_CELLS`` cells (80 MB) and is not much larger than the gathered
rows, and beyond that (e.g. 200k users × 87k movies, whose U·Vᵀ would take 70 GB) the
gather path in O(ratings·d) memory, so these models never refuse a catalogue for its
size.

``biased-mf`` is trained by shuffled minibatches with sparse (row-wise) updates, so its
memory is O(ratings + (users + movies)·d): it never builds a users×movies matrix. Its
update is Surprise's SGD rule applied to a minibatch at once (updates of a row summed;
a row's step is capped when it fills a large share of a batch), with a per-epoch
learning-rate decay and the weights averaged after every batch of the last
``averaging`` share of epochs (a cheap stand-in for averaging over the posterior, worth
about 0.005 RMSE on ml-100k, and what lets 8 epochs at a large learning rate suffice).
An epoch's minibatches run inside one XLA-compiled ``tf.while_loop`` (``jit_compile``:
about 3× faster than the same loop op by op; compiled once per process and data shape),
in calls of at most ``CHUNK_RATINGS`` ratings so cancellation is polled on big data.
With a multi-replica ``tf.distribute`` strategy (MirroredStrategy, or
MultiWorkerMirroredStrategy over several processes) the variables are mirrored (worker
0's initial values broadcast), each replica computes the updates of its share of every
minibatch (``strategy.run``), the shares are all-gathered across all replicas of all
workers and every copy applies the whole batch, so all workers hold the same model and
it equals the single-device run up to float32 rounding (tested with two logical CPUs
and with two worker processes). Each worker shuffles with its own numpy RNG, so every
worker must get the same data, seed and parameters; this is checked before training.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from movielens_tui.errors import ModelError
from movielens_tui.models import optim
from movielens_tui.models._tf import tf as _get_tf
from movielens_tui.models.trained import TrainedModel
from movielens_tui.models.trainer import Reporter, TrainingDiverged, report_steps

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

tf = _get_tf()

# Without XLA: use U·Vᵀ + gather for predictions while the dense product is at most this
# many cells and not much larger than the gathered rows; ml-100k: 1.6M vs 2.7M·d.
DENSE_PREDICTION_MAX_CELLS = 20_000_000
# The XLA gather-and-dot beats U·Vᵀ up to this dim on ml-100k (dim 20: 1.7×, 30: 1.3×,
# 32: 1.1× less CPU); at 35 and 64 XLA's CPU kernel is 1.5× slower than U·Vᵀ, and
# padding the rows to a multiple of 8 made it slower still.
XLA_GATHER_MAX_DIM = 32


# --------------------------------------------------------------------------- colab helpers


def build_rating_sparse_tensor(ratings: pd.DataFrame, n_users: int, n_movies: int):
    """The colab's ``A``: a ``tf.SparseTensor`` users×movies of the ratings (float32)."""
    indices = np.stack(
        [ratings["user"].to_numpy(np.int64), ratings["movie"].to_numpy(np.int64)], axis=1
    )
    values = ratings["rating"].to_numpy(np.float32)
    tensor = tf.SparseTensor(indices=indices, values=values, dense_shape=[n_users, n_movies])
    return tf.sparse.reorder(tensor)


def sparse_mean_square_error(sparse_ratings, user_embeddings, movie_embeddings):
    """MSE on the observed entries: ``gather_nd`` over the dense ``U·Vᵀ`` (colab solution)."""
    predictions = tf.gather_nd(
        tf.matmul(user_embeddings, movie_embeddings, transpose_b=True), sparse_ratings.indices
    )
    return tf.reduce_mean(tf.square(sparse_ratings.values - predictions))


def sparse_mean_square_error_gather(sparse_ratings, user_embeddings, movie_embeddings):
    """The same MSE in O(|Ω|·d) memory: gather the rows and dot them (colab alternative)."""
    predictions = tf.reduce_sum(
        tf.gather(user_embeddings, sparse_ratings.indices[:, 0])
        * tf.gather(movie_embeddings, sparse_ratings.indices[:, 1]),
        axis=1,
    )
    return tf.reduce_mean(tf.square(sparse_ratings.values - predictions))


def gravity(user_embeddings, movie_embeddings):
    """1/(N·M) Σᵢ Σⱼ ⟨Uᵢ, Vⱼ⟩², computed as sum((UᵀU) ∘ (VᵀV))."""
    n = tf.cast(tf.shape(user_embeddings)[0], tf.float32)
    m = tf.cast(tf.shape(movie_embeddings)[0], tf.float32)
    return tf.reduce_sum(
        tf.matmul(user_embeddings, user_embeddings, transpose_a=True)
        * tf.matmul(movie_embeddings, movie_embeddings, transpose_a=True)
    ) / (n * m)


def regularization(user_embeddings, movie_embeddings):
    """ΣU²/N + ΣV²/M (the colab's regularization term, before its coefficient)."""
    n = tf.cast(tf.shape(user_embeddings)[0], tf.float32)
    m = tf.cast(tf.shape(movie_embeddings)[0], tf.float32)
    return tf.reduce_sum(user_embeddings**2) / n + tf.reduce_sum(movie_embeddings**2) / m


def regularized_loss(sparse_ratings, user_embeddings, movie_embeddings, reg: float, grav: float):
    """The colab's total loss: observed MSE + reg·r(U, V) + grav·g(U, V)."""
    return (
        sparse_mean_square_error(sparse_ratings, user_embeddings, movie_embeddings)
        + reg * regularization(user_embeddings, movie_embeddings)
        + grav * gravity(user_embeddings, movie_embeddings)
    )


# --------------------------------------------------------------------------- full batch


def _predict_observed(U, V, data: tuple, dense: bool, product=None, xla: bool = False):
    """Predictions at ``data``'s entries; ``product``: a precomputed flat ``U·Vᵀ``.

    ``xla``: the gather-and-dot as one XLA-compiled kernel (the rows are never
    materialised: about 4× less work than the separate gather, multiply and sum ops).
    """
    indices, flat, values = data
    if dense:
        if product is None:
            product = tf.reshape(tf.matmul(U, V, transpose_b=True), [-1])
        return tf.gather(product, flat)
    if xla:
        return _xla_gather_dot(tf.convert_to_tensor(U), tf.convert_to_tensor(V), indices)
    return _gather_dot(U, V, indices)


def _gather_dot(U, V, indices):
    """Σ_k U[u, k]·V[m, k] for each (u, m) row of ``indices``."""
    return tf.reduce_sum(tf.gather(U, indices[:, 0]) * tf.gather(V, indices[:, 1]), axis=1)


_xla_gather_dot = tf.function(_gather_dot, jit_compile=True, reduce_retracing=True)


SPMM_BLOCK = 31  # TF's sparse-dense matmul kernel is only fast below 32 columns


def _spmm(sparse, dense, adjoint: bool = False):
    """``sparse @ dense`` (or ``sparseᵀ @ dense``) in column blocks of at most 31."""
    width = dense.shape[1]
    if width is None or width <= SPMM_BLOCK:
        return tf.sparse.sparse_dense_matmul(sparse, dense, adjoint_a=adjoint)
    blocks = [
        tf.sparse.sparse_dense_matmul(sparse, dense[:, i : i + SPMM_BLOCK], adjoint_a=adjoint)
        for i in range(0, width, SPMM_BLOCK)
    ]
    return tf.concat(blocks, axis=1)


def _full_batch_terms(U, V, data: tuple, hyper, config: tuple, dims, product=None):
    """Loss terms at (U, V) and the gradient of the total loss, written out by hand.

    ``dims`` = [users, movies] as a tensor: a trace is reused for variables of other
    sizes, and TensorFlow may fold ``tf.shape`` of a variable into the traced constant.
    """
    dense, regularized = config[0], config[1]
    xla = len(config) > 4 and config[4]
    indices, _, values = data
    n = tf.cast(dims[0], tf.float32)
    m = tf.cast(dims[1], tf.float32)
    error = _predict_observed(U, V, data, dense, product, xla) - values
    mse = tf.reduce_mean(error * error)
    count = tf.cast(tf.shape(values)[0], tf.float32)
    residual = tf.SparseTensor(indices, (2.0 / count) * error, dims)
    grad_u = _spmm(residual, V)
    grad_v = _spmm(residual, U, adjoint=True)
    terms = {"mse": mse}
    if regularized:
        reg, grav = hyper[1], hyper[2]
        uu = tf.matmul(U, U, transpose_a=True)
        vv = tf.matmul(V, V, transpose_a=True)
        terms["regularization"] = reg * (tf.reduce_sum(U * U) / n + tf.reduce_sum(V * V) / m)
        terms["gravity"] = grav * tf.reduce_sum(uu * vv) / (n * m)
        g = 2.0 * grav / (n * m)
        grad_u += (2.0 * reg / n) * U + g * tf.matmul(U, vv)
        grad_v += (2.0 * reg / m) * V + g * tf.matmul(V, uu)
    return terms, [grad_u, grad_v]


_apply = optim.apply  # gradient descent (the colab's), Adagrad or Adam: see optim


@tf.function(reduce_retracing=True)
def _run_full_batch(U, V, slots, train, test, hyper, n_steps, config, dims):
    """Run ``n_steps`` steps; return the loss terms measured before the first one.

    ``config`` = (dense predictions, regularized, optimizer name, has test, XLA
    gather-and-dot): static.
    """
    dense, _, optimizer, has_test, xla = config
    # one U·Vᵀ serves the train step and the test metric
    product = tf.reshape(tf.matmul(U, V, transpose_b=True), [-1]) if dense else None
    first, grads = _full_batch_terms(U, V, train, hyper, config, dims, product)
    first = dict(first)
    if has_test:
        error = _predict_observed(U, V, test, dense, product, xla) - test[2]
        first["test"] = tf.reduce_mean(error * error)
    _apply(optimizer, hyper[0], grads, [U, V], slots)
    for _ in tf.range(n_steps - 1):
        _, grads = _full_batch_terms(U, V, train, hyper, config, dims)
        _apply(optimizer, hyper[0], grads, [U, V], slots)
    return first


def _rating_tensors(ratings: pd.DataFrame, n_movies: int) -> tuple:
    """(indices [user, movie] int64 sorted, flat user·M+movie, rating float32) tensors."""
    order = np.lexsort((ratings["movie"].to_numpy(), ratings["user"].to_numpy()))
    users = ratings["user"].to_numpy(np.int64)[order]
    movies = ratings["movie"].to_numpy(np.int64)[order]
    return (
        tf.constant(np.stack([users, movies], axis=1)),
        tf.constant(users * n_movies + movies),
        tf.constant(ratings["rating"].to_numpy(np.float32)[order]),
    )


class FullBatchMF:
    """The colab's CFModel for mf / regularized: two variables, a compiled step loop."""

    def __init__(
        self,
        U0: np.ndarray,
        V0: np.ndarray,
        train: pd.DataFrame,
        test: pd.DataFrame | None,
        params: dict,
        regularized: bool,
        path: str | None = None,
    ) -> None:
        """``path``: "xla" (gather-and-dot compiled by XLA), "gather" or "dense" (U·Vᵀ);
        default "xla" up to ``XLA_GATHER_MAX_DIM`` (unless ``USE_XLA`` is off), else
        dense while U·Vᵀ is small."""
        n_users, n_movies, dim = U0.shape[0], V0.shape[0], U0.shape[1]
        self.U = tf.Variable(U0.astype(np.float32), name="user_embeddings")
        self.V = tf.Variable(V0.astype(np.float32), name="movie_embeddings")
        self.dims = tf.constant([n_users, n_movies], tf.int64)
        self.train = _rating_tensors(train, n_movies)
        has_test = test is not None and len(test) > 0
        self.test = _rating_tensors(test, n_movies) if has_test else self.train
        cells = n_users * n_movies
        small = cells <= DENSE_PREDICTION_MAX_CELLS and cells <= 4 * len(train) * dim
        if path is None:
            xla = USE_XLA and dim <= XLA_GATHER_MAX_DIM
            path = "xla" if xla else "dense" if small else "gather"
        if path == "dense" and not small:
            path = "gather"  # never build a huge U·Vᵀ
        optimizer = str(params["optimizer"])
        self.path = path
        self.config = (path == "dense", regularized, optimizer, has_test, path == "xla")
        self.hyper = tf.constant(
            [
                float(params["learning_rate"]),
                float(params.get("regularization", 0.0)),
                float(params.get("gravity", 0.0)),
            ],
            tf.float32,
        )
        self.slots: list = optim.make_slots(optimizer, [self.U, self.V])

    def run(self, n_steps: int) -> dict[str, float]:
        out = _run_full_batch(
            self.U, self.V, self.slots, self.train, self.test, self.hyper,
            tf.constant(n_steps, tf.int32), self.config, self.dims,
        )  # fmt: skip
        return {k: float(v) for k, v in out.items()}

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.U.numpy(), self.V.numpy()


def _initial(
    dataset: Dataset, params: dict, seed: int, init: TrainedModel | None
) -> tuple[np.ndarray, np.ndarray]:
    n, m, d = dataset.n_users, dataset.n_movies, int(params["dim"])
    if init is not None:
        U, V = init.user_embeddings, init.movie_embeddings
        if U is None or U.shape != (n, d) or V.shape != (m, d):
            raise ModelError(
                "cannot continue: the previous model's embeddings do not match "
                f"{n} users × {m} movies × dim {d}"
            )
        return U.astype(np.float32), V.astype(np.float32)
    rng = np.random.default_rng(seed)
    std = float(params["init_stddev"])
    return (
        rng.normal(0.0, std, (n, d)).astype(np.float32),
        rng.normal(0.0, std, (m, d)).astype(np.float32),
    )


def _fit_full_batch(
    dataset: Dataset,
    params: dict,
    train: pd.DataFrame,
    test: pd.DataFrame | None,
    seed: int,
    reporter: Reporter,
    init: TrainedModel | None,
    regularized: bool,
) -> TrainedModel:
    U0, V0 = _initial(dataset, params, seed, init)
    engine = FullBatchMF(U0, V0, train, test, params, regularized)
    iterations = int(params["iterations"])
    reporter.total = iterations

    def snapshot_of(U: np.ndarray, V: np.ndarray) -> Callable[[], TrainedModel]:
        return lambda: TrainedModel("", "", dict(params), V, user_embeddings=U)

    for start, n_steps in report_steps(iterations):
        before = engine.arrays()
        out = engine.run(n_steps)
        if regularized:
            metrics = {
                "train_error_observed": out["mse"],
                "test_error_observed": out.get("test", 0.0),
                "observed_loss": out["mse"],
                "regularization_loss": out["regularization"],
                "gravity_loss": out["gravity"],
            }
        else:
            metrics = {"train_error": out["mse"], "test_error": out.get("test", 0.0)}
        if test is None:
            metrics = {k: v for k, v in metrics.items() if not k.startswith("test")}
        reporter.report(start, metrics, snapshot_of(*before))
    U, V = engine.arrays()
    if not (np.isfinite(U).all() and np.isfinite(V).all()):
        raise TrainingDiverged(iterations, "embeddings", reporter.last_good)
    per_user = np.array(len(train) / max(dataset.n_users, 1), np.float32)
    return TrainedModel(
        "", "", dict(params), V, user_embeddings=U, extra={"ratings_per_user": per_user}
    )


def fit_mf(dataset, params, *, train, test, seed, reporter, init, strategy=None) -> TrainedModel:
    """The colab's ``build_model`` + ``train``: observed MSE, gradient descent."""
    return _fit_full_batch(dataset, params, train, test, seed, reporter, init, False)


def fit_regularized(
    dataset, params, *, train, test, seed, reporter, init, strategy=None
) -> TrainedModel:
    """The colab's ``build_regularized_model`` + ``train``."""
    return _fit_full_batch(dataset, params, train, test, seed, reporter, init, True)


# --------------------------------------------------------------------------- biased-mf

BATCHES_PER_CALL = 256  # minibatches per compiled call (adagrad / adam, distributed)
CHUNK_RATINGS = 4_000_000  # ratings per compiled SGD call; cancellation is polled in between
EVAL_CHUNK = 262_144  # ratings per prediction chunk when computing the test RMSE
ROW_STEP_CAP = 1.0  # largest learning rate × expected occurrences of a row in one batch
USE_XLA = os.environ.get("MOVIELENS_TUI_XLA", "1") != "0"


def _biased_predict(P, Q, bu, bm, mu, users, movies):
    return (
        mu
        + tf.gather(bu, users)
        + tf.gather(bm, movies)
        + tf.reduce_sum(tf.gather(P, users) * tf.gather(Q, movies), axis=1)
    )


def _row_rates(lr, expected_u, expected_m, u, m):
    """Per-rating step sizes: ``lr``, capped so that a row expected ``e`` times in one batch
    moves by at most ``ROW_STEP_CAP / e`` per rating (summed updates stay stable when a
    popular row fills a large share of the batch; ml-100k at batch 2048 is never capped)."""
    return (
        tf.minimum(lr, ROW_STEP_CAP / tf.gather(expected_u, u)),
        tf.minimum(lr, ROW_STEP_CAP / tf.gather(expected_m, m)),
    )


def _average_into(sums, count, variables) -> None:
    for total, v in zip(sums, variables, strict=True):
        total.assign_add(v)
    count.assign_add(1.0)


def _sgd_batches_body(variables, sums, count, data, perm, first, n_batches, hyper, expected,
                      schedule, batch):  # fmt: skip
    """Train on minibatches ``first .. first+n_batches-1`` of ``perm`` (padded to a whole
    number of batches with the out-of-range index ``len(ratings)``); return Σ e².

    Surprise's SGD rule applied to a minibatch at once (the updates of a row summed), with
    row-sparse ``scatter_add`` updates. ``hyper`` = (lr, reg, bias reg, mean);
    ``schedule`` = (average: 0/1, average every k batches, batches per epoch): the running
    sums of the weights are updated after every k-th batch and the epoch's last one.
    Written with explicit ``tf.while_loop`` / ``tf.cond`` (no autograph: its first use in
    a process costs ~0.2 s).
    """
    P, Q, bu, bm = variables
    users_all, movies_all, ratings_all = data
    n = tf.shape(ratings_all)[0]

    def average() -> object:
        _average_into(sums, count, variables)
        return tf.constant(True)

    def step(b, sq_sum):
        idx = tf.slice(perm, [b * batch], [batch])
        w = tf.cast(idx < n, tf.float32)
        idx = tf.minimum(idx, n - 1)
        u = tf.gather(users_all, idx)
        m = tf.gather(movies_all, idx)
        r = tf.gather(ratings_all, idx)
        sq, dP, dQ, dbu, dbm = _sgd_directions(P, Q, bu, bm, u, m, r, w, hyper, expected)
        # stateful ops run in program order (tf.function's automatic control dependencies)
        P.scatter_add(tf.IndexedSlices(dP, u))
        Q.scatter_add(tf.IndexedSlices(dQ, m))
        bu.scatter_add(tf.IndexedSlices(dbu, u))
        bm.scatter_add(tf.IndexedSlices(dbm, m))
        due = tf.logical_and(
            schedule[0] > 0, tf.logical_or((b + 1) % schedule[1] == 0, b + 1 == schedule[2])
        )
        tf.cond(due, average, lambda: tf.constant(False))
        return b + 1, sq_sum + sq

    last = first + n_batches
    _, sq_sum = tf.while_loop(lambda b, _: b < last, step, (first, tf.constant(0.0)))
    return sq_sum


_sgd_batches_xla = tf.function(
    _sgd_batches_body, jit_compile=True, reduce_retracing=True, autograph=False
)
_sgd_batches_plain = tf.function(_sgd_batches_body, reduce_retracing=True, autograph=False)


def _run_sgd_batches(*args) -> object:
    """The XLA-compiled loop (about 3× faster on CPU), or plain TF where XLA is missing."""
    global USE_XLA
    if USE_XLA:
        try:
            return _sgd_batches_xla(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError,
                tf.errors.NotFoundError):  # fmt: skip
            USE_XLA = False
    return _sgd_batches_plain(*args)


@tf.function(reduce_retracing=True)
def _biased_batches(variables, slots, data, perm, first, count, hyper, optimizer):
    """Adagrad / Adam on minibatches ``first .. first+count-1`` of ``perm``; return Σ e².

    ``variables`` = (P, Q, user bias, movie bias); ``hyper`` = (lr, reg, bias reg, mean,
    batch size). Updates are row-sparse: only the rows in a batch change.
    """
    P, Q, bu, bm = variables
    users_all, movies_all, ratings_all = data
    lr, reg, breg, mu, batch = hyper[0], hyper[1], hyper[2], hyper[3], hyper[4]
    batch_i = tf.cast(batch, tf.int32)
    total = tf.shape(perm)[0]
    sq_sum = tf.constant(0.0)
    for b in tf.range(first, first + count):
        start = b * batch_i
        idx = perm[start : tf.minimum(start + batch_i, total)]
        u = tf.gather(users_all, idx)
        m = tf.gather(movies_all, idx)
        r = tf.gather(ratings_all, idx)
        pu = tf.gather(P, u)
        qm = tf.gather(Q, m)
        bu_u = tf.gather(bu, u)
        bm_m = tf.gather(bm, m)
        err = r - (mu + bu_u + bm_m + tf.reduce_sum(pu * qm, axis=1))
        sq_sum += tf.reduce_sum(err * err)
        col = err[:, None]
        # descent directions per rating (Surprise's SGD rule), summed over duplicates
        d_p = col * qm - reg * pu
        d_q = col * pu - reg * qm
        d_bu = err - breg * bu_u
        d_bm = err - breg * bm_m
        step = slots[-1]
        step.assign_add(1.0)
        uq, ui = tf.unique(u)
        mq, mi = tf.unique(m)
        n_u = tf.shape(uq)[0]
        n_m = tf.shape(mq)[0]
        grads = (
            (P, uq, tf.math.unsorted_segment_sum(d_p, ui, n_u)),
            (Q, mq, tf.math.unsorted_segment_sum(d_q, mi, n_m)),
            (bu, uq, tf.math.unsorted_segment_sum(d_bu, ui, n_u)),
            (bm, mq, tf.math.unsorted_segment_sum(d_bm, mi, n_m)),
        )
        for k, (var, rows, direction) in enumerate(grads):
            if optimizer == "adagrad":
                acc = slots[k]
                new_acc = tf.gather(acc, rows) + direction * direction
                acc.scatter_update(tf.IndexedSlices(new_acc, rows))
                var.scatter_add(tf.IndexedSlices(lr * direction / tf.sqrt(new_acc), rows))
            else:  # lazy Adam: moments of the rows in the batch only
                m1, m2 = slots[2 * k], slots[2 * k + 1]
                new_m1 = 0.9 * tf.gather(m1, rows) + 0.1 * direction
                new_m2 = 0.999 * tf.gather(m2, rows) + 0.001 * direction * direction
                m1.scatter_update(tf.IndexedSlices(new_m1, rows))
                m2.scatter_update(tf.IndexedSlices(new_m2, rows))
                scale = lr * tf.sqrt(1.0 - 0.999**step) / (1.0 - 0.9**step)
                var.scatter_add(tf.IndexedSlices(scale * new_m1 / (tf.sqrt(new_m2) + 1e-8), rows))
    return sq_sum


def _sgd_directions(P, Q, bu, bm, u, m, r, w, hyper, expected):
    """The SGD update of every rating in a (sub)batch (``w``: 1 real, 0 padding)."""
    lr, reg, breg, mu = hyper[0], hyper[1], hyper[2], hyper[3]
    pu = tf.gather(P, u)
    qm = tf.gather(Q, m)
    bu_u = tf.gather(bu, u)
    bm_m = tf.gather(bm, m)
    err = w * (r - (mu + bu_u + bm_m + tf.reduce_sum(pu * qm, axis=1)))
    lu, lm = _row_rates(lr, expected[0], expected[1], u, m)
    lu, lm = w * lu, w * lm
    col = err[:, None]
    return (
        tf.reduce_sum(err * err),
        lu[:, None] * (col * qm - reg * pu),
        lm[:, None] * (col * pu - reg * qm),
        lu * (err - breg * bu_u),
        lm * (err - breg * bm_m),
    )


class _ReplicaRows:
    """Row reads (``tf.gather``) of this replica's copy of a mirrored variable, by
    ``ResourceGather`` on its handle. ``tf.gather`` on the mirrored variable itself reads
    the whole table, and the next ``scatter_add`` then copies it: 30 ms a batch at
    ml-25m size instead of 3."""

    def __init__(self, variable) -> None:
        self.handle = variable.handle  # in replica context: the local copy's handle
        self.dtype = variable.dtype

    def sparse_read(self, indices, name=None):  # noqa: ANN201
        return tf.raw_ops.ResourceGather(
            resource=self.handle, indices=indices, dtype=self.dtype, name=name
        )


def _make_distributed_batches(strategy, batch: int):
    """Data-parallel SGD under ``strategy`` (one or several workers).

    Every replica computes the updates of its share of the batch (``strategy.run``); the
    shares are all-gathered (``ReplicaContext.all_gather``: a collective across every
    replica of every worker) so each replica applies the whole batch's updates, in the
    single-device order, to its copy of the variables. The rows and movies of a batch
    are not exchanged: each worker derives them from the same permutation (same seed and
    data on every worker). Only the replica-local results of ``strategy.run`` are visible
    to a worker, so updates must not be read from them before the all-gather: that made
    every worker of a multi-worker run apply its own share only and end with another
    model.
    """
    replicas = strategy.num_replicas_in_sync
    shard = -(-batch // replicas)  # equal shares (all_gather needs equal shapes); padded

    @tf.function(reduce_retracing=True)
    def run(variables, sums, count, data, perm, first, n_batches, hyper, expected, schedule):
        P, Q, bu, bm = variables
        users_all, movies_all, ratings_all = data
        n = tf.shape(ratings_all)[0]
        d = tf.shape(P)[1]
        sq_sum = tf.constant(0.0)
        for b in tf.range(first, first + n_batches):
            # the batch padded with the out-of-range index n (weight 0) to replicas × shard
            idx = tf.concat(
                [tf.slice(perm, [b * batch], [batch]), tf.fill([shard * replicas - batch], n)], 0
            )

            def shard_of(ctx, idx=idx):
                k = ctx.replica_id_in_sync_group
                return idx[k * shard : (k + 1) * shard]

            local = strategy.experimental_distribute_values_from_function(shard_of)

            def replica_step(ids):
                w = tf.cast(ids < n, tf.float32)
                ids = tf.minimum(ids, n - 1)
                u = tf.gather(users_all, ids)
                m = tf.gather(movies_all, ids)
                r = tf.gather(ratings_all, ids)
                rows = (_ReplicaRows(v) for v in variables)
                sq, d_p, d_q, d_bu, d_bm = _sgd_directions(*rows, u, m, r, w, hyper, expected)
                # one collective per batch: [dP | dQ | dbu | dbm | Σe² in the first row]
                sq_col = tf.one_hot(0, shard) * sq
                packed = tf.concat([d_p, d_q, tf.stack([d_bu, d_bm, sq_col], 1)], 1)
                return tf.distribute.get_replica_context().all_gather(packed, axis=0)

            gathered = strategy.experimental_local_results(
                strategy.run(replica_step, args=(local,))
            )[0]  # the same on every replica of every worker
            ids = tf.minimum(idx, n - 1)
            u = tf.gather(users_all, ids)
            m = tf.gather(movies_all, ids)
            sq_sum += tf.reduce_sum(gathered[:, 2 * d + 2])
            # a row's updates summed first (in batch order), then one scatter per row: TF's
            # CPU scatter_add adds duplicate rows from several threads in no fixed order,
            # which made the workers' models differ by ~3e-7
            uq, ui = tf.unique(u)
            mq, mi = tf.unique(m)
            by_user = tf.math.unsorted_segment_sum(gathered[:, :d], ui, tf.shape(uq)[0])
            by_movie = tf.math.unsorted_segment_sum(gathered[:, d : 2 * d], mi, tf.shape(mq)[0])
            by_bu = tf.math.unsorted_segment_sum(gathered[:, 2 * d], ui, tf.shape(uq)[0])
            by_bm = tf.math.unsorted_segment_sum(gathered[:, 2 * d + 1], mi, tf.shape(mq)[0])
            P.scatter_add(tf.IndexedSlices(by_user, uq))
            Q.scatter_add(tf.IndexedSlices(by_movie, mq))
            bu.scatter_add(tf.IndexedSlices(by_bu, uq))
            bm.scatter_add(tf.IndexedSlices(by_bm, mq))
            if schedule[0] > 0 and ((b + 1) % schedule[1] == 0 or b + 1 == schedule[2]):
                _average_into(sums, count, variables)
        return sq_sum

    return run


def _inputs_fingerprint(arrays: list[np.ndarray], mu: float, data: tuple, params, rng) -> list:
    """CRC-32s of what every worker must share: data, initial weights, mean, params, RNG."""
    import json
    import zlib

    def crc(*parts: bytes) -> int:
        value = 0
        for part in parts:
            value = zlib.crc32(part, value)
        return value

    return [
        crc(*(np.ascontiguousarray(a).tobytes() for a in data)),
        crc(*(np.ascontiguousarray(a, np.float32).tobytes() for a in arrays)),
        crc(np.float64(mu).tobytes()),
        crc(json.dumps({k: str(v) for k, v in params.items()}, sort_keys=True).encode()),
        crc(repr(rng.bit_generator.state).encode()),
    ]


def _check_same_inputs(strategy, fingerprint: list) -> None:
    """Refuse to train when the workers disagree on their inputs: each worker shuffles
    with its own RNG and reads its own data, so a different ``--seed``, ``--set`` or
    ``--data`` would make the all-gathered updates land on other rows, silently."""
    local = tf.constant(fingerprint, tf.int64)

    @tf.function
    def gather() -> object:
        def step() -> object:
            return tf.distribute.get_replica_context().all_gather(local[None], axis=0)

        return strategy.experimental_local_results(strategy.run(step))[0]

    rows = gather().numpy()
    if not (rows == rows[:1]).all():
        names = ("training data", "initial weights", "global mean", "parameters", "seed")
        differ = [name for k, name in enumerate(names) if len(set(rows[:, k])) > 1]
        raise ModelError(
            "the workers disagree on their " + ", ".join(differ) + ": start every worker "
            "with the same --data, --seed and --set values"
        )


def _biased_sq_error(
    arrays: list[np.ndarray], data: tuple, mu: float, bounds: tuple[float, float] = (1.0, 5.0)
) -> float:
    """Σ (clipped prediction − rating)² over ``data`` (numpy arrays), in bounded chunks."""
    P, Q, bu, bm = arrays
    users, movies, ratings = data
    total = 0.0
    for start in range(0, len(ratings), EVAL_CHUNK):
        u, m = users[start : start + EVAL_CHUNK], movies[start : start + EVAL_CHUNK]
        pred = mu + bu[u] + bm[m] + np.einsum("ij,ij->i", P[u], Q[m])
        err = np.clip(pred, *bounds) - ratings[start : start + EVAL_CHUNK]
        total += float(np.dot(err, err))
    return total


def _triples(ratings: pd.DataFrame) -> tuple:
    return (
        ratings["user"].to_numpy(np.int32),
        ratings["movie"].to_numpy(np.int32),
        ratings["rating"].to_numpy(np.float32),
    )


def fit_biased(
    dataset, params, *, train, test, seed, reporter, init, strategy=None
) -> TrainedModel:
    """Biased MF by shuffled minibatches: r̂ = μ + b_u + b_i + p_u·q_i, L2 on all of them."""
    n, m, d = dataset.n_users, dataset.n_movies, int(params["dim"])
    rng = np.random.default_rng(seed)
    if init is not None:
        if (
            init.user_embeddings is None
            or init.user_embeddings.shape != (n, d)
            or init.movie_embeddings.shape != (m, d)
            or init.user_bias is None
            or init.movie_bias is None
        ):
            raise ModelError("cannot continue: the previous biased-mf model does not match")
        arrays = [init.user_embeddings, init.movie_embeddings, init.user_bias, init.movie_bias]
        mu = float(init.global_mean)
    else:
        std = float(params["init_stddev"])
        arrays = [
            rng.normal(0.0, std, (n, d)),
            rng.normal(0.0, std, (m, d)),
            np.zeros(n),
            np.zeros(m),
        ]
        mu = float(train["rating"].to_numpy(np.float64).mean())
    optimizer = str(params["optimizer"])
    distributed = strategy is not None and strategy.num_replicas_in_sync > 1
    if distributed and optimizer != "sgd":
        raise ModelError("training under a multi-device strategy supports optimizer sgd")
    train_triples = _triples(train)
    if distributed:  # before the variables: their creation broadcasts worker 0's values
        _check_same_inputs(strategy, _inputs_fingerprint(arrays, mu, train_triples, params, rng))
    scope = strategy.scope() if strategy is not None else _null_scope()
    with scope:
        variables = tuple(tf.Variable(np.asarray(a, np.float32)) for a in arrays)
        sums = tuple(tf.Variable(tf.zeros_like(v)) for v in variables)
        count = tf.Variable(0.0)
        # optim's state (adagrad: accumulators from optim.ADAGRAD_INITIAL_ACCUMULATOR;
        # adam: moments), and the step count last
        slots: list = optim.make_slots(optimizer, list(variables))
        if optimizer != "adam":
            slots.append(tf.Variable(0.0))
    train_data = tuple(tf.constant(a) for a in train_triples)
    test_data = _triples(test) if test is not None and len(test) else None
    n_train = len(train)
    batch = int(params["batch_size"])
    n_batches = -(-n_train // batch)
    epochs = int(params["epochs"])
    reporter.total = epochs
    lr = float(params["learning_rate"])
    decay = float(params.get("lr_decay", 1.0))
    reg, breg = float(params["regularization"]), float(params["bias_regularization"])
    # expected occurrences of each user / movie in one batch (for the per-row step cap)
    per_batch = min(batch, n_train) / n_train
    expected = tuple(
        tf.constant(np.maximum(np.bincount(col, minlength=size) * per_batch, 1e-6), tf.float32)
        for col, size in ((train["user"].to_numpy(), n), (train["movie"].to_numpy(), m))
    )
    # average the weights after every k-th batch: after each one on ml-100k, while the
    # (n + m)·(d + 1) additions stay ~10 % of the batches' work on big data
    every = max(1, (n + m) // batch)
    chunk = max(1, CHUNK_RATINGS // batch)

    average_from = epochs - int(round(float(params.get("averaging", 0.0)) * epochs)) + 1

    def current() -> list[np.ndarray]:
        c = float(count.numpy())
        if c > 0:
            return [s.numpy() / np.float32(c) for s in sums]
        return [v.numpy() for v in variables]

    def model_of(arrays: list[np.ndarray]) -> TrainedModel:
        P, Q, bu, bm = arrays
        return TrainedModel(
            "", "", dict(params), Q, user_embeddings=P, user_bias=bu, movie_bias=bm,
            global_mean=mu,
        )  # fmt: skip

    run_distributed = _make_distributed_batches(strategy, batch) if distributed else None
    for epoch in range(1, epochs + 1):
        rate = lr * decay ** (epoch - 1)
        averaging = epoch >= average_from
        sq_sum = 0.0
        if optimizer == "sgd":
            perm = np.full(n_batches * batch, n_train, np.int32)
            perm[:n_train] = rng.permutation(n_train)
            perm_t = tf.constant(perm)
            hyper = tf.constant([rate, reg, breg, mu], tf.float32)
            schedule = tf.constant([int(averaging), every, n_batches], tf.int32)
            for first in range(0, n_batches, chunk):
                count_b = min(chunk, n_batches - first)
                args = (variables, sums, count, train_data, perm_t, tf.constant(first),
                        tf.constant(count_b), hyper, expected, schedule)  # fmt: skip
                if run_distributed is not None:
                    sq_sum += float(run_distributed(*args))
                else:
                    sq_sum += float(_run_sgd_batches(*args, batch))
                if first + count_b < n_batches:
                    reporter.check_stop(reporter.step_offset + epoch - 1)
        else:
            perm_t = tf.constant(rng.permutation(n_train).astype(np.int32))
            hyper = tf.constant([rate, reg, breg, mu, batch], tf.float32)
            for first in range(0, n_batches, BATCHES_PER_CALL):
                count_b = min(BATCHES_PER_CALL, n_batches - first)
                sq_sum += float(
                    _biased_batches(variables, slots, train_data, perm_t, tf.constant(first),
                                    tf.constant(count_b), hyper, optimizer)
                )  # fmt: skip
                if first + count_b < n_batches:
                    reporter.check_stop(reporter.step_offset + epoch - 1)
            if averaging:
                _average_into(sums, count, variables)
        metrics = {"train_rmse": float(np.sqrt(sq_sum / n_train))}
        arrays = current()  # the averaged weights once averaging has started
        if test_data is not None:
            bounds = (dataset.scale.low, dataset.scale.high)
            test_sq = _biased_sq_error(arrays, test_data, mu, bounds)
            metrics["test_rmse"] = float(np.sqrt(test_sq / len(test)))
        reporter.report(epoch, metrics, lambda arrays=arrays: model_of(arrays))
    return model_of(current())


class _null_scope:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
