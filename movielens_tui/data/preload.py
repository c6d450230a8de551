"""Start parsing a local dataset in a background thread, before the UI is even imported.

The app's start-up (importing Textual, mounting the first pane) and the data work
(importing pandas, parsing, the shared tables) then overlap. Only local data is
preloaded: a download needs the app's progress display, so it stays in the app.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from pathlib import Path
from threading import Thread
from typing import Any

from movielens_tui.data import registry


def is_local(data: str | Path | None, name: str = registry.DEFAULT) -> bool:
    """Whether loading ``data`` needs no network (a path, or a complete cached download)."""
    if data or os.environ.get("MOVIELENS_TUI_DATA"):
        return True
    from movielens_tui.data.download import dataset_dir, is_complete
    from movielens_tui.paths import cache_dir

    spec = registry.get(name)
    return is_complete(dataset_dir(spec, cache_dir()), spec)


def load_with_tables(data: str | Path | None) -> tuple[Any, Any, Any]:
    """The dataset plus the tables every pane shares: per-movie stats and the title index."""
    from movielens_tui.data import source, stats
    from movielens_tui.search import TitleIndex

    dataset = source.load(data)
    movie_stats = stats.movie_table(dataset)
    return dataset, movie_stats, TitleIndex(list(dataset.movies["title"]))


def start(data: str | Path | None) -> Future | None:
    """Begin :func:`load_with_tables` in a daemon thread; None when it would download."""
    if not is_local(data):
        return None
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(load_with_tables(data))
        except BaseException as exc:  # noqa: BLE001 - handed to the app to report
            future.set_exception(exc)

    Thread(target=run, name="movielens-preload", daemon=True).start()
    return future
