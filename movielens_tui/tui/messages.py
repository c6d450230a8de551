"""Typed messages that workers post to the UI thread (workers never touch widgets)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel


class DatasetLoaded(Message):
    """The dataset finished loading in its worker.

    ``notice`` is one line saying a fallback release was opened instead of the one
    asked for (None otherwise); ``switch`` is True when the dataset picker asked for it.
    """

    def __init__(
        self,
        dataset: Dataset,
        movie_stats: Any,
        title_index: Any,
        notice: str | None = None,
        switch: bool = False,
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.movie_stats = movie_stats
        self.title_index = title_index
        self.notice = notice
        self.switch = switch


class DatasetFailed(Message):
    """The dataset could not be loaded; ``message`` is one line for the user."""

    def __init__(self, message: str, name: str | None = None, switch: bool = False) -> None:
        super().__init__()
        self.message = message
        self.name = name
        self.switch = switch


class DownloadProgress(Message):
    """Bytes downloaded so far while fetching the dataset (``name``; empty if unknown)."""

    def __init__(self, done: int, total: int, name: str = "", switch: bool = False) -> None:
        super().__init__()
        self.done = done
        self.total = total
        self.name = name
        self.switch = switch


class DatasetChosen(Message):
    """The dataset picker asks the app to open the release called ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class DatasetSwitchCancelled(Message):
    """The dataset picker asks the app to stop the download or load it started."""


class TrainingProgress(Message):
    """A training run reached ``step`` of ``total`` with these metric values."""

    def __init__(
        self,
        run: int,
        step: int,
        total: int,
        metrics: dict[str, float],
        elapsed: float,
        points: list[tuple[int, dict[str, float]]] | None = None,
    ) -> None:
        super().__init__()
        self.run = run
        self.step = step
        self.total = total
        self.metrics = metrics
        self.elapsed = elapsed
        self.points = points if points is not None else [(step, metrics)]
        """Every report since the previous message (the chart draws them all)."""


class TrainingFinished(Message):
    """A training run produced ``model`` (saved at ``path``, or None if saving failed)."""

    def __init__(self, run: int, model: TrainedModel, path: Path | None, note: str = "") -> None:
        super().__init__()
        self.run = run
        self.model = model
        self.path = path
        self.note = note


class TrainingFailed(Message):
    """A run ended without a usable model: ``reason`` is cancelled, diverged or error."""

    def __init__(self, run: int, reason: str, message: str) -> None:
        super().__init__()
        self.run = run
        self.reason = reason
        self.message = message


class ModelLoaded(Message):
    """A saved model was read (at start-up or from ``--model``)."""

    def __init__(self, model: TrainedModel, path: Path) -> None:
        super().__init__()
        self.model = model
        self.path = path


class ModelActivated(Message):
    """``model`` became the app's active model (posted to the app)."""

    def __init__(self, model: TrainedModel | None, path: Path | None) -> None:
        super().__init__()
        self.model = model
        self.path = path


class ModelLoadFailed(Message):
    """A saved model was refused (wrong dataset, corrupt, newer format...)."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__()
        self.path = path
        self.message = message


class DatasetViewReady(Message):
    """The Dataset pane's figures for one (occupation, genre, top-N) filter."""

    def __init__(self, view: Any) -> None:
        super().__init__()
        self.view = view
