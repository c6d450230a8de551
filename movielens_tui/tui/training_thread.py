"""Run the trainer on a daemon thread from a Textual thread worker (Train and You panes).

The worker polls the thread so a cancel takes effect at once: the trainer notices
``should_stop`` at its next report and the app never waits for TensorFlow. Progress
goes to the UI as :class:`TrainingProgress` messages, at most one per ``interval``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.worker import Worker

from movielens_tui.tui.messages import TrainingProgress
from movielens_tui.tui.priority import freeze_heap, lower_thread_priority

TRAIN_THREAD_NAME = "movielens-train"  # run_app leaves without waiting for such threads
POST_INTERVAL = 0.2  # seconds between progress messages (at most ~5 per second)


def run_training_thread(
    worker: Worker,
    post: Callable[[Message], Any],
    run: int,
    dataset: Any,
    preset: str,
    params: dict[str, Any],
    stop_grace: float,
    on_start: Callable[[threading.Thread], None] | None = None,
) -> dict[str, Any]:
    """Train on a daemon thread; return ``{"model": ...}`` or ``{"error": exc}`` (or {}).

    Once ``worker`` is cancelled, waits at most ``stop_grace`` seconds for the thread.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    outcome: dict[str, Any] = {}
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

    def target() -> None:
        lower_thread_priority()  # and TensorFlow's thread pools started from here
        try:
            from movielens_tui.models import trainer

            outcome["model"] = trainer.train(
                dataset, preset, params, callback=callback,
                should_stop=lambda: worker.is_cancelled,
            )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 - reported to the UI by the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=TRAIN_THREAD_NAME, daemon=True)
    if on_start is not None:
        on_start(thread)
    thread.start()
    while thread.is_alive():
        thread.join(0.1)
        if worker.is_cancelled:
            thread.join(stop_grace)
            break
    return outcome
