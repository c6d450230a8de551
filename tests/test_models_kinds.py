"""Every kind behind the one interface: fit, scores, neighbours, fold-in (no retraining),
capabilities; softmax's optimizer; WALS; the full-batch models' gather path."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.data.splits import canonical_fold
from movielens_tui.models import factorization, foldin, scoring
from movielens_tui.models.kinds import Query, all_kinds, get_kind, kind_of, model_scorer
from movielens_tui.models.presets import PRESETS, resolve_params
from movielens_tui.models.trainer import train

QUICK = {"iterations": 12, "epochs": 2}


def _quick(name: str) -> dict:
    used = PRESETS[name].params
    out = {k: v for k, v in QUICK.items() if k in used}
    if name == "regularized":
        out["learning_rate"] = 1.0
    return out


@pytest.fixture(scope="module")
def fitted(small_dataset) -> dict:
    return {
        name: train(small_dataset, name, _quick(name), seed=0)
        for name in PRESETS
        if name != "mf-lowinit"
    }


def test_each_kind_is_registered_once_with_capabilities() -> None:
    names = [kind.name for kind in all_kinds()]
    assert len(names) == len(set(names))
    assert {p.kind for p in PRESETS.values()} == set(names)
    assert get_kind("biased-mf").distributed and get_kind("biased-mf").rating
    assert not get_kind("ease").rating and get_kind("ease").ranking
    assert get_kind("popularity").purpose == "ranking"
    assert get_kind("mf").purpose == "both"


def test_every_kind_scores_recommends_and_folds_in(small_dataset, fitted) -> None:
    ratings = {1: 5.0, 2: 1.0, 7: 4.0}
    for name, model in fitted.items():
        kind = kind_of(model)
        query = kind.user_query(model, small_dataset, 0)
        assert isinstance(query, Query)
        scores = kind.score(model, query)
        assert scores.shape == (small_dataset.n_movies,) and np.isfinite(scores).all(), name
        assert len(scoring.recommend(model, small_dataset, 0, k=5)) == 5
        assert len(scoring.neighbors(model, 0, k=4)) == 4
        hits = foldin.recommend_for_ratings(model, small_dataset, ratings, k=5)
        assert len(hits) == 5 and not {h.movie for h in hits} & set(ratings), name
        batch = model_scorer(model, small_dataset.ratings)(np.array([0, 1, 2]))
        assert batch.shape == (3, small_dataset.n_movies) and np.isfinite(batch).all(), name
        if kind.rating:
            # batch scores are the predicted ratings of the users' own rows
            users = np.zeros(small_dataset.n_movies, np.int64)
            movies = np.arange(small_dataset.n_movies)
            np.testing.assert_allclose(
                batch[0], model.predict(users, movies, clip=False), rtol=1e-4, atol=1e-4
            )
        with pytest.raises(NotImplementedError) if not kind.exact_explanation else _null():
            kind.explain(model, query, 3)


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


def test_exact_explanations_add_up(small_dataset, fitted) -> None:
    for name in ("biased-mf", "ease", "popularity"):
        model = fitted[name]
        kind = kind_of(model)
        query = kind.user_query(model, small_dataset, 0)
        why = kind.explain(model, query, 3)
        assert why["score"] == pytest.approx(float(kind.score(model, query)[3]), abs=1e-4)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "adam"])
def test_softmax_trains_with_the_optimizer_it_is_given(small_dataset, optimizer) -> None:
    lr = {"sgd": 1.0, "adagrad": 0.5, "adam": 0.01}[optimizer]
    model = train(small_dataset, "softmax", {"iterations": 20, "optimizer": optimizer,
                                             "learning_rate": lr}, seed=0)  # fmt: skip
    assert model.params["optimizer"] == optimizer
    assert model.history[-1]["train_loss"] < model.history[0]["train_loss"]


def test_softmax_optimizer_changes_the_result(small_dataset) -> None:
    runs = {
        opt: train(
            small_dataset,
            "softmax",
            {"iterations": 5, "optimizer": opt, "learning_rate": 0.05},
            seed=0,
        )  # fmt: skip
        for opt in ("adagrad", "adam")
    }
    a, b = (runs[o].movie_embeddings for o in ("adagrad", "adam"))
    assert not np.allclose(a, b)  # "adam" used to train with Adagrad silently
    from movielens_tui.models import optim, softmax

    tower = softmax.SoftmaxModel(resolve_params("softmax", {"optimizer": "adam"}), 5, 2, 2, 0)
    assert len(tower.slots) == 2 * len(tower.variables) + 1
    assert optim.OPTIMIZERS == ("sgd", "adagrad", "adam")


def test_full_batch_models_switch_to_the_gather_path(small_dataset, monkeypatch) -> None:
    dense = train(small_dataset, "mf", {"iterations": 20}, seed=3)
    monkeypatch.setattr(factorization, "DENSE_PREDICTION_MAX_CELLS", 10)
    gathered = train(small_dataset, "mf", {"iterations": 20}, seed=3)
    np.testing.assert_allclose(gathered.movie_embeddings, dense.movie_embeddings, atol=1e-4)
    engine = factorization.FullBatchMF(
        np.zeros((small_dataset.n_users, 3)), np.zeros((small_dataset.n_movies, 3)),
        small_dataset.ratings, None, resolve_params("mf"), False,
    )  # fmt: skip
    assert engine.config[0] is False  # no users×movies product is built


def test_wals_trains_on_small_generated_data(small_dataset) -> None:
    train_df, test_df = canonical_fold(small_dataset, 1)
    seen = []
    model = train(small_dataset, "wals", {"iterations": 4, "dim": 8}, train=train_df,
                  test=test_df, callback=seen.append)  # fmt: skip
    assert [p.step for p in seen] == [1, 2, 3, 4]
    losses = [h["train_loss"] for h in model.history]
    assert all(b <= a + 1e-9 for a, b in zip(losses, losses[1:], strict=False))  # ALS descends
    assert model.user_embeddings.shape == (small_dataset.n_users, 8)
    assert 0.0 < model.final_metrics["test_precision_at_10"] <= 1.0
    # fold-in of a training user's movies reproduces their row (the same exact solve)
    user = int(train_df["user"].iloc[0])
    movies = train_df.loc[train_df["user"] == user, "movie"].to_numpy()
    vector = foldin.fold_in(model, {int(m): 4.0 for m in movies})
    np.testing.assert_allclose(vector, model.user_embeddings[user], rtol=1e-3, atol=1e-4)
    again = train(small_dataset, "wals", {"iterations": 1, "dim": 8}, train=train_df,
                  init=model)  # fmt: skip
    assert again.history[-1]["step"] > model.history[-1]["step"]  # history continued
    assert train(small_dataset, "wals", {"iterations": 1}).n_movies == small_dataset.n_movies


@pytest.mark.ml100k
def test_wals_precision_on_ml100k_u1(ml100k) -> None:
    from movielens_tui.evaluate import Protocol, evaluate

    report = evaluate(ml100k, "wals", None, Protocol.canonical([1]))
    assert 0.40 <= report.mean["precision_at_10"] <= 0.60
    popularity = evaluate(ml100k, "popularity", None, Protocol.canonical([1]))
    assert report.mean["precision_at_10"] > popularity.mean["precision_at_10"] + 0.1


def test_restricted_ease_and_wals_survive_save_and_load(small_dataset) -> None:
    from movielens_tui.models import store

    for name, overrides in (("ease", {"top_n": 25}), ("wals", {"iterations": 2})):
        model = train(small_dataset, name, overrides, seed=0)
        loaded = store.from_bytes(store.to_bytes(model))
        store.check_dataset(loaded, small_dataset)
        assert loaded.info == model.info
        a = scoring.recommend(model, small_dataset, 3, k=10)
        b = scoring.recommend(loaded, small_dataset, 3, k=10)
        assert [h.movie for h in a] == [h.movie for h in b]
