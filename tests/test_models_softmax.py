"""The softmax model: fixed colab bugs, metrics, and the numpy user tower."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from movielens_tui.data.splits import user_split  # noqa: E402
from movielens_tui.models import softmax as S  # noqa: E402
from movielens_tui.models.scoring import recommend  # noqa: E402
from movielens_tui.models.trained import softmax_tower  # noqa: E402
from movielens_tui.models.trainer import train  # noqa: E402

tf = S.tf
SMALL = {"iterations": 20, "batch_size": 16, "test_batch_size": 8, "learning_rate": 1.0}


@pytest.fixture(scope="module")
def model(small_dataset):
    return train(small_dataset, "softmax", SMALL, seed=0)


def test_genres_stay_whole(small_dataset) -> None:
    vocab, counts, year_vocab, year_index = S.movie_features(small_dataset)
    assert "Sci-Fi" in vocab and "Film-Noir" in vocab and "Sci" not in vocab
    for j, genres in enumerate(small_dataset.movies["genres"]):
        expected = set(genres) or {"Other"}
        assert {vocab[g] for g in np.flatnonzero(counts[j])} == expected
    years = small_dataset.movies["year"]
    for j in range(small_dataset.n_movies):
        if years.isna().iloc[j]:
            assert year_vocab[year_index[j]] == -1
        else:
            assert year_vocab[year_index[j]] == years.iloc[j]


def test_training_reports_losses_and_correct_ranking_metrics(model) -> None:
    assert [h["step"] for h in model.history] == [0, 10, 20]
    last = model.history[-1]
    assert {"train_loss", "test_loss", "test_precision_at_10", "test_recall_at_10"} <= set(last)
    assert 0.0 <= last["test_precision_at_10"] <= 1.0 and 0.0 <= last["test_recall_at_10"] <= 1.0
    assert model.user_embeddings is None
    assert model.extra["hidden_0"].shape == (35 + 3 + 2, 35)


def test_precision_can_exceed_the_colab_cap() -> None:
    """One user, targets = the top-10 scored movies: precision@10 must be 1, not <= 0.1."""
    rng = np.random.default_rng(0)

    class Tower:
        def logits(self, X, G, Y):
            return tf.constant(scores[None, :])

    scores = rng.normal(size=30).astype(np.float32)
    best = np.argsort(-scores)[:10]
    target = np.zeros((1, 30), np.float32)
    target[0, best] = 1.0
    query = np.zeros((1, 30), np.float32)
    inputs = (tf.zeros((1, 30)), tf.zeros((1, 2)), tf.zeros((1, 2)))
    _, precision, recall = S._test_metrics.python_function(
        Tower(), inputs, tf.constant(query), tf.constant(target), tf.constant([10.0]),
        tf.constant([int(best[0])]),
    )  # fmt: skip
    assert float(precision) == pytest.approx(1.0) and float(recall) == pytest.approx(1.0)
    query[0, best[0]] = 1.0  # a query movie is never recommended back
    _, precision, _ = S._test_metrics.python_function(
        Tower(), inputs, tf.constant(query), tf.constant(target), tf.constant([10.0]),
        tf.constant([int(best[1])]),
    )  # fmt: skip
    assert float(precision) == pytest.approx(0.9)


def test_numpy_tower_matches_tensorflow(small_dataset) -> None:
    params = {"dim": 6, "genre_dim": 3, "year_dim": 2, "hidden_dims": [5, 6]}
    vocab, counts, year_vocab, year_index = S.movie_features(small_dataset)
    tower = S.SoftmaxModel(params, small_dataset.n_movies, len(vocab), len(year_vocab), seed=1)
    users = np.array([0, 0, 0, 1, 1])
    movies = np.array([3, 7, 9, 2, 5])
    X, G, Y = S._user_inputs(2, users, movies, counts, year_index, len(year_vocab))
    expected = tower.user_embeddings(tf.constant(X), tf.constant(G), tf.constant(Y)).numpy()
    model = S._model(params, tower.arrays(), {"movie_genre_counts": counts,
                                              "movie_year_index": year_index})  # fmt: skip
    model.kind = "softmax"
    ids = np.array([[3, 7, 9], [2, 5, 0]])
    mask = np.array([[1, 1, 1], [1, 1, 0]], np.float32)
    np.testing.assert_allclose(softmax_tower(model, ids, mask), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.vector_for_movies([2, 5]), expected[1], rtol=1e-5, atol=1e-6)


def test_recommendations_for_any_user(model, small_dataset) -> None:
    hits = recommend(model, small_dataset, 4, "dot", k=5, exclude_rated=True)
    assert len(hits) == 5
    assert not {h.movie for h in hits} & set(small_dataset.rated_by(4).tolist())


def test_user_split_and_continue(small_dataset, model) -> None:
    train_df, test_df = user_split(small_dataset, 0.2, seed=1)
    more = train(small_dataset, "softmax", SMALL, train=train_df, test=test_df, init=model)
    assert more.history[-1]["step"] == 41
    assert not np.allclose(more.movie_embeddings, model.movie_embeddings)
