"""ease-wals: the blend against its two parts fitted alone, standardisation, exact
explanations (both layouts), fold-in, progress, save/load, and its ranking range on
ml-100k u1."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.data.splits import canonical_fold
from movielens_tui.errors import ParamError
from movielens_tui.models import ease_wals, explain, foldin, scoring, store
from movielens_tui.models.kinds import get_kind, kind_of, model_scorer
from movielens_tui.models.presets import PRESETS
from movielens_tui.models.trainer import train

QUICK = {"iterations": 4, "dim": 8}


@pytest.fixture(scope="module")
def fold(small_dataset):
    return canonical_fold(small_dataset, 1)


@pytest.fixture(scope="module")
def model(small_dataset, fold):
    return train(small_dataset, "ease-wals", QUICK, train=fold[0], test=fold[1], seed=0)


def test_standardise_over_the_unrated_cells() -> None:
    scores = np.array([[1.0, 2.0, 3.0, 10.0], [5.0, 5.0, 5.0, 5.0]])
    rated = np.array([[False, False, False, True], [True, False, False, False]])
    z = ease_wals.standardise(scores, rated)
    free = z[0, :3]
    assert free.mean() == pytest.approx(0.0) and free.std() == pytest.approx(1.0)
    np.testing.assert_allclose(z[1], 0.0)  # constant scores: centred, σ taken as 1
    both = ease_wals.blend(scores, -scores, rated, 0.75)
    np.testing.assert_allclose(both, 0.5 * z)


def test_the_blend_of_its_parts_fitted_alone(small_dataset, fold, model) -> None:
    train_df, _ = fold
    params = PRESETS["ease-wals"].params
    ease = train(small_dataset, "ease-pop", {}, train=train_df, seed=0)
    overrides = {"dim": 8, "iterations": 4, "regularization": params["wals_regularization"]}
    wals = train(small_dataset, "wals", overrides, train=train_df, seed=0)
    users = np.arange(small_dataset.n_users)
    rated = np.zeros((small_dataset.n_users, small_dataset.n_movies), bool)
    rated[train_df["user"].to_numpy(), train_df["movie"].to_numpy()] = True
    expected = ease_wals.blend(
        model_scorer(ease, train_df)(users),
        model_scorer(wals, train_df)(users),
        rated,
        params["ease_weight"],
    )
    got = model_scorer(model, train_df)(users)
    np.testing.assert_allclose(got, expected, atol=2e-4)
    np.testing.assert_array_equal(model.extra["ease_weights"], ease.movie_embeddings)
    np.testing.assert_allclose(model.movie_embeddings, wals.movie_embeddings)
    # a known user's query is the fold-in of their movies: the same scores one at a time
    kind = kind_of(model)
    assert kind is get_kind("ease-wals") and kind.exact_explanation and not kind.rating
    one = kind.score(model, kind.query_for_movies(model, train_df.loc[train_df.user == 3].movie))
    np.testing.assert_allclose(one, got[3], atol=2e-4)


def test_weight_one_ranks_as_ease_pop(small_dataset, fold) -> None:
    train_df, _ = fold
    only = train(small_dataset, "ease-wals", {**QUICK, "ease_weight": 1.0}, train=train_df)
    ease = train(small_dataset, "ease-pop", {}, train=train_df)
    ratings = {1: 4.0, 5: 2.0, 9: 5.0}
    a = foldin.recommend_for_ratings(only, small_dataset, ratings, k=8)
    b = foldin.recommend_for_ratings(ease, small_dataset, ratings, k=8)
    assert [h.movie for h in a] == [h.movie for h in b]


def test_progress_history_and_test_metrics(small_dataset, fold) -> None:
    seen = []
    model = train(small_dataset, "ease-wals", QUICK, train=fold[0], test=fold[1],
                  callback=seen.append)  # fmt: skip
    assert [p.step for p in seen] == [1, 2, 3, 4] and seen[-1].total == 4
    assert [h["step"] for h in model.history] == [1, 2, 3, 4]
    assert {"train_loss", "test_precision_at_10"} <= model.history[-1].keys()
    assert model.info == {"top_n": 80, "covered_movies": 80, "catalogue_movies": 80}


@pytest.mark.parametrize("top_n", [0, 30])
def test_explanations_are_exact(small_dataset, top_n) -> None:
    model = train(small_dataset, "ease-wals", {**QUICK, "top_n": top_n}, seed=0)
    kind = kind_of(model)
    ratings = {1: 5.0, 2: 3.0, 7: 1.0, 60: 4.0}
    targets = list(range(small_dataset.n_movies))
    scores = kind.score(model, kind.fold_in(model, ratings))
    for row in explain.explain_ratings(model, small_dataset, ratings, targets):
        assert row.exact
        total = row.base + sum(c.contribution for c in row.because) + row.rest
        assert total == pytest.approx(scores[row.movie], abs=1e-9)
    query = kind.user_query(model, small_dataset, 2)
    why = kind.explain(model, query, 5)
    assert why["base"] + sum(why["terms"].values()) == pytest.approx(why["score"], abs=1e-9)
    assert set(why["terms"]) == set(small_dataset.rated_by(2).tolist())
    for row in explain.explain_user(model, small_dataset, 2, [0, 5]):
        assert row.exact


def test_recommend_neighbours_save_and_load(small_dataset, model) -> None:
    loaded = store.from_bytes(store.to_bytes(model))
    store.check_dataset(loaded, small_dataset)
    assert loaded.kind == "ease-wals" and loaded.info == model.info
    for measure in ("dot", "cosine"):
        a = scoring.recommend(model, small_dataset, 3, measure, k=10)
        b = scoring.recommend(loaded, small_dataset, 3, measure, k=10)
        assert [h.movie for h in a] == [h.movie for h in b] and len(a) == 10
    near = scoring.neighbors(model, 0, k=4)  # by the WALS movie vectors
    dots = model.movie_embeddings @ model.movie_embeddings[0]
    assert [h.movie for h in near] == list(np.argsort(-dots, kind="stable")[:4])


def test_bad_parameters(small_dataset) -> None:
    with pytest.raises(ParamError, match="ease_weight"):
        train(small_dataset, "ease-wals", {"ease_weight": 1.5})
    with pytest.raises(ParamError, match="regularization"):
        train(small_dataset, "ease-wals", {"regularization": 0})


@pytest.mark.ml100k
def test_precision_on_ml100k_u1_is_in_range(ml100k) -> None:
    from movielens_tui.evaluate import Protocol, evaluate

    report = evaluate(ml100k, "ease-wals", None, Protocol.canonical([1]))
    assert 0.50 <= report.mean["precision_at_10"] <= 0.60
