"""autorec (item-based AutoRec): training, the factor-model view, exact fold-in, store,
cancellation and its RMSE on ml-100k u1."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.data.splits import canonical_fold
from movielens_tui.errors import ModelError
from movielens_tui.models import foldin, store
from movielens_tui.models.kinds import kind_of
from movielens_tui.models.presets import get_preset
from movielens_tui.models.trainer import TrainingCancelled, default_split, train

pytest.importorskip("tensorflow")

from movielens_tui.models import autorec  # noqa: E402

QUICK = {"hidden_dims": [16], "iterations": 25, "regularization": 5.0}


@pytest.fixture(scope="module")
def model(small_dataset):
    return train(small_dataset, "autorec", QUICK, seed=0)


def _forward(model, dataset, ratings):
    """The autoencoder itself, in numpy: W h_i + c with h_i = sigmoid(V r_i + b)."""
    R = np.zeros((dataset.n_movies, dataset.n_users))
    R[ratings["movie"], ratings["user"]] = ratings["rating"]
    h = 1.0 / (1.0 + np.exp(-(R @ model.extra["encoder_0"] + model.extra["encoder_1"])))
    return h @ model.user_embeddings.T + model.user_bias + model.global_mean, h


def test_trains_reports_every_10_and_lowers_the_loss(small_dataset, model) -> None:
    assert [h["step"] for h in model.history] == [0, 10, 20, 25]
    assert {"train_rmse", "test_rmse", "loss"} <= set(model.history[-1])
    assert model.history[-1]["loss"] < model.history[0]["loss"]
    assert model.history[-1]["train_rmse"] < model.history[0]["train_rmse"]
    assert model.movie_embeddings.shape == (small_dataset.n_movies, 16)
    assert model.user_embeddings.shape == (small_dataset.n_users, 16)


def test_predictions_are_the_decoder_of_the_autoencoder(small_dataset, model) -> None:
    train_df, _ = default_split(small_dataset, get_preset("autorec"), model.params, 0)
    full, h = _forward(model, small_dataset, train_df)
    np.testing.assert_allclose(model.movie_embeddings, h, rtol=1e-4, atol=1e-5)
    users = np.array([0, 3, 5, 7])
    movies = np.array([1, 2, 9, 4])
    got = kind_of(model).predict(model, users, movies)
    np.testing.assert_allclose(got, full.T[users, movies], rtol=1e-4, atol=1e-4)


def test_fold_in_of_a_known_user_recovers_their_decoder_row(small_dataset) -> None:
    """At the optimum a user's row of W solves the very ridge problem fold-in solves."""
    fitted = train(small_dataset, "autorec", {**QUICK, "iterations": 400},
                   train=small_dataset.ratings, seed=1)  # fmt: skip
    kind = kind_of(fitted)
    user = int(small_dataset.ratings["user"].value_counts().index[0])
    rows = small_dataset.ratings[small_dataset.ratings["user"] == user]
    ratings = dict(zip(rows["movie"].tolist(), rows["rating"].tolist(), strict=True))
    query = kind.fold_in(fitted, ratings)
    known = kind.user_query(fitted, small_dataset, user)
    np.testing.assert_allclose(kind.score(fitted, query), kind.score(fitted, known), atol=0.05)
    hits = foldin.recommend_for_ratings(fitted, small_dataset, ratings, k=5)
    assert len(hits) == 5 and not {h.movie for h in hits} & set(ratings)


def test_fold_in_explanations_add_up(small_dataset, model) -> None:
    kind = kind_of(model)
    movies, values = np.array([1, 4, 6]), np.array([5.0, 2.0, 4.0])
    query = kind.fold_in(model, dict(zip(movies.tolist(), values.tolist(), strict=True)))
    targets = np.array([0, 2, 3, 9])
    base, share = kind.contributions(model, movies, values, targets)
    np.testing.assert_allclose(base + share.sum(axis=1), kind.score(model, query)[targets],
                               rtol=1e-4, atol=1e-4)  # fmt: skip
    terms = kind.explain(model, query, 2)
    assert terms["score"] == pytest.approx(float(kind.score(model, query)[2]), abs=1e-4)


