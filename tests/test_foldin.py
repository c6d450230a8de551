"""Fold-in: ridge solution for a new user, softmax/EASE vectors, recommendations."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.errors import ModelError
from movielens_tui.models.foldin import fold_in, fold_in_with_bias, recommend_for_ratings
from movielens_tui.models.trained import TrainedModel


def _mf(dataset, kind="mf", dim=3, seed=0) -> TrainedModel:
    rng = np.random.default_rng(seed)
    return TrainedModel(
        kind, kind, {"regularization": 0.05, "bias_regularization": 0.01},
        rng.normal(size=(dataset.n_movies, dim)).astype(np.float32),
        user_embeddings=rng.normal(size=(dataset.n_users, dim)).astype(np.float32),
    )  # fmt: skip


def test_recovers_a_planted_user_vector(small_dataset) -> None:
    model = _mf(small_dataset)
    truth = np.array([0.5, -1.0, 2.0])
    movies = list(range(0, 40, 2))
    ratings = {m: float(model.movie_embeddings[m] @ truth) for m in movies}
    got = fold_in(model, ratings, l2=1e-6)
    np.testing.assert_allclose(got, truth, rtol=1e-3, atol=1e-3)
    shrunk = fold_in(model, ratings, l2=100.0)
    assert np.linalg.norm(shrunk) < np.linalg.norm(got)


def test_matches_closed_form_ridge(small_dataset) -> None:
    model = _mf(small_dataset)
    ratings = {1: 5.0, 4: 3.0, 9: 1.0}
    V = model.movie_embeddings[[1, 4, 9]].astype(np.float64)
    r = np.array([5.0, 3.0, 1.0])
    expected = np.linalg.solve(V.T @ V + 0.7 * np.eye(3), V.T @ r)
    np.testing.assert_allclose(fold_in(model, ratings, l2=0.7), expected, rtol=1e-5)


def test_biased_fold_in_solves_for_the_bias_too(small_dataset) -> None:
    model = _mf(small_dataset, "biased-mf")
    model.global_mean = 3.5
    model.movie_bias = np.linspace(-0.5, 0.5, small_dataset.n_movies).astype(np.float32)
    model.user_bias = np.zeros(small_dataset.n_users, np.float32)
    truth, bias = np.array([0.3, 0.0, -0.4]), 0.8
    movies = list(range(30))
    ratings = {
        m: 3.5 + float(model.movie_bias[m]) + bias + float(model.movie_embeddings[m] @ truth)
        for m in movies
    }
    vector, got_bias = fold_in_with_bias(model, ratings, l2=1e-6)
    np.testing.assert_allclose(vector, truth, atol=1e-3)
    assert got_bias == pytest.approx(bias, abs=1e-3)


def test_recommendations_exclude_the_rated_movies(small_dataset) -> None:
    model = _mf(small_dataset)
    ratings = {0: 5.0, 1: 4.0, 2: 1.0}
    hits = recommend_for_ratings(model, small_dataset, ratings, "dot", k=10)
    assert len(hits) == 10 and not {0, 1, 2} & {h.movie for h in hits}
    with_rated = recommend_for_ratings(model, small_dataset, ratings, "cosine", k=200,
                                       exclude_rated=False)  # fmt: skip
    assert len(with_rated) == small_dataset.n_movies


def test_ease_and_bad_input(small_dataset) -> None:
    ease = TrainedModel("ease", "ease", {}, np.eye(small_dataset.n_movies, dtype=np.float32))
    vector = fold_in(ease, {3: 5.0, 4: 2.0})
    assert vector.sum() == 2 and vector[3] == vector[4] == 1
    model = _mf(small_dataset)
    with pytest.raises(ModelError):
        fold_in(model, {})
    with pytest.raises(ModelError):
        fold_in(model, {small_dataset.n_movies + 5: 4.0})
