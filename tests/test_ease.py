"""EASE: the closed form, its TrainedModel representation, and the ranking bar on ml-100k."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from movielens_tui.data.splits import canonical_fold
from movielens_tui.errors import ModelError, ParamError
from movielens_tui.evaluate import model_scorer, popularity_scorer
from movielens_tui.evaluate import ranking_metrics as rank
from movielens_tui.models import ease
from movielens_tui.models.foldin import fold_in
from movielens_tui.models.presets import PRESETS
from movielens_tui.models.scoring import neighbors, recommend
from movielens_tui.models.trainer import Progress, TrainingCancelled, train


def _reference_b(dataset, train, lam: float) -> np.ndarray:
    x = np.zeros((dataset.n_users, dataset.n_movies))
    x[train["user"].to_numpy(), train["movie"].to_numpy()] = 1.0
    p = np.linalg.inv(x.T @ x + lam * np.eye(dataset.n_movies))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


def test_closed_form_matches_numpy_and_has_zero_diagonal(small_dataset) -> None:
    train, test = canonical_fold(small_dataset, 1)
    seen: list[Progress] = []
    model = train_ease(small_dataset, train, test, 50.0, callback=seen.append)
    b = model.movie_embeddings.T
    assert model.kind == "ease" and model.movie_embeddings.shape == (80, 80)
    assert model.movie_embeddings.dtype == np.float32
    np.testing.assert_allclose(b, _reference_b(small_dataset, train, 50.0), atol=1e-5)
    assert np.all(np.diag(b) == 0.0)
    # One report at step 0 with the test ranking metrics.
    assert [p.step for p in seen] == [0]
    assert set(model.history[-1]) == {"step", "test_precision_at_10", "test_recall_at_10"}
    assert 0.0 <= model.history[-1]["test_precision_at_10"] <= 1.0


def train_ease(dataset, train_df, test_df, lam, **kwargs):
    return train(dataset, "ease", {"regularization": lam}, train=train_df, test=test_df, **kwargs)


def test_user_vector_dot_scores_are_x_times_b(small_dataset) -> None:
    from movielens_tui.models.scoring import recommend

    model = train(small_dataset, "ease", seed=0)
    user = 3
    x = model.user_vector(small_dataset, user)
    rated = small_dataset.rated_by(user)
    assert set(np.flatnonzero(x)) == set(rated)
    expected = x @ model.movie_embeddings.T  # x · B
    hits = recommend(model, small_dataset, user, k=5, exclude_rated=True)
    assert len(hits) == 5 and not set(h.movie for h in hits) & set(rated)
    assert [h.score for h in hits] == pytest.approx(
        sorted(np.delete(expected, rated), reverse=True)[:5], rel=1e-5
    )


def test_stronger_regularization_shrinks_weights(small_dataset) -> None:
    train_df, _ = canonical_fold(small_dataset, 2)
    weak = train_ease(small_dataset, train_df, None, 5.0)
    strong = train_ease(small_dataset, train_df, None, 5000.0)
    assert np.abs(strong.movie_embeddings).sum() < np.abs(weak.movie_embeddings).sum()
    assert weak.history[-1] == {"step": 0}


def _planted_taste(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
    """Two user groups, each rating movies of its own half: co-occurrence is the signal."""
    rng = np.random.default_rng(seed)
    n_users, n_movies = 60, 40
    rows = []
    for u in range(n_users):
        half = np.arange(20) + 20 * (u % 2)
        for m in rng.choice(half, size=10, replace=False):
            rows.append((u, int(m)))
    frame = pd.DataFrame(rows, columns=["user", "movie"])
    test_rows = rng.random(len(frame)) < 0.25
    return frame[~test_rows], frame[test_rows], n_users, n_movies


def test_ease_finds_planted_structure_that_popularity_misses() -> None:
    train_df, test_df, n_users, n_movies = _planted_taste()
    b = ease.ease_weights(ease.gram_matrix(train_df, n_users, n_movies), 10.0)
    x = np.zeros((n_users, n_movies), np.float32)
    x[train_df["user"], train_df["movie"]] = 1.0
    learned = rank(lambda users: x[users] @ b, train_df, test_df, n_movies)
    popular = rank(popularity_scorer(train_df, n_movies), train_df, test_df, n_movies)
    assert learned["precision_at_10"] > popular["precision_at_10"] + 0.05
    # Same-group weights dominate: movies of the other half are (nearly) never recommended.
    same = np.add.outer(np.arange(40) // 20, np.arange(40) // 20) % 2 == 0
    assert b[same].mean() > b[~same].mean()


def test_bad_regularization_and_cancel(small_dataset) -> None:
    with pytest.raises(ParamError, match="regularization"):
        train(small_dataset, "ease", {"regularization": 0})
    with pytest.raises(TrainingCancelled):
        train(small_dataset, "ease", should_stop=lambda: True)


def test_catalogue_too_large_keeps_the_most_rated_movies(small_dataset, monkeypatch) -> None:
    monkeypatch.setattr(ease, "MAX_MOVIES", 10)
    with pytest.raises(ModelError, match="at most 10 movies"):
        train(small_dataset, "ease", {"top_n": 20})
    model = train(small_dataset, "ease", train=small_dataset.ratings)
    assert model.params["top_n"] == 10 and model.n_movies == small_dataset.n_movies
    assert model.info == {"top_n": 10, "covered_movies": 10, "catalogue_movies": 80}
    counts = np.bincount(small_dataset.ratings["movie"], minlength=80)
    covered = model.extra["ease_movies"]
    assert sorted(counts[covered]) == sorted(counts)[-10:]  # the ten most-rated
    # B over the covered movies is the closed form of their sub-matrix
    x = np.zeros((small_dataset.n_users, 80))
    x[small_dataset.ratings["user"], small_dataset.ratings["movie"]] = 1.0
    x = x[:, covered]
    p = np.linalg.inv(x.T @ x + 400.0 * np.eye(10))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    np.testing.assert_allclose(model.extra["ease_weights"].T, b, atol=1e-6)
    # every covered movie ranks before every other one; fold-in and neighbours work
    ranked = [h.movie for h in recommend(model, small_dataset, 0, k=80)]
    assert set(ranked[:10]) == set(covered.tolist())
    assert len(fold_in(model, {int(covered[0]): 5.0, 3: 1.0})) == 10
    others = np.setdiff1d(np.arange(80), covered)
    with pytest.raises(ModelError, match="most-rated"):
        neighbors(model, int(others[0]))
    assert {h.movie for h in neighbors(model, int(covered[0]), k=20)} == set(covered.tolist())
    scores = model_scorer(model, small_dataset.ratings)(np.array([0, 1]))
    assert scores.shape == (2, 80) and np.isfinite(scores).all()
    assert (scores[:, others].max(axis=1) < scores[:, covered].min(axis=1)).all()


def test_top_n_default_follows_the_memory_budget() -> None:
    assert ease.auto_top_n(1682, budget=8 << 30) == 1682
    assert ease.auto_top_n(87_000, budget=8 << 30) == ease.MAX_MOVIES
    n = ease.auto_top_n(87_000, budget=1 << 30)
    assert n * n * ease.BYTES_PER_CELL <= 1 << 30 < (n + 1) ** 2 * ease.BYTES_PER_CELL


def test_preset_is_ranking_only(small_dataset) -> None:
    assert PRESETS["ease"].kind == "ease" and not PRESETS["ease"].is_rating_model
    model = train(small_dataset, "ease")
    with pytest.raises(ModelError, match="ranking model"):
        model.predict(np.array([0]), np.array([0]))


@pytest.mark.ml100k
def test_ease_u1_precision_at_10_on_ml100k(ml100k) -> None:
    train_df, test_df = canonical_fold(ml100k, 1)
    model = train(ml100k, "ease", train=train_df, test=test_df)
    metrics = rank(model_scorer(model, train_df), train_df, test_df, ml100k.n_movies)
    assert metrics["precision_at_10"] >= 0.38
    assert model.history[-1]["test_precision_at_10"] == pytest.approx(metrics["precision_at_10"])
    popular = rank(popularity_scorer(train_df, ml100k.n_movies), train_df, test_df, 1682)
    assert metrics["precision_at_10"] > popular["precision_at_10"] + 0.1


def test_evaluate_wires_ease_through_the_trainer(small_dataset) -> None:
    from movielens_tui.evaluate import Protocol, evaluate

    seen = []
    report = evaluate(small_dataset, "ease", {"regularization": "50"}, Protocol.canonical([1, 2]),
                      callback=seen.append)  # fmt: skip
    data = report.to_json()
    assert data["params"]["regularization"] == 50.0 and len(data["folds"]) == 2
    assert "rmse" not in data and 0.0 < data["precision_at_10"] <= 1.0
    assert [p.fold for p in seen if p.progress is not None] == ["u1", "u2"]


def test_sparse_gram_equals_the_dense_one(small_dataset, monkeypatch) -> None:
    train_df = small_dataset.ratings
    dense = ease.gram_matrix(train_df, small_dataset.n_users, small_dataset.n_movies).numpy()
    monkeypatch.setattr(ease, "DENSE_GRAM_MAX_WORK", 0)
    monkeypatch.setattr(ease, "USER_CHUNK", 7)
    sparse = ease.gram_matrix(train_df, small_dataset.n_users, small_dataset.n_movies).numpy()
    np.testing.assert_array_equal(dense, sparse)
    columns = np.array([5, 2, 40])
    sub = ease.gram_matrix(train_df, small_dataset.n_users, 80, columns).numpy()
    np.testing.assert_array_equal(sub, dense[np.ix_(columns, columns)])
