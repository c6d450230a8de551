"""The colab's softmax model in TensorFlow 2, with its bugs fixed.

A user tower maps the mean embedding of the movies a user rated, the mean embedding of
all genres of those movies and the mean embedding of their release years (dims 35, 3 and
2 in the preset) through hidden layers without bias or activation (weights initialised
truncated-normal with stddev 1/√out and used divided by 10, as in the colab). Logits are
the user embedding times the movie table, which is shared with the input side; the label
is one random rated movie of each user per step; the preset's ``optimizer`` (Adagrad
with initial accumulator 0.1 as in the colab, or SGD / Adam; see :mod:`.optim`).

Deliberate fixes of the colab (see docs):

- The movie vocabulary is the movie positions in order (the colab's ``list(set(...))``
  made input row *j* and output row *j* different movies).
- Genres come from each movie's genre list, so "Sci-Fi" and "Film-Noir" stay whole (the
  colab split ``all_genres`` on ``-`` and silently dropped the pieces).
- precision@10 / recall@10 are computed per held-out user and averaged: each test user's
  ratings are split in half; the first half is the tower's input, the top 10 among the
  movies not in it are compared with the second half (the colab's streaming metric with a
  single label per user could not exceed 0.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from movielens_tui.errors import ModelError
from movielens_tui.models import optim
from movielens_tui.models._tf import tf as _get_tf
from movielens_tui.models.trained import TrainedModel
from movielens_tui.models.trainer import Reporter, report_steps

tf = _get_tf()

MAX_DENSE_CELLS = 60_000_000  # users × movies of the per-user input matrix
TOP_K = 10


# --------------------------------------------------------------------------- features


def movie_features(dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(genre vocabulary, movie×genre 0/1 counts, year vocabulary, movie year index).

    Movies without a genre get "Other"; movies without a year get the last year slot (-1).
    """
    genre_vocab = np.array([*dataset.genres, "Other"])
    where = {g: i for i, g in enumerate(genre_vocab)}
    counts = np.zeros((dataset.n_movies, len(genre_vocab)), np.float32)
    for j, genres in enumerate(dataset.movies["genres"]):
        for g in genres or ["Other"]:
            counts[j, where.get(g, len(genre_vocab) - 1)] = 1.0
    years = dataset.movies["year"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = np.unique(years[~np.isnan(years)]).astype(np.int64)
    year_vocab = np.append(known, -1)
    index = np.full(dataset.n_movies, len(year_vocab) - 1, np.int32)
    ok = ~np.isnan(years)
    index[ok] = np.searchsorted(known, years[ok].astype(np.int64)).astype(np.int32)
    return genre_vocab, counts, year_vocab, index


def _user_inputs(
    n_users: int, users: np.ndarray, movies: np.ndarray, genre_counts: np.ndarray,
    year_index: np.ndarray, n_years: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Row-normalised user×movie, user×genre and user×year weights (the 'mean' combiner)."""
    n_movies = genre_counts.shape[0]
    if n_users * n_movies > MAX_DENSE_CELLS:
        raise ModelError(
            f"the softmax model keeps a users×movies input matrix; {n_users}×{n_movies} is "
            "too large: use biased-mf or ease for data of this size"
        )
    X = np.zeros((n_users, n_movies), np.float32)
    X[users, movies] = 1.0
    G = X @ genre_counts
    Y = np.zeros((n_users, n_years), np.float32)
    np.add.at(Y, (users, year_index[movies]), 1.0)
    for a in (X, G, Y):
        a /= np.maximum(a.sum(axis=1, keepdims=True), 1.0)
    return X, G, Y


# --------------------------------------------------------------------------- model


class SoftmaxModel:
    """Variables of the tower and the tied movie table; forward pass and loss."""

    def __init__(self, params: dict, n_movies: int, n_genres: int, n_years: int, seed: int):
        self.dims = (int(params["dim"]), int(params["genre_dim"]), int(params["year_dim"]))
        hidden = list(params["hidden_dims"])

        def tn(shape: tuple[int, int], std: float, offset: int):
            value = tf.random.stateless_truncated_normal(shape, seed=[seed, offset], stddev=std)
            return tf.Variable(value)

        d, gd, yd = self.dims
        self.movies = tf.Variable(tn((n_movies, d), 1.0 / np.sqrt(d), 1), name="movie_id")
        self.genres = tn((n_genres, gd), 1.0 / np.sqrt(gd), 2)
        self.years = tn((n_years, yd), 1.0 / np.sqrt(yd), 3)
        self.hidden = []
        width = d + gd + yd
        for k, out in enumerate(hidden):
            self.hidden.append(tn((width, out), 1.0 / np.sqrt(out), 10 + k))
            width = out
        self.variables = [self.movies, self.genres, self.years, *self.hidden]
        self.optimizer = str(params.get("optimizer", "adagrad"))
        self.slots = optim.make_slots(self.optimizer, self.variables)

    def user_embeddings(self, X, G, Y):
        x = tf.concat(
            [tf.matmul(X, self.movies), tf.matmul(G, self.genres), tf.matmul(Y, self.years)],
            axis=1,
        )
        for w in self.hidden:
            x = tf.matmul(x, w / 10.0)
        return x

    def logits(self, X, G, Y):
        return tf.matmul(self.user_embeddings(X, G, Y), self.movies, transpose_b=True)

    def arrays(self) -> dict[str, np.ndarray]:
        out = {
            "movie_embeddings": self.movies.numpy(),
            "genre_embeddings": self.genres.numpy(),
            "year_embeddings": self.years.numpy(),
        }
        for k, w in enumerate(self.hidden):
            out[f"hidden_{k}"] = w.numpy() / 10.0
        return out


def _loss(logits, labels):
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    )


@tf.function(reduce_retracing=True)
def _steps(model_vars, slots, tower, train_inputs, batch_users, batch_labels, lr, optimizer):
    """Optimizer steps over the given batches; returns the train loss at the first one."""
    X, G, Y = train_inputs
    first = tf.constant(0.0)
    for i in tf.range(tf.shape(batch_users)[0]):
        users = batch_users[i]
        with tf.GradientTape() as tape:
            logits = tower.logits(tf.gather(X, users), tf.gather(G, users), tf.gather(Y, users))
            loss = _loss(logits, batch_labels[i])
        grads = tape.gradient(loss, model_vars)
        if i == 0:
            first = loss
        optim.apply(optimizer, lr, [tf.convert_to_tensor(g) for g in grads], model_vars, slots)
    return first


@tf.function(reduce_retracing=True)
def _test_metrics(tower, test_inputs, query_mask, target, target_counts, labels):
    """(test loss on ``labels``, mean precision@10, mean recall@10) for the test users."""
    X, G, Y = test_inputs
    logits = tower.logits(X, G, Y)
    loss = _loss(logits, labels)
    ranked = tf.where(query_mask > 0, tf.fill(tf.shape(logits), -np.inf), logits)
    _, top = tf.math.top_k(ranked, k=TOP_K)
    hits = tf.reduce_sum(tf.gather(target, top, batch_dims=1), axis=1)
    precision = tf.reduce_mean(hits / TOP_K)
    recall = tf.reduce_mean(hits / tf.maximum(target_counts, 1.0))
    return loss, precision, recall


def _lists(df: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray]]:
    """Users of ``df`` and the movies each rated (same order)."""
    users = df["user"].to_numpy(np.int64)
    movies = df["movie"].to_numpy(np.int64)
    order = np.argsort(users, kind="stable")
    users, movies = users[order], movies[order]
    uniq, starts = np.unique(users, return_index=True)
    return uniq, np.split(movies, starts[1:])


def fit(dataset, params, *, train, test, seed, reporter: Reporter, init, strategy=None):
    """Train the softmax model (see the module docstring)."""
    rng = np.random.default_rng(seed)
    genre_vocab, genre_counts, year_vocab, year_index = movie_features(dataset)
    train_users, train_lists = _lists(train)
    if len(train_users) == 0:
        raise ModelError("the softmax model needs users with ratings in the training split")
    n_train = len(train_users)
    local = np.repeat(np.arange(n_train), [len(x) for x in train_lists])
    flat = np.concatenate(train_lists)
    train_inputs = tuple(
        tf.constant(a)
        for a in _user_inputs(n_train, local, flat, genre_counts, year_index, len(year_vocab))
    )
    tower = SoftmaxModel(params, dataset.n_movies, len(genre_vocab), len(year_vocab), seed)
    if init is not None:
        _restore(tower, init)
    test_state = _test_state(test, rng, genre_counts, year_index, len(year_vocab))
    batch = min(int(params["batch_size"]), n_train)
    lr = tf.constant(float(params["learning_rate"]), tf.float32)
    iterations = int(params["iterations"])
    reporter.total = iterations
    lengths = np.array([len(x) for x in train_lists])
    order = rng.permutation(n_train)
    cursor = 0

    def next_batch() -> tuple[np.ndarray, np.ndarray]:
        nonlocal order, cursor
        picked = []
        while len(picked) < batch:
            if cursor >= n_train:
                order, cursor = rng.permutation(n_train), 0
            take = order[cursor : cursor + batch - len(picked)]
            picked.extend(take)
            cursor += len(take)
        users = np.asarray(picked)
        pick = (rng.random(batch) * lengths[users]).astype(np.int64)
        labels = np.array([train_lists[u][p] for u, p in zip(users, pick, strict=True)])
        return users.astype(np.int32), labels.astype(np.int32)

    extra = {
        "genre_vocab": genre_vocab,
        "movie_genre_counts": genre_counts,
        "year_vocab": year_vocab,
        "movie_year_index": year_index,
    }
    for start, n_steps in report_steps(iterations):
        batches = [next_batch() for _ in range(n_steps)]
        users = tf.constant(np.stack([b[0] for b in batches]))
        labels = tf.constant(np.stack([b[1] for b in batches]))
        metrics: dict[str, float] = {}
        if test_state is not None:
            metrics.update(_evaluate(tower, test_state, rng, int(params["test_batch_size"])))
        before = tower.arrays()
        loss = _steps(tower.variables, tower.slots, tower, train_inputs, users, labels, lr,
                      tower.optimizer)  # fmt: skip
        metrics = {"train_loss": float(loss), **metrics}
        reporter.report(start, metrics, lambda a=before: _model(params, a, extra))
    return _model(params, tower.arrays(), extra)


def _model(params: dict, arrays: dict[str, np.ndarray], extra: dict) -> TrainedModel:
    arrays = dict(arrays)
    movies = arrays.pop("movie_embeddings")
    return TrainedModel("", "softmax", dict(params), movies, extra={**extra, **arrays})


def _restore(tower: SoftmaxModel, init: TrainedModel) -> None:
    """Continue from ``init``'s arrays (shapes must match the preset's)."""
    try:
        tower.movies.assign(init.movie_embeddings)
        tower.genres.assign(init.extra["genre_embeddings"])
        tower.years.assign(init.extra["year_embeddings"])
        for k, w in enumerate(tower.hidden):
            w.assign(init.extra[f"hidden_{k}"] * 10.0)
    except (KeyError, ValueError) as exc:
        raise ModelError(
            f"cannot continue: the previous softmax model does not match ({exc})"
        ) from None


class _TestState:
    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def _test_state(test, rng, genre_counts, year_index, n_years) -> _TestState | None:
    """Held-out users with at least 2 ratings: half as input, half as targets."""
    if test is None or len(test) == 0:
        return None
    users, lists = _lists(test)
    keep = [i for i, x in enumerate(lists) if len(x) >= 2]
    if not keep:
        return None
    n_movies = genre_counts.shape[0]
    queries, targets = [], []
    for i in keep:
        shuffled = rng.permutation(lists[i])
        half = len(shuffled) // 2
        queries.append(shuffled[:half])
        targets.append(shuffled[half:])
    n = len(keep)
    local = np.repeat(np.arange(n), [len(q) for q in queries])
    inputs = _user_inputs(n, local, np.concatenate(queries), genre_counts, year_index, n_years)
    query_mask = (inputs[0] > 0).astype(np.float32)
    target = np.zeros((n, n_movies), np.float32)
    target[np.repeat(np.arange(n), [len(t) for t in targets]), np.concatenate(targets)] = 1.0
    return _TestState(
        inputs=tuple(tf.constant(a) for a in inputs),
        query_mask=tf.constant(query_mask),
        target=tf.constant(target),
        counts=tf.constant(target.sum(axis=1)),
        targets=targets,
    )


def _evaluate(tower: SoftmaxModel, state, rng, test_batch: int) -> dict[str, float]:
    labels = np.array([t[rng.integers(len(t))] for t in state.targets], np.int32)
    loss, precision, recall = _test_metrics(
        tower, state.inputs, state.query_mask, state.target, state.counts, tf.constant(labels)
    )
    return {
        "test_loss": float(loss),
        "test_precision_at_10": float(precision),
        "test_recall_at_10": float(recall),
    }
