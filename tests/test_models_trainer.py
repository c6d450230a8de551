"""Trainer: progress, cancellation within a reporting interval, divergence, dispatch."""

from __future__ import annotations

import numpy as np
import pytest

from movielens_tui.errors import ModelError, ParamError
from movielens_tui.models import trainer as trainer_module
from movielens_tui.models.trainer import (
    KINDS,
    TrainingCancelled,
    TrainingDiverged,
    kind_function,
    report_steps,
    train,
)


def test_report_steps_cover_n_plus_one_steps() -> None:
    for n in (1, 9, 10, 11, 25, 1000):
        chunks = report_steps(n)
        assert sum(k for _, k in chunks) == n + 1
        starts = [s for s, _ in chunks]
        assert starts[-1] == n and starts[0] == 0
        assert all(s % 10 == 0 for s in starts[:-1])


def test_registry_is_lazy_and_complete() -> None:
    assert KINDS["ease"] == "movielens_tui.models.ease:fit"
    assert set(KINDS) == {
        "mf", "regularized", "biased-mf", "softmax", "ease", "wals", "popularity", "autorec",
        "ease-pop", "ease-wals",
    }  # fmt: skip
    with pytest.raises(ModelError):
        kind_function("nope")


def test_cancel_stops_within_one_reporting_interval(small_dataset) -> None:
    seen = []

    def should_stop() -> bool:
        return len(seen) >= 3

    with pytest.raises(TrainingCancelled) as info:
        train(small_dataset, "mf", {"iterations": 500}, callback=seen.append,
              should_stop=should_stop)  # fmt: skip
    assert [p.step for p in seen] == [0, 10, 20]
    assert info.value.step == 20


def test_cancel_before_start(small_dataset) -> None:
    with pytest.raises(TrainingCancelled):
        train(small_dataset, "mf", {"iterations": 5}, should_stop=lambda: True)


def test_divergence_keeps_last_finite_embeddings(small_dataset) -> None:
    with pytest.raises(TrainingDiverged) as info:
        train(small_dataset, "mf", {"iterations": 200, "learning_rate": 1000.0, "init_stddev": 3})
    error = info.value
    assert isinstance(error, ModelError)
    assert "not finite" in str(error) and "learning rate" in str(error)
    last = error.last_model
    assert last is not None
    assert np.isfinite(last.movie_embeddings).all() and np.isfinite(last.user_embeddings).all()
    assert last.preset == "mf" and last.history
    assert all(np.isfinite(v) for h in last.history for v in h.values())


def test_biased_mf_divergence(small_dataset) -> None:
    with pytest.raises(TrainingDiverged) as info:
        train(small_dataset, "biased-mf", {"epochs": 50, "learning_rate": 900.0, "dim": 4,
                                           "batch_size": 32})  # fmt: skip
    assert (
        info.value.last_model is None or np.isfinite(info.value.last_model.movie_embeddings).all()
    )


def test_bad_params_and_mismatched_init(small_dataset) -> None:
    with pytest.raises(ParamError):
        train(small_dataset, "mf", {"dim": 0})
    model = train(small_dataset, "mf", {"iterations": 1})
    with pytest.raises(ModelError, match="cannot continue"):
        train(small_dataset, "regularized", {"iterations": 1}, init=model)
    with pytest.raises(ModelError, match="do not match"):
        train(small_dataset, "mf", {"iterations": 1, "dim": 7}, init=model)


def test_custom_kind_gets_the_documented_keywords(small_dataset, monkeypatch) -> None:
    calls = {}

    def fake_fit(dataset, params, *, train, test, seed, reporter, init, strategy):
        calls.update(params=params, n_train=len(train), n_test=len(test), seed=seed)
        reporter.report(0, {"score": 1.0})
        from movielens_tui.models.trained import TrainedModel

        return TrainedModel("", "", params, np.zeros((dataset.n_movies, 2), np.float32))

    monkeypatch.setitem(trainer_module.KINDS, "ease", "tests.fake:fit")
    monkeypatch.setattr(trainer_module, "kind_function", lambda kind: fake_fit)
    model = train(small_dataset, "ease", {"regularization": "50"}, seed=7)
    assert calls["params"]["regularization"] == 50.0 and calls["seed"] == 7
    assert calls["n_train"] + calls["n_test"] == small_dataset.n_ratings
    assert model.preset == "ease" and model.kind == "ease"
    assert model.history == [{"step": 0, "score": 1.0}]


def test_a_second_training_waits_for_the_first_and_can_be_stopped_while_waiting(
    small_dataset,
) -> None:
    import threading

    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def callback(progress) -> None:
        started.set()
        release.wait(timeout=30)

    def first_run() -> None:
        train(small_dataset, "mf", {"iterations": 20}, callback=callback)
        done.append("first")

    first = threading.Thread(target=first_run)
    first.start()
    try:
        assert started.wait(timeout=60)
        with pytest.raises(TrainingCancelled):  # stopped while waiting for the first one
            train(small_dataset, "mf", {"iterations": 2}, should_stop=lambda: True)
        stops = iter([False] * 3 + [True])
        with pytest.raises(TrainingCancelled):
            train(small_dataset, "mf", {"iterations": 2}, should_stop=lambda: next(stops))
        assert done == []  # the first one was never disturbed
    finally:
        release.set()
        first.join(timeout=60)
    assert done == ["first"]
    assert train(small_dataset, "mf", {"iterations": 2}).history  # the lock was released
