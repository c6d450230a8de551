"""Typed messages that workers post to the UI thread (workers never touch widgets).

Each is a dataclass (Textual's ``Message`` initialises itself in ``__post_init__``).
A job's end is one message carrying its :data:`~movielens_tui.tui.jobs.Outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from movielens_tui.tui.jobs import Cancelled, Done, Failed, Outcome

if TYPE_CHECKING:
    from movielens_tui.data.dataset_view import DatasetView
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel
    from movielens_tui.tui.training_job import TrainedRun


@dataclass
class DatasetLoaded(Message):
    """The dataset finished loading in its worker.

    ``notice`` is one line saying a fallback release was opened instead of the one
    asked for (None otherwise); ``switch`` is True when the dataset picker asked for it.
    """

    dataset: Dataset
    movie_stats: Any
    title_index: Any
    notice: str | None = None
    switch: bool = False


@dataclass
class DatasetFailed(Message):
    """The dataset could not be loaded; ``message`` is one line for the user."""

    message: str
    name: str | None = None
    switch: bool = False


@dataclass
class DownloadProgress(Message):
    """Bytes downloaded so far while fetching the dataset (``name``; empty if unknown)."""

    done: int
    total: int
    name: str = ""
    switch: bool = False


@dataclass
class DatasetChosen(Message):
    """The dataset picker asks the app to open the release called ``name``."""

    name: str


@dataclass
class DatasetSwitchCancelled(Message):
    """The dataset picker asks the app to stop the download or load it started."""


@dataclass
class TrainingProgress(Message):
    """A training run reached ``step`` of ``total`` with these metric values.

    ``points`` holds every report since the previous message (the chart draws them all).
    """

    run: int
    step: int
    total: int
    metrics: dict[str, float]
    elapsed: float
    points: list[tuple[int, dict[str, float]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.points:
            self.points = [(self.step, self.metrics)]


@dataclass
class TrainingEnded(Message):
    """Training run ``run`` ended: Done (a :class:`TrainedRun`), Failed or Cancelled."""

    run: int
    outcome: Outcome[TrainedRun]

    @property
    def reason(self) -> str:
        """``done``, ``cancelled``, or the failure's kind (``diverged``, ``error``)."""
        if isinstance(self.outcome, Done):
            return "done"
        if isinstance(self.outcome, Cancelled):
            return "cancelled"
        return self.outcome.reason

    @property
    def trained(self) -> TrainedRun | None:
        return self.outcome.value if isinstance(self.outcome, Done) else None

    @property
    def message(self) -> str:
        """The failure's line for the user (empty when done)."""
        return "" if isinstance(self.outcome, Done) else self.outcome.message


@dataclass
class ProjectionEnded(Message):
    """The Map's projection for ``key`` (model id, method) ended."""

    key: tuple[int, str]
    outcome: Outcome[Any]


@dataclass
class ModelLoaded(Message):
    """A saved model was read (at start-up or from ``--model``)."""

    model: TrainedModel
    path: Path


@dataclass
class ModelActivated(Message):
    """``model`` became the app's active model (posted to the app)."""

    model: TrainedModel | None
    path: Path | None


@dataclass
class ModelLoadFailed(Message):
    """A saved model was refused (wrong dataset, corrupt, newer format...)."""

    path: Path
    message: str


@dataclass
class CompareProgressed(Message):
    """Comparison ``run`` moved on: a fit's step or a finished fold (``progress``, a
    :class:`movielens_tui.compare.CompareProgress`)."""

    run: int
    progress: Any


@dataclass
class CompareEnded(Message):
    """Comparison ``run`` ended: Done (a :class:`movielens_tui.compare.Comparison`, and
    where it was saved or why not), Failed or Cancelled."""

    run: int
    outcome: Outcome[Any]
    saved: Path | None = None
    note: str = ""


@dataclass
class DatasetViewReady(Message):
    """The Dataset pane's figures for one (occupation, genre, top-N) filter."""

    view: DatasetView


__all__ = [
    "Cancelled",
    "CompareEnded",
    "CompareProgressed",
    "DatasetChosen",
    "DatasetFailed",
    "DatasetLoaded",
    "DatasetSwitchCancelled",
    "DatasetViewReady",
    "Done",
    "DownloadProgress",
    "Failed",
    "ModelActivated",
    "ModelLoadFailed",
    "ModelLoaded",
    "ProjectionEnded",
    "TrainingEnded",
    "TrainingProgress",
]
