"""The colab's sparse MSE, hand-written gradients and the mf / regularized / biased-mf fits."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.data.splits import split_dataframe

tf_module = pytest.importorskip("tensorflow")

from movielens_tui.models import factorization as F  # noqa: E402
from movielens_tui.models.trainer import train  # noqa: E402

tf = F.tf


def _embeddings(dataset, dim=5, seed=0):
    rng = np.random.default_rng(seed)
    U = tf.Variable(rng.normal(0, 0.5, (dataset.n_users, dim)).astype(np.float32))
    V = tf.Variable(rng.normal(0, 0.5, (dataset.n_movies, dim)).astype(np.float32))
    return U, V


def test_sparse_tensor_and_both_mse_forms_agree(small_dataset) -> None:
    A = F.build_rating_sparse_tensor(small_dataset.ratings, small_dataset.n_users,
                                     small_dataset.n_movies)  # fmt: skip
    assert tuple(A.dense_shape.numpy()) == (small_dataset.n_users, small_dataset.n_movies)
    assert A.values.dtype == tf.float32 and A.indices.shape[0] == small_dataset.n_ratings
    U, V = _embeddings(small_dataset)
    a = float(F.sparse_mean_square_error(A, U, V))
    b = float(F.sparse_mean_square_error_gather(A, U, V))
    r = small_dataset.ratings
    pred = np.einsum("ij,ij->i", U.numpy()[r["user"]], V.numpy()[r["movie"]])
    expected = float(np.mean((r["rating"].to_numpy() - pred) ** 2))
    assert a == pytest.approx(b, rel=1e-5)
    assert a == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("regularized", [False, True])
@pytest.mark.parametrize("dim", [5, 40])
def test_hand_written_gradients_match_gradient_tape(small_dataset, regularized, dim) -> None:
    U, V = _embeddings(small_dataset, dim)
    ratings = small_dataset.ratings
    A = F.build_rating_sparse_tensor(ratings, small_dataset.n_users, small_dataset.n_movies)
    with tf.GradientTape() as tape:
        if regularized:
            loss = F.regularized_loss(A, U, V, 0.1, 1.0)
        else:
            loss = F.sparse_mean_square_error(A, U, V)
    expected = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, [U, V])]
    for dense in (True, False):
        data = F._rating_tensors(ratings, small_dataset.n_movies)
        hyper = tf.constant([1.0, 0.1, 1.0])
        dims = tf.constant([small_dataset.n_users, small_dataset.n_movies], tf.int64)
        config = (dense, regularized, "sgd", True)
        terms, grads = F._full_batch_terms(U, V, data, hyper, config, dims)
        total = sum(float(v) for v in terms.values())
        assert total == pytest.approx(float(loss), rel=1e-5)
        for got, want in zip(grads, expected, strict=True):
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-6)


def test_gravity_matches_its_definition() -> None:
    rng = np.random.default_rng(1)
    U = rng.normal(size=(7, 3)).astype(np.float32)
    V = rng.normal(size=(5, 3)).astype(np.float32)
    expected = np.sum((U @ V.T) ** 2) / (7 * 5)
    assert float(F.gravity(tf.constant(U), tf.constant(V))) == pytest.approx(expected, rel=1e-5)


def test_mf_runs_n_plus_one_steps_and_reports_every_10(small_dataset) -> None:
    progress = []
    model = train(small_dataset, "mf", {"iterations": 25, "learning_rate": 1.0},
                  callback=progress.append)  # fmt: skip
    assert [h["step"] for h in model.history] == [0, 10, 20, 25]
    assert [p.step for p in progress] == [0, 10, 20, 25]
    assert all(p.total == 25 for p in progress)
    assert set(model.history[-1]) == {"step", "train_error", "test_error"}
    assert model.history[-1]["train_error"] < model.history[0]["train_error"]
    assert model.user_embeddings.shape == (small_dataset.n_users, 30)
    assert model.movie_embeddings.dtype == np.float32
    assert model.dataset_fingerprint == small_dataset.fingerprint
    assert model.fit_seconds > 0


def test_one_iteration_is_two_steps(small_dataset) -> None:
    """iterations=1 runs steps 0 and 1 (the colab's range(num_iterations + 1))."""
    model = train(small_dataset, "mf", {"iterations": 1, "learning_rate": 1.0})
    assert [h["step"] for h in model.history] == [0, 1]


def test_seeded_runs_are_reproducible_and_seeds_differ(small_dataset) -> None:
    a = train(small_dataset, "mf-lowinit", {"iterations": 20}, seed=3)
    b = train(small_dataset, "mf-lowinit", {"iterations": 20}, seed=3)
    c = train(small_dataset, "mf-lowinit", {"iterations": 20}, seed=4)
    np.testing.assert_allclose(a.movie_embeddings, b.movie_embeddings, rtol=1e-5, atol=1e-6)
    assert [h["train_error"] for h in a.history] == pytest.approx(
        [h["train_error"] for h in b.history], rel=1e-5
    )
    assert not np.allclose(a.movie_embeddings, c.movie_embeddings)


def test_second_call_continues_from_previous_model(small_dataset) -> None:
    train_df, test_df = split_dataframe(small_dataset.ratings, 0.1, seed=0)
    params = {"iterations": 30, "learning_rate": 1.0}
    first = train(small_dataset, "mf", params, train=train_df, test=test_df)
    second = train(small_dataset, "mf", params, train=train_df, test=test_df, init=first)
    steps = [h["step"] for h in second.history]
    assert steps[: len(first.history)] == [h["step"] for h in first.history]
    assert steps[len(first.history)] == 31 and steps[-1] == 61
    continued = second.history[len(first.history)]["train_error"]
    assert continued == pytest.approx(first.history[-1]["train_error"], rel=0.2)
    assert continued < first.history[0]["train_error"]
    assert second.fit_seconds > first.fit_seconds


def test_regularized_reports_both_metric_groups(small_dataset) -> None:
    model = train(small_dataset, "regularized", {"iterations": 10, "learning_rate": 1.0})
    last = model.history[-1]
    for group in model.metric_groups:
        for name in group:
            assert np.isfinite(last[name])
    assert last["observed_loss"] == last["train_error_observed"]
    assert last["gravity_loss"] > 0 and last["regularization_loss"] > 0
    assert model.extra["ratings_per_user"] > 0


@pytest.mark.parametrize("optimizer", ["adagrad", "adam"])
def test_other_optimizers_reduce_the_loss(small_dataset, optimizer) -> None:
    model = train(small_dataset, "mf", {"iterations": 30, "optimizer": optimizer,
                                        "learning_rate": 0.1})  # fmt: skip
    assert model.history[-1]["train_error"] < model.history[0]["train_error"]


def test_train_without_test_split_has_no_test_metrics(small_dataset) -> None:
    model = train(small_dataset, "mf", {"iterations": 5}, train=small_dataset.ratings)
    assert "test_error" not in model.history[-1]


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "adam"])
def test_biased_mf_minibatches_learn(small_dataset, optimizer) -> None:
    lr = {"sgd": 0.02, "adagrad": 0.1, "adam": 0.01}[optimizer]
    progress = []
    model = train(small_dataset, "biased-mf",
                  {"epochs": 8, "batch_size": 64, "dim": 8, "optimizer": optimizer,
                   "learning_rate": lr}, callback=progress.append)  # fmt: skip
    assert [p.step for p in progress] == list(range(1, 9))
    first, last = model.history[0], model.history[-1]
    assert last["train_rmse"] < first["train_rmse"]
    assert np.isfinite(last["test_rmse"])
    assert model.user_bias.shape == (small_dataset.n_users,)
    assert model.movie_bias.shape == (small_dataset.n_movies,)
    mean = float(small_dataset.ratings["rating"].mean())
    assert abs(model.global_mean - mean) < 0.3
    r = small_dataset.ratings
    pred = model.predict(r["user"].to_numpy(), r["movie"].to_numpy())
    assert pred.min() >= 1.0 and pred.max() <= 5.0


