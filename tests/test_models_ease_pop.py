"""ease-pop: the closed form against numpy, EASE as its special case, exact explanations,
fold-in, save/load, the top_n restriction, and its ranking range on ml-100k u1."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.data.splits import canonical_fold
from movielens_tui.errors import ModelError, ParamError
from movielens_tui.models import ease, explain, foldin, scoring, store
from movielens_tui.models.kinds import get_kind, kind_of
from movielens_tui.models.presets import PRESETS
from movielens_tui.models.trainer import train

PLAIN = {"popularity_l2": 0.0, "popularity_exponent": 0.0, "user_weight_exponent": 0.0}


def _reference(dataset, frame, lam: float, kappa: float, gamma: float, delta: float):
    """W with x · W the scores, straight from the formulas in numpy."""
    x = np.zeros((dataset.n_users, dataset.n_movies))
    x[frame["user"].to_numpy(), frame["movie"].to_numpy()] = 1.0
    n = x.sum(axis=1)
    d = np.where(n > 0, (np.maximum(n, 1) / n[n > 0].mean()) ** -delta, 0.0)
    g = x.T @ (x * d[:, None])
    p = np.linalg.inv(g + lam * np.eye(len(g)) + kappa * np.diag(np.diag(g)))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b * np.maximum(x.sum(axis=0), 1.0)[None, :] ** -gamma


def test_closed_form_matches_numpy(small_dataset) -> None:
    train_df, test_df = canonical_fold(small_dataset, 1)
    params = {"regularization": 30.0, "popularity_l2": 0.5, "popularity_exponent": 0.2,
              "user_weight_exponent": 0.5}  # fmt: skip
    model = train(small_dataset, "ease-pop", params, train=train_df, test=test_df)
    expected = _reference(small_dataset, train_df, 30.0, 0.5, 0.2, 0.5)
    np.testing.assert_allclose(model.movie_embeddings.T, expected, rtol=1e-4, atol=1e-6)
    assert model.kind == "ease-pop" and model.movie_embeddings.dtype == np.float32
    assert [h["step"] for h in model.history] == [0]
    assert 0.0 <= model.history[-1]["test_precision_at_10"] <= 1.0


def test_without_corrections_it_is_ease(small_dataset) -> None:
    train_df, _ = canonical_fold(small_dataset, 2)
    plain = train(small_dataset, "ease-pop", {"regularization": 50.0, **PLAIN}, train=train_df)
    x = np.zeros((small_dataset.n_users, small_dataset.n_movies))
    x[train_df["user"].to_numpy(), train_df["movie"].to_numpy()] = 1.0
    p = np.linalg.inv(x.T @ x + 50.0 * np.eye(small_dataset.n_movies))
    b = -p / np.diag(p)[None, :]  # EASE (Steck 2019)
    np.fill_diagonal(b, 0.0)
    np.testing.assert_allclose(plain.movie_embeddings.T, b, rtol=1e-4, atol=1e-6)


def test_explanations_add_up_and_fold_in_matches_a_user(small_dataset) -> None:
    model = train(small_dataset, "ease-pop", seed=0)
    kind = kind_of(model)
    assert kind is get_kind("ease-pop") and kind.exact_explanation and not kind.rating
    query = kind.user_query(model, small_dataset, 4)
    scores = kind.score(model, query)
    for movie in (0, 7, 33):
        why = kind.explain(model, query, movie)
        assert why["score"] == pytest.approx(float(scores[movie]), abs=1e-4)
    # fold-in of the user's own movies is the same query (rating values are ignored)
    rated, values = small_dataset.ratings_of(4)
    ratings = {int(m): float(r) for m, r in zip(rated, values, strict=True)}
    np.testing.assert_array_equal(kind.fold_in(model, ratings).vector, query.vector)
    targets = np.array([1, 2, 3, 50])
    base, shares = kind.contributions(model, np.asarray(rated), np.asarray(values), targets)
    np.testing.assert_allclose(base + shares.sum(axis=1), scores[targets], atol=1e-4)
    rows = explain.explain_ratings(model, small_dataset, {1: 5.0, 9: 2.0}, [3, 4])
    assert all(row.exact for row in rows)
    hits = foldin.recommend_for_ratings(model, small_dataset, {1: 5.0, 9: 2.0}, k=5)
    assert len(hits) == 5 and not {h.movie for h in hits} & {1, 9}


def test_save_and_load_keep_the_recommendations(small_dataset) -> None:
    for overrides in ({}, {"top_n": 25}):
        model = train(small_dataset, "ease-pop", overrides, seed=0)
        loaded = store.from_bytes(store.to_bytes(model))
        store.check_dataset(loaded, small_dataset)
        assert loaded.kind == "ease-pop" and loaded.info == model.info
        a = scoring.recommend(model, small_dataset, 3, k=10)
        b = scoring.recommend(loaded, small_dataset, 3, k=10)
        assert [h.movie for h in a] == [h.movie for h in b]


def test_top_n_keeps_the_most_rated_movies_and_refuses_too_large(
    small_dataset, monkeypatch
) -> None:
    monkeypatch.setattr(ease, "MAX_MOVIES", 10)  # the limits both share live in ease
    with pytest.raises(ModelError, match="at most 10 movies"):
        train(small_dataset, "ease-pop", {"top_n": 20})
    model = train(small_dataset, "ease-pop", train=small_dataset.ratings)
    assert model.info == {"top_n": 10, "covered_movies": 10, "catalogue_movies": 80}
    counts = np.bincount(small_dataset.ratings["movie"], minlength=80)
    assert sorted(counts[model.extra["ease_movies"]]) == sorted(counts)[-10:]
    scores = kind_of(model).score(model, kind_of(model).user_query(model, small_dataset, 0))
    assert scores.shape == (80,) and np.isfinite(scores).all()
    monkeypatch.setattr(ease, "memory_budget", lambda: 1000)
    with pytest.raises(ModelError, match="memory"):
        train(small_dataset, "ease-pop", {"top_n": 8})


def test_bad_parameters(small_dataset) -> None:
    with pytest.raises(ParamError, match="regularization"):
        train(small_dataset, "ease-pop", {"regularization": 0})
    with pytest.raises(ParamError, match="popularity_exponent"):
        train(small_dataset, "ease-pop", {"popularity_exponent": -1})
    assert PRESETS["ease-pop"].model_kind.name == "ease-pop"


@pytest.mark.ml100k
def test_precision_on_ml100k_u1_is_in_range(ml100k) -> None:
    from movielens_tui.evaluate import Protocol, evaluate

    report = evaluate(ml100k, "ease-pop", None, Protocol.canonical([1]))
    assert 0.50 <= report.mean["precision_at_10"] <= 0.58
    plain = evaluate(ml100k, "ease", None, Protocol.canonical([1]))
    assert report.mean["precision_at_10"] >= plain.mean["precision_at_10"] - 0.005
