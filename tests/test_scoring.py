"""Scores, top-k, neighbours, recommendations and result rows (numpy only)."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.errors import ModelError
from movielens_tui.models.scoring import (
    COSINE,
    DOT,
    compute_scores,
    hits_table,
    neighbors,
    recommend,
    top_k,
)
from movielens_tui.models.trained import TrainedModel


def _model(dataset, dim: int = 4, seed: int = 0, kind: str = "mf") -> TrainedModel:
    rng = np.random.default_rng(seed)
    return TrainedModel(
        "mf", kind, {}, rng.normal(size=(dataset.n_movies, dim)).astype(np.float32),
        user_embeddings=rng.normal(size=(dataset.n_users, dim)).astype(np.float32),
    )  # fmt: skip


def test_compute_scores_dot_and_cosine() -> None:
    items = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0], [0.0, 0.0]], np.float32)
    query = np.array([2.0, 0.0], np.float32)
    np.testing.assert_allclose(compute_scores(query, items, DOT), [2, 0, 6, 0])
    np.testing.assert_allclose(
        compute_scores(query, items, COSINE), [1, 0, 1 / np.sqrt(2), 0], rtol=1e-6
    )
    with pytest.raises(ModelError):
        compute_scores(query, items, "euclid")


def test_top_k_orders_breaks_ties_and_excludes() -> None:
    scores = np.array([0.5, 2.0, 2.0, -1.0, 3.0])
    assert [h.movie for h in top_k(scores, 3)] == [4, 1, 2]
    assert [h.movie for h in top_k(scores, 3, exclude=np.array([4]))] == [1, 2, 0]
    assert len(top_k(scores, 99)) == 5
    assert top_k(scores, 0) == []


def test_neighbors_include_self_first(small_dataset) -> None:
    model = _model(small_dataset)
    hits = neighbors(model, 3, COSINE, k=6)
    assert hits[0].movie == 3 and hits[0].score == pytest.approx(1.0)
    assert len(hits) == 6
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))
    brute = compute_scores(model.movie_embeddings[3], model.movie_embeddings, DOT)
    assert neighbors(model, 3, DOT, k=1)[0].score == pytest.approx(brute.max(), rel=1e-5)
    with pytest.raises(ModelError):
        neighbors(model, small_dataset.n_movies, DOT)


def test_recommend_matches_brute_force_and_excludes_rated(small_dataset) -> None:
    model = _model(small_dataset)
    user = 5
    scores = model.movie_embeddings @ model.user_embeddings[user]
    hits = recommend(model, small_dataset, user, DOT, k=5)
    assert [h.movie for h in hits] == list(np.argsort(-scores)[:5])
    rated = set(small_dataset.rated_by(user).tolist())
    hits = recommend(model, small_dataset, user, DOT, k=10, exclude_rated=True)
    assert not rated & {h.movie for h in hits}
    with pytest.raises(ModelError):
        recommend(model, small_dataset, small_dataset.n_users + 3, DOT)


def test_hits_table_rows(small_dataset) -> None:
    model = _model(small_dataset)
    aladdin = int(np.flatnonzero(small_dataset.movies["title"] == "Aladdin (1992)")[0])
    rows = hits_table(small_dataset, neighbors(model, aladdin, COSINE, k=3))
    assert rows[0]["title"] == "Aladdin (1992)"
    assert rows[0]["movie_id"] == int(small_dataset.movies["movie_id"].iloc[aladdin])
    expected_count = int((small_dataset.ratings["movie"] == aladdin).sum())
    assert rows[0]["count"] == expected_count
    assert set(rows[0]) == {"movie_id", "title", "score", "genres", "count"}
    assert isinstance(rows[0]["genres"], list)
    assert hits_table(small_dataset, []) == []


def test_predict_clips_and_checks_ranges(small_dataset) -> None:
    model = _model(small_dataset)
    model.kind = "biased-mf"
    model.global_mean = 3.5
    model.user_bias = np.zeros(small_dataset.n_users, np.float32)
    model.movie_bias = np.full(small_dataset.n_movies, 10.0, np.float32)
    assert model.predict(np.array([0]), np.array([0]))[0] == 5.0
    raw = model.predict(np.array([0]), np.array([0]), clip=False)[0]
    expected = 13.5 + float(model.user_embeddings[0] @ model.movie_embeddings[0])
    assert raw == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ModelError):
        model.predict(np.array([10_000]), np.array([0]))
    ranking = _model(small_dataset, kind="softmax")
    with pytest.raises(ModelError, match="ranking model"):
        ranking.predict(np.array([0]), np.array([0]))


def test_biased_dot_recommendations_are_predicted_ratings(small_dataset) -> None:
    model = _model(small_dataset)
    model.kind = "biased-mf"
    model.global_mean = 3.0
    model.user_bias = np.full(small_dataset.n_users, 0.5, np.float32)
    model.movie_bias = np.zeros(small_dataset.n_movies, np.float32)
    model.movie_bias[7] = 100.0
    hits = recommend(model, small_dataset, 2, DOT, k=3)
    assert hits[0].movie == 7
    expected = model.predict(np.array([2]), np.array([hits[1].movie]), clip=False)[0]
    assert hits[1].score == pytest.approx(expected, rel=1e-5)
