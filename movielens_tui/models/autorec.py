"""Item-based AutoRec in TensorFlow 2, trained full batch by L-BFGS.

The movies×users training matrix R (0 where unrated) is dense here: one step is a few
M×U×H matmuls (ml-100k: 1682×943×500, about 0.1 s on two cores), cheaper than the
sparse kernels at this density. The loss is ``½ Σ_obs (r − r̂)² + ½ λ (‖V‖² + ‖W‖²)``
on the sum scale, as in AutoRec's and GLocal-K's code (their ml-100k setting: λ = 20
for two kernelised layers; one plain layer needs more). The optimizer is a limited-memory
BFGS (10 pairs, backtracking Armijo line search) written with TF ops on one flat float32
vector, so an iteration is usually one loss-and-gradient evaluation; GLocal-K uses
SciPy's L-BFGS-B, whose per-iteration overhead on a million variables is several times
the evaluation itself here. Metrics are reported at iterations 0, 10, 20, … and the last.

With ``mf_weight`` α > 0, biased-mf (its preset's defaults) is fitted first, on the same
training ratings, and every report and the result are of the blend
``(1 − α)·autorec + α·biased-mf``. The presets' λ = 100, 100 iterations and α = 0.4 were
chosen on a validation split (10 % of ml-100k's u1.base, seed 0; u1.test never seen):
validation RMSE 0.8963 for autorec, 0.9047 for biased-mf, 0.8846 for the blend. There,
λ 50, 70, 140, 200 and 400 and two layers of 500 were worse, and 200 iterations were no
better (blend 0.8845) at twice the time. These defaults do not carry over to sparser
catalogues: on ml-latest-small (10 ratings a movie against ml-100k's 59) the same choice
on 10 % of seeded fold 1's training rows gives λ = 400 (autoencoder alone 0.8866 against
1.0225 at λ = 100) and α = 0.6 (blend 0.8513, biased-mf 0.8588).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models._tf import tf as _get_tf
from movielens_tui.models.trained import TrainedModel
from movielens_tui.models.trainer import REPORT_EVERY, Reporter

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset

tf = _get_tf()

# the dense movies×users matrices (ratings, mask, predictions, their gradients) must fit:
# 25M cells is about 100 MB each (ml-1m: 22M); larger catalogues need a sparse model
MAX_CELLS = 25_000_000
HISTORY = 10  # L-BFGS correction pairs (GLocal-K's maxcor)
ARMIJO = 1e-4
MAX_BACKTRACKS = 20


def _shapes(n_users: int, widths: list[int]) -> list[tuple[int, ...]]:
    """Encoder layers (V₁ U×H₁, b₁, V₂ H₁×H₂, b₂, …); decoder W (U×H_last: a user's row is
    their vector) and c (U) last."""
    shapes: list[tuple[int, ...]] = []
    for fan_in, width in zip([n_users, *widths[:-1]], widths, strict=True):
        shapes += [(fan_in, width), (width,)]
    return [*shapes, (n_users, widths[-1]), (n_users,)]


def _split(flat, shapes: list[tuple[int, ...]]) -> list:
    sizes = [int(np.prod(s)) for s in shapes]
    return [tf.reshape(p, s) for p, s in zip(tf.split(flat, sizes), shapes, strict=True)]


def _make_objective(shapes: list[tuple[int, ...]]) -> Callable:
    @tf.function(reduce_retracing=True)
    def objective(flat, R, mask, lam):
        """(loss, gradient, predictions M×U) at ``flat``."""
        with tf.GradientTape() as tape:
            tape.watch(flat)
            parts = _split(flat, shapes)
            hidden, penalty = R, 0.0
            for k in range(0, len(parts) - 2, 2):
                hidden = tf.sigmoid(tf.matmul(hidden, parts[k]) + parts[k + 1])
                penalty += tf.reduce_sum(parts[k] * parts[k])
            W, c = parts[-2], parts[-1]
            pred = tf.matmul(hidden, W, transpose_b=True) + c
            error = mask * (R - pred)
            penalty += tf.reduce_sum(W * W)
            loss = 0.5 * tf.reduce_sum(error * error) + 0.5 * lam * penalty
        return loss, tape.gradient(loss, flat), pred

    return objective


def encode(R: np.ndarray, layers: list[np.ndarray]) -> np.ndarray:
    """The movie vectors (last hidden layer) of the rows of R, in numpy."""
    hidden = R
    for k in range(0, len(layers), 2):
        hidden = 1.0 / (1.0 + np.exp(-(hidden @ layers[k] + layers[k + 1])))
    return hidden


@tf.function(reduce_retracing=True)
def _two_loop(grad, S, Y, rho):
    """−H·grad for the L-BFGS inverse Hessian H of the pairs (rows of S, Y; oldest first)."""
    k = tf.shape(S)[0]
    q = -grad
    alphas = tf.TensorArray(tf.float32, size=k)
    for i in tf.range(k - 1, -1, -1):
        alpha = rho[i] * tf.tensordot(S[i], q, 1)
        q -= alpha * Y[i]
        alphas = alphas.write(i, alpha)
    q *= tf.tensordot(S[k - 1], Y[k - 1], 1) / tf.tensordot(Y[k - 1], Y[k - 1], 1)
    for i in tf.range(k):
        beta = rho[i] * tf.tensordot(Y[i], q, 1)
        q += (alphas.read(i) - beta) * S[i]
    return q


class _LBFGS:
    """Minimise ``objective`` from ``x``: two-loop recursion, backtracking Armijo."""

    def __init__(self, evaluate: Callable, x) -> None:
        self.evaluate = evaluate
        self.x = x
        self.loss, self.grad, self.pred = evaluate(x)
        self.pairs: list[tuple] = []  # (s, y, 1 / yᵀs)

    def direction(self):
        if not self.pairs:  # first step: unit length along −g
            return -self.grad / tf.maximum(tf.norm(self.grad), 1e-12)
        S, Y, rho = (tf.stack(column) for column in zip(*self.pairs, strict=True))
        return _two_loop(self.grad, S, Y, rho)

    def step(self) -> bool:
        """One iteration; False when no decrease was found (converged or stuck)."""
        d = self.direction()
        slope = float(tf.tensordot(self.grad, d, 1))
        if not slope < 0:  # not a descent direction: forget the curvature pairs
            self.pairs.clear()
            d = self.direction()
            slope = float(tf.tensordot(self.grad, d, 1))
        f0, t = float(self.loss), 1.0
        for _ in range(MAX_BACKTRACKS):
            x_new = self.x + t * d
            loss, grad, pred = self.evaluate(x_new)
            f = float(loss)
            if np.isfinite(f) and f <= f0 + ARMIJO * t * slope:
                break
            # minimiser of the quadratic through f0, slope and f, kept within [0.1t, 0.5t]
            guess = -slope * t * t / (2.0 * (f - f0 - slope * t)) if np.isfinite(f) else 0.1 * t
            t = float(np.clip(guess, 0.1 * t, 0.5 * t))
        else:
            self.pairs.clear()
            return False
        s, y = x_new - self.x, grad - self.grad
        sy = float(tf.tensordot(s, y, 1))
        if sy > 1e-10 * float(tf.tensordot(y, y, 1)):
            self.pairs.append((s, y, tf.constant(1.0 / sy, tf.float32)))
            del self.pairs[:-HISTORY]
        self.x, self.loss, self.grad, self.pred = x_new, loss, grad, pred
        return True


def _glorot(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))
    return rng.uniform(-limit, limit, shape)


MF_PRESET = "biased-mf"  # the blend's second model, with this preset's defaults


def _fit_mf(dataset: Dataset, train: pd.DataFrame, seed: int, reporter: Reporter) -> tuple:
    """biased-mf with its preset's defaults (its epochs polled for cancellation):
    (P, Q, b_u, b_i, μ, its (λ, λ_b) per rating)."""
    from movielens_tui.models.factorization import fit_biased
    from movielens_tui.models.presets import resolve_params

    params = resolve_params(MF_PRESET)
    inner = Reporter(int(params["epochs"]), should_stop=reporter.should_stop)
    model = fit_biased(dataset, params, train=train, test=None, seed=seed, reporter=inner,
                       init=None)  # fmt: skip
    assert model.user_embeddings is not None and model.user_bias is not None
    assert model.movie_bias is not None
    regs = np.array([params["regularization"], params["bias_regularization"]], np.float32)
    return (model.user_embeddings, model.movie_embeddings, model.user_bias,
            model.movie_bias, float(model.global_mean), regs)  # fmt: skip


def _mf_predict(mf: tuple, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
    P, Q, bu, bm, mu, _ = mf
    return mu + bu[users] + bm[movies] + np.einsum("ij,ij->i", P[users], Q[movies])


def fit_autorec(
    dataset: Dataset,
    params: dict,
    *,
    train: pd.DataFrame,
    test: pd.DataFrame | None,
    seed: int,
    reporter: Reporter,
    init: TrainedModel | None,
    strategy: object | None = None,
) -> TrainedModel:
    """I-AutoRec: h_i = sigmoid(V r_i + b), r̂_ui = W[u]·h_i + c[u], full-batch L-BFGS."""
    n, m = dataset.n_users, dataset.n_movies
    if n * m > MAX_CELLS:
        raise ModelError(
            f"autorec keeps a dense movies×users matrix ({m:,} × {n:,} cells, more than "
            f"{MAX_CELLS:,}); use biased-mf for a catalogue this large"
        )
    widths, lam = [int(w) for w in params["hidden_dims"]], float(params["regularization"])
    iterations = int(params["iterations"])
    users = train["user"].to_numpy(np.int64)
    movies = train["movie"].to_numpy(np.int64)
    values = train["rating"].to_numpy(np.float32)
    R = np.zeros((m, n), np.float32)
    R[movies, users] = values
    mask = np.zeros((m, n), np.float32)
    mask[movies, users] = 1.0
    shapes = _shapes(n, widths)
    alpha = float(params.get("mf_weight", 0.0))
    mf = None  # biased-mf's (P, Q, b_u, b_i, μ) for the blend
    if init is not None:
        layers = [init.extra.get(f"encoder_{k}") for k in range(len(shapes) - 2)]
        c = init.extra.get("decoder_bias")
        if (
            any(a is None or a.shape != s for a, s in zip(layers, shapes, strict=False))
            or c is None
            or init.user_embeddings is None
            or init.user_embeddings.shape[0] != n
            or float(init.params.get("mf_weight", 0.0)) != alpha
        ):
            raise ModelError("cannot continue: the previous autorec model does not match")
        mu = float(init.global_mean)
        width = widths[-1]
        parts = [*layers, init.user_embeddings[:, :width] / (1.0 - alpha), c]
        if alpha > 0:  # the biased-mf part is kept as it was
            ub = (init.user_bias - (1.0 - alpha) * (c - mu)) / alpha
            mf = (init.user_embeddings[:, width:] / alpha, init.movie_embeddings[:, width:],
                  ub, init.movie_bias / alpha, mu, init.extra["mf_regularization"])  # fmt: skip
    else:
        rng = np.random.default_rng(seed)
        mu = float(values.mean()) if len(values) else 0.0
        parts = [_glorot(rng, s) if len(s) == 2 else np.zeros(s) for s in shapes[:-1]]
        parts.append(np.full(n, mu))  # unrated users start (and stay) at the mean rating
    if alpha > 0 and mf is None:
        mf = _fit_mf(dataset, train, seed, reporter)
        mu = mf[4]
    flat = tf.constant(np.concatenate([np.ravel(p) for p in parts]).astype(np.float32))
    R_t, mask_t = tf.constant(R), tf.constant(mask)
    objective = _make_objective(shapes)
    lam_t = tf.constant(lam, tf.float32)
    optimizer = _LBFGS(lambda x: objective(x, R_t, mask_t, lam_t), flat)
    low, high = dataset.scale.low, dataset.scale.high
    test_pairs = None
    if test is not None and len(test):
        test_pairs = (
            test["movie"].to_numpy(np.int64),
            test["user"].to_numpy(np.int64),
            test["rating"].to_numpy(np.float64),
        )

    mf_train = mf_test = 0.0  # biased-mf's predictions at the train / test pairs
    if mf is not None:
        mf_train = _mf_predict(mf, users, movies)
        if test_pairs is not None:
            mf_test = _mf_predict(mf, test_pairs[1], test_pairs[0])

    def model_of(x: np.ndarray) -> TrainedModel:
        parts = [np.asarray(p) for p in _split(tf.constant(x), shapes)]
        *layers, W, c = parts
        extra = {f"encoder_{k}": a.astype(np.float32) for k, a in enumerate(layers)}
        extra["decoder_bias"] = c.astype(np.float32)
        movie_vectors, user_vectors = encode(R, layers), (1.0 - alpha) * W
        user_bias, movie_bias = (1.0 - alpha) * (c - mu), np.zeros(m)
        if mf is not None:  # the blend (1 − α)·autorec + α·biased-mf, as one factor model
            movie_vectors = np.hstack([movie_vectors, mf[1]])
            user_vectors = np.hstack([user_vectors, alpha * mf[0]])
            user_bias = user_bias + alpha * mf[2]
            movie_bias = alpha * mf[3]
            extra["mf_regularization"] = mf[5]
        return TrainedModel(
            "", "", dict(params), movie_vectors.astype(np.float32),
            user_embeddings=user_vectors.astype(np.float32),
            user_bias=user_bias.astype(np.float32), movie_bias=movie_bias.astype(np.float32),
            global_mean=mu, extra=extra,
        )  # fmt: skip

    def report(step: int) -> None:
        pred = optimizer.pred.numpy()
        fitted = (1.0 - alpha) * pred[movies, users] + alpha * mf_train
        fitted = np.clip(fitted, low, high) - values
        metrics = {
            "train_rmse": float(np.sqrt(np.mean(fitted.astype(np.float64) ** 2))),
            "loss": float(optimizer.loss),
        }
        if test_pairs is not None:
            blend = (1.0 - alpha) * pred[test_pairs[0], test_pairs[1]] + alpha * mf_test
            err = np.clip(blend, low, high) - test_pairs[2]
            metrics["test_rmse"] = float(np.sqrt(np.mean(err**2)))
        x = optimizer.x.numpy()
        reporter.report(step, metrics, lambda: model_of(x))

    reporter.total = iterations
    report(0)
    step = reported = 0
    while step < iterations:
        reporter.check_stop(reporter.step_offset + step)
        if not optimizer.step():  # no further decrease: stop early
            break
        step += 1
        if step % REPORT_EVERY == 0 or step == iterations:
            report(step)
            reported = step
    if reported != step:
        report(step)
    return model_of(optimizer.x.numpy())