def test_biased_mf_averaging_and_reproducibility(small_dataset) -> None:
    params = {"epochs": 6, "batch_size": 100, "dim": 6, "averaging": 0.5}
    a = train(small_dataset, "biased-mf", params, seed=1)
    b = train(small_dataset, "biased-mf", params, seed=1)
    np.testing.assert_allclose(a.user_embeddings, b.user_embeddings, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a.movie_bias, b.movie_bias, rtol=1e-5, atol=1e-6)


def test_biased_mf_xla_loop_matches_the_plain_loop(small_dataset, monkeypatch) -> None:
    params = {"epochs": 3, "batch_size": 64, "dim": 6}
    compiled = train(small_dataset, "biased-mf", params, seed=2)
    monkeypatch.setattr(F, "USE_XLA", False)
    plain = train(small_dataset, "biased-mf", params, seed=2)
    np.testing.assert_allclose(compiled.movie_embeddings, plain.movie_embeddings, atol=1e-5)
    np.testing.assert_allclose(compiled.user_bias, plain.user_bias, atol=1e-5)
    assert compiled.history[-1]["test_rmse"] == pytest.approx(plain.history[-1]["test_rmse"])


def test_biased_mf_defaults_stay_stable_when_one_batch_holds_every_rating(small_dataset) -> None:
    # ~1350 training ratings < batch 2048: every epoch is one batch in which a popular row
    # appears dozens of times; without the per-row step cap lr 0.1 diverges here.
    model = train(small_dataset, "biased-mf", seed=0)
    train_rmse = [h["train_rmse"] for h in model.history]
    assert train_rmse[-1] < train_rmse[0]
    assert model.history[-1]["test_rmse"] < 1.0
    assert np.isfinite(model.movie_embeddings).all()