def test_survives_save_and_load_and_continues(small_dataset, model, tmp_path) -> None:
    path = store.save(model, tmp_path / "autorec.npz")
    loaded = store.load(path, small_dataset)
    np.testing.assert_array_equal(loaded.movie_embeddings, model.movie_embeddings)
    np.testing.assert_array_equal(loaded.extra["encoder_0"], model.extra["encoder_0"])
    more = train(small_dataset, "autorec", {**QUICK, "iterations": 10}, init=loaded, seed=0)
    assert more.history[0]["step"] == 0 or more.history[0]["step"] >= 25
    assert more.history[-1]["loss"] <= model.history[-1]["loss"] * 1.001


def test_cancel_and_too_large_catalogue(small_dataset, monkeypatch) -> None:
    with pytest.raises(TrainingCancelled):
        train(small_dataset, "autorec", QUICK, should_stop=lambda: True)
    monkeypatch.setattr(autorec, "MAX_CELLS", 100)
    with pytest.raises(ModelError, match="biased-mf"):
        train(small_dataset, "autorec", QUICK)


def test_the_optimizer_minimises_a_quadratic() -> None:
    tf = autorec.tf
    A = np.diag(np.arange(1.0, 11.0)).astype(np.float32)
    target = np.linspace(-1, 1, 10).astype(np.float32)

    def evaluate(x):
        r = tf.linalg.matvec(tf.constant(A), x) - target
        return 0.5 * tf.reduce_sum(r * r), tf.linalg.matvec(tf.constant(A), r, True), r

    opt = autorec._LBFGS(evaluate, tf.zeros(10))
    for _ in range(40):
        if not opt.step():
            break
    np.testing.assert_allclose(opt.x.numpy(), target / np.arange(1.0, 11.0), atol=1e-3)


def test_the_biased_mf_blend_is_one_factor_model(small_dataset, model) -> None:
    """(1 − α)·autorec + α·biased-mf, each trained as on its own, in one set of vectors."""
    blend = train(small_dataset, "autorec", {**QUICK, "mf_weight": 0.4}, seed=0)
    kind = kind_of(blend)
    assert blend.dim == 16 + 64 and blend.movie_bias is not None
    train_df, _ = default_split(small_dataset, get_preset("autorec"), blend.params, 0)
    mf = train(small_dataset, "biased-mf", train=train_df, seed=0)
    users = np.repeat(np.arange(small_dataset.n_users), 3)
    movies = np.tile(np.array([1, 2, 9]), small_dataset.n_users)
    expected = 0.6 * model.predict(users, movies, False) + 0.4 * mf.predict(users, movies, False)
    np.testing.assert_allclose(blend.predict(users, movies, False), expected, rtol=1e-4, atol=1e-4)
    movies_r, values = np.array([1, 4, 6]), np.array([5.0, 2.0, 4.0])
    query = kind.fold_in(blend, dict(zip(movies_r.tolist(), values.tolist(), strict=True)))
    targets = np.array([0, 2, 3])
    base, share = kind.contributions(blend, movies_r, values, targets)
    np.testing.assert_allclose(base + share.sum(axis=1), kind.score(blend, query)[targets],
                               rtol=1e-4, atol=1e-4)  # fmt: skip
    more = train(small_dataset, "autorec", {**QUICK, "mf_weight": 0.4, "iterations": 5},
                 init=blend, seed=0)  # fmt: skip
    np.testing.assert_allclose(more.movie_embeddings[:, 16:], blend.movie_embeddings[:, 16:])


@pytest.mark.ml100k
@pytest.mark.slow
def test_u1_rmse_on_ml100k(ml100k) -> None:
    """autorec-mf's defaults on u1 (one to two minutes): below IGMC's published 0.905; its
    autoencoder part alone, read from the same vectors, below biased-mf's 0.917."""
    from movielens_tui.evaluate import rating_metrics

    train_df, test_df = canonical_fold(ml100k, 1)
    fitted = train(ml100k, "autorec-mf", train=train_df, test=test_df, seed=0)
    assert 0.86 < rating_metrics(fitted, test_df)["rmse"] < 0.905
    width, alpha = int(fitted.params["hidden_dims"][-1]), float(fitted.params["mf_weight"])
    users, movies = test_df["user"].to_numpy(), test_df["movie"].to_numpy()
    dots = np.einsum("ij,ij->i", fitted.user_embeddings[users, :width],
                     fitted.movie_embeddings[movies, :width])  # fmt: skip
    alone = dots / (1.0 - alpha) + fitted.extra["decoder_bias"][users]
    rmse = float(np.sqrt(np.mean((np.clip(alone, 1, 5) - test_df["rating"].to_numpy()) ** 2)))
    assert 0.86 < rmse < 0.915
