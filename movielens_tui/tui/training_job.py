"""Training as a job (Train and You panes): train, save, and say how it ended, once.

:func:`train_job` is called from a thread worker. The trainer runs on a daemon thread
(:func:`movielens_tui.tui.jobs.run_job`) so a cancel takes effect at once: the trainer
notices ``should_stop`` at its next report and the app never waits for TensorFlow.
Progress goes to the UI as :class:`TrainingProgress` messages, at most one per
``POST_INTERVAL``; the end is one :data:`Outcome` of a :class:`TrainedRun` (the model
and where it was saved), which the panes only show.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from movielens_tui.tui.jobs import Cancelled, Done, Failed, Outcome, run_job
from movielens_tui.tui.messages import TrainingProgress
from movielens_tui.tui.priority import freeze_heap

if TYPE_CHECKING:
    import threading

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel

TRAIN_THREAD_NAME = "movielens-train"  # run_app leaves without waiting for such threads
POST_INTERVAL = 0.2  # seconds between progress messages (at most ~5 per second)


@dataclass(frozen=True)
class TrainedRun:
    """A finished run: its model, where it was saved (None: not saved) and a note."""

    model: TrainedModel
    path: Path | None = None
    note: str = ""


def train_job(
    post: Callable[[Message], Any],
    run: int,
    dataset: Dataset,
    preset: str,
    params: dict[str, Any],
    *,
    save_as: Path | None = None,
    grace: float = 0.25,
    on_start: Callable[[threading.Thread], None] | None = None,
) -> Outcome[TrainedRun]:
    """Train ``preset`` on ``dataset`` (posting progress), then save it at ``save_as``.

    A model that cannot be saved is still a success (its note says why). Cancelled:
    the worker was cancelled or the trainer stopped; Failed: diverged (``reason``
    ``diverged``) or any other error, with one line for the user.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    pending: list[tuple[int, dict[str, float]]] = []
    last_post = [0.0]
    frozen = [False]

    def callback(progress: Any) -> None:
        if not frozen[0]:  # TensorFlow is loaded and the step traced by now
            frozen[0] = True
            freeze_heap()
        pending.append((int(progress.step), dict(progress.metrics)))
        now = time.monotonic()
        if now - last_post[0] >= POST_INTERVAL or progress.step >= progress.total:
            last_post[0] = now
            points = pending[:]
            pending.clear()
            post(TrainingProgress(
                run, int(progress.step), int(progress.total), dict(progress.metrics),
                float(progress.elapsed), points,
            ))  # fmt: skip

    def work(should_stop: Callable[[], bool]) -> TrainedModel:
        from movielens_tui.models import trainer

        return trainer.train(dataset, preset, params, callback=callback, should_stop=should_stop)

    from movielens_tui.models.trainer import TrainingCancelled, TrainingDiverged

    outcome = run_job(work, name=TRAIN_THREAD_NAME, low_priority=True, grace=grace,
                      cancelled_by=(TrainingCancelled,), what="training",
                      on_start=on_start)  # fmt: skip
    if isinstance(outcome, Failed) and isinstance(outcome.error, TrainingDiverged):
        return Failed(outcome.message, outcome.error, reason="diverged")
    if not isinstance(outcome, Done):
        return outcome
    if save_as is None:
        return Done(TrainedRun(outcome.value))
    return Done(_save(outcome.value, save_as))


def _save(model: TrainedModel, path: Path) -> TrainedRun:
    """Save at ``path``; if that fails, in a fallback file in the system's temporary
    folder (not the app's private one, removed on quit), named in the note."""
    from movielens_tui.errors import MovieLensError
    from movielens_tui.models import store
    from movielens_tui.tui.process import system_temp_dir

    try:
        saved = store.save_or_fallback(model, path, fallback_dir=system_temp_dir())
    except (OSError, MovieLensError) as exc:
        return TrainedRun(model, None, f"not saved: {exc}")
    except Exception as exc:  # noqa: BLE001 - the model is kept, unsaved
        return TrainedRun(model, None, f"not saved: {exc!r}")
    if saved.error:  # the model is active, and kept in the fallback file
        return TrainedRun(model, None, saved.error)
    return TrainedRun(model, saved.path)


__all__ = ["Cancelled", "Done", "Failed", "TRAIN_THREAD_NAME", "TrainedRun", "train_job"]