@pytest.mark.parametrize("preset", ["mf", "regularized", "biased-mf"])
def test_fits_of_other_sizes_reuse_traces_safely(preset, small_dataset, tmp_path) -> None:
    """A trace made for one users × movies size must not leak that size into the next fit
    (the You pane retrains with one extra user after other fits in the same process)."""
    from movielens_tui.data.movielens import load_folder
    from movielens_tui.data.synthetic import write_movielens_folder

    other = load_folder(write_movielens_folder(tmp_path / "other", 90, 110, 2500, seed=3))
    extended, _ = small_dataset.with_extra_user({0: 5.0, 3: 1.0})
    params = {"iterations": 12, "learning_rate": 5.0} if preset != "biased-mf" else {"epochs": 2}
    for dataset in (other, small_dataset, extended):
        model = train(dataset, preset, {**params, "dim": 8}, seed=0)
        assert model.movie_embeddings.shape == (dataset.n_movies, 8)
        assert all(np.isfinite(v) for h in model.history for v in h.values())


# The full-batch trainer's reports, pinned from the implementation before the speed work
# (dense U·Vᵀ + sparse-dense matmuls, one tf.function call per interval): a faster step
# must give the same numbers to float32 tolerance. Generated data, seed 7.
PINNED_FULL_BATCH = [
    ("mf", {"iterations": 25}, (
        [14.877, 14.8163],
        [5.21, 12.6198],
        [2.40769, 11.8105],
        [0.672365, 7.67354],
    ), (860.828, 1098.53)),
    ("mf", {"iterations": 25, "learning_rate": 1.0}, (
        [14.877, 14.8163],
        [8.26343, 12.3789],
        [2.49874, 6.88677],
        [1.48028, 5.51597],
    ), (790.723, 1033.08)),
    ("regularized", {"iterations": 25, "learning_rate": 1.0}, (
        [13.2496, 13.2164, 13.2496, 0.017304, 0.000211772],
        [13.1126, 13.1493, 13.1126, 0.0191961, 0.00040092],
        [12.0975, 12.2707, 12.0975, 0.0434061, 0.0157336],
        [10.2356, 10.5604, 10.2356, 0.0908675, 0.123262],
    ), (209.426, 247.923)),
    ("mf", {"iterations": 25, "optimizer": "adam", "learning_rate": 0.1}, (
        [14.877, 14.8163],
        [0.86491, 6.93516],
        [0.50733, 5.44003],
        [0.214917, 6.53977],
    ), (862.162, 1291.81)),
    ("mf", {"iterations": 25, "optimizer": "adagrad", "learning_rate": 0.1}, (
        [14.877, 14.8163],
        [12.8317, 14.4916],
        [10.9021, 13.8405],
        [9.88595, 13.3207],
    ), (698.578, 943.837)),
]  # fmt: skip


@pytest.mark.parametrize(("preset", "params", "reports", "sums"), PINNED_FULL_BATCH)
def test_full_batch_reports_match_the_pinned_numbers(
    small_dataset, preset, params, reports, sums
) -> None:
    model = train(small_dataset, preset, params, seed=7)
    assert [h["step"] for h in model.history] == [0, 10, 20, 25]
    got = [[v for k, v in h.items() if k != "step"] for h in model.history]
    for row, want in zip(got, reports, strict=True):
        assert row == pytest.approx(want, rel=2e-4, abs=1e-6)
    assert float(np.abs(model.user_embeddings).sum()) == pytest.approx(sums[0], rel=2e-4)
    assert float(np.abs(model.movie_embeddings).sum()) == pytest.approx(sums[1], rel=2e-4)


def test_full_batch_paths_agree_and_the_default_depends_on_dim(small_dataset) -> None:
    """The XLA gather-and-dot, the plain gather ops and the dense U·Vᵀ train alike."""
    from movielens_tui.models.presets import resolve_params

    train_df, test_df = split_dataframe(small_dataset.ratings, 0.1, seed=0)
    params = resolve_params("mf", {"learning_rate": 1.0})
    rng = np.random.default_rng(0)
    U0 = rng.normal(0, 0.5, (small_dataset.n_users, 30)).astype(np.float32)
    V0 = rng.normal(0, 0.5, (small_dataset.n_movies, 30)).astype(np.float32)
    runs = {}
    for path in ("xla", "gather", "dense"):
        engine = F.FullBatchMF(U0, V0, train_df, test_df, params, False, path=path)
        reports = [engine.run(10) for _ in range(3)]
        runs[path] = (reports, engine.arrays())
    for path in ("gather", "dense"):
        for got, want in zip(runs[path][0], runs["xla"][0], strict=True):
            assert got == pytest.approx(want, rel=1e-5)
        for got, want in zip(runs[path][1], runs["xla"][1], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    default = F.FullBatchMF(U0, V0, train_df, test_df, params, False)
    assert default.path == ("xla" if F.USE_XLA else "dense")
    wide = np.zeros((small_dataset.n_users, F.XLA_GATHER_MAX_DIM + 3), np.float32)
    wide_v = np.zeros((small_dataset.n_movies, F.XLA_GATHER_MAX_DIM + 3), np.float32)
    assert F.FullBatchMF(wide, wide_v, train_df, None, params, True).path == "dense"
