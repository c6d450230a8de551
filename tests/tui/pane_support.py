"""Helpers for the Neighbors / Users / Map / You pane tests: a small trained model, an
app with it active, and readers for the tables.

A few training iterations on the generated dataset (TensorFlow is imported once per
test session; later trainings take a fraction of a second); on the real ml-latest-small
an untrained model of the right shape (:func:`random_model`) keeps the tests fast.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from textual.pilot import Pilot

from movielens_tui.data.movielens import Dataset, load_folder
from movielens_tui.models.trained import TrainedModel
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.messages import TrainingEnded
from movielens_tui.tui.widgets.results_table import ResultsTable

TRAIN_PARAMS = {"iterations": 30, "dim": 8}


@lru_cache(maxsize=4)
def trained_model(data_dir: Path, preset: str = "mf") -> TrainedModel:
    """A model trained for a few iterations on the dataset in ``data_dir`` (cached)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from movielens_tui.models import trainer

    return trainer.train(load_folder(data_dir), preset, TRAIN_PARAMS, seed=0)


def random_model(dataset: Dataset, dim: int = 8, seed: int = 0) -> TrainedModel:
    """An untrained "mf" model of ``dataset``'s shape: no TensorFlow, instant even for
    ml-latest-small's 9,742 movies (the panes only need embeddings to score)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return TrainedModel(
        preset="mf",
        kind="mf",
        params={"dim": dim},
        movie_embeddings=rng.normal(0, 0.5, (dataset.n_movies, dim)).astype(np.float32),
        user_embeddings=rng.normal(0, 0.5, (dataset.n_users, dim)).astype(np.float32),
        dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
        rating_range=(dataset.scale.low, dataset.scale.high),
    )


async def settle(pilot: Pilot, app: MovieLensApp, rounds: int = 3) -> None:
    """Let workers finish and posted messages be handled."""
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def start(pilot: Pilot, app: MovieLensApp, model: TrainedModel | None) -> Dataset:
    """Wait for the dataset, make ``model`` active; returns the app's dataset."""
    await settle(pilot, app)
    assert app.dataset is not None, app.data_error
    if model is not None:
        app.set_active_model(model)
        await pilot.pause()
    return app.dataset


def column(table: ResultsTable, key: str) -> list[str]:
    """The shown text of one column, top to bottom."""
    return [table.cell_text(row, key) for row in range(table.row_count)]


def titles(dataset: Dataset, movies: list[int]) -> list[str]:
    return [str(dataset.movies["title"].iat[m]) for m in movies]


def ended_done(message: object) -> bool:
    """A training run's end with a model."""
    return isinstance(message, TrainingEnded) and message.trained is not None


def ended_failed(message: object) -> bool:
    """A training run's end without a model (cancelled, diverged, error)."""
    return isinstance(message, TrainingEnded) and message.trained is None
