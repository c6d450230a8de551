"""One way to run background work from the UI: a job on a daemon thread, driven by the
current Textual thread worker, ending in a typed :data:`Outcome`.

The dataset load, training (Train and You panes) and the Map's t-SNE all use it::

    @work(thread=True, exclusive=True, group="map-project", exit_on_error=False)
    def _project(self, ...) -> None:
        outcome = run_job(lambda stop: embedding_map.project(..., should_stop=stop))
        self.post_message(ProjectionEnded(key, outcome))

``run_job`` runs the work on a daemon thread and polls it, so a cancel takes effect at
once even when the work is stuck where it cannot look at ``should_stop`` (a socket read
of a stalled download, sklearn's t-SNE): the worker returns :class:`Cancelled` and the
thread is left to finish or die with the process (``run_app`` never waits for job
threads). Work that can stop early is handed ``should_stop``; the way it stops (an
exception of its own) is recognised by ``cancelled_by``. Everything else the work
raises becomes :class:`Failed`, with one line for the user; the pane only shows it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeAlias, TypeVar

from textual.worker import get_current_worker

from movielens_tui.tui.priority import lower_thread_priority

T = TypeVar("T")
StopFlag: TypeAlias = Callable[[], bool]

JOB_THREAD_NAME = "movielens-job"  # run_app leaves without waiting for these threads
POLL = 0.05  # seconds between looks at the worker's cancel flag


@dataclass(frozen=True)
class Done(Generic[T]):
    """The job produced ``value``."""

    value: T


@dataclass(frozen=True)
class Failed:
    """The job raised: ``message`` is one line for the user; ``reason`` a short kind
    (``error``, or one the job names, such as ``diverged``)."""

    message: str
    error: BaseException | None = None
    reason: str = "error"


@dataclass(frozen=True)
class Cancelled:
    """The job was cancelled (by the user, a newer job, a dataset switch, quitting)."""

    message: str = "cancelled"


Outcome: TypeAlias = Done[T] | Failed | Cancelled


def describe(error: BaseException, what: str = "the job") -> str:
    """One line for the user: a domain error's own text, else ``what failed: repr``."""
    from movielens_tui.errors import MovieLensError

    if isinstance(error, MovieLensError):
        return str(error)
    return f"{what} failed: {error!r}"


def run_job(
    work: Callable[[StopFlag], T],
    *,
    name: str = JOB_THREAD_NAME,
    low_priority: bool = False,
    grace: float = 0.0,
    cancelled_by: tuple[type[BaseException], ...] = (),
    what: str = "the job",
    on_start: Callable[[threading.Thread], None] | None = None,
    poll: float = POLL,
) -> Outcome[T]:
    """Run ``work(should_stop)`` on a daemon thread from the current thread worker.

    Returns as soon as the work ends or the worker is cancelled (then after waiting at
    most ``grace`` seconds for the work to notice ``should_stop`` and end). ``name``
    names the thread (``run_app`` looks for unfinished ones); ``low_priority`` lowers
    its CPU priority (and that of the thread pools it starts) so the UI stays smooth.
    """
    worker = get_current_worker()
    box: dict[str, object] = {}

    def should_stop() -> bool:
        return worker.is_cancelled

    def target() -> None:
        if low_priority:
            lower_thread_priority()
        try:
            box["value"] = work(should_stop)
        except BaseException as exc:  # noqa: BLE001 - becomes the job's outcome
            if not worker.is_cancelled:  # kept only if wanted: it may hold a connection
                box["error"] = exc

    thread = threading.Thread(target=target, name=name, daemon=True)
    if on_start is not None:
        on_start(thread)
    thread.start()
    while thread.is_alive():
        thread.join(poll)
        if worker.is_cancelled:
            thread.join(grace)
            break
    if "value" in box:  # finished (even if a cancel came too late to matter)
        return Done(box["value"])  # type: ignore[arg-type]
    if worker.is_cancelled:
        return Cancelled()
    error = box.get("error")
    if isinstance(error, cancelled_by):
        return Cancelled()
    if isinstance(error, BaseException):
        return Failed(describe(error, what), error)
    return Cancelled()  # the thread is still running only if the worker was cancelled


def job_threads_alive(names: tuple[str, ...] = (JOB_THREAD_NAME,)) -> bool:
    """Whether a job thread called one of ``names`` is still running."""
    return any(t.name in names and t.is_alive() for t in threading.enumerate())
