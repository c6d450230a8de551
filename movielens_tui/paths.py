"""Where movielens-tui keeps downloaded data (cache) and models / ratings (data)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "movielens-tui"


def cache_dir() -> Path:
    """Downloaded datasets; override with ``MOVIELENS_TUI_CACHE``."""
    env = os.environ.get("MOVIELENS_TUI_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Trained models and the user's own ratings; override with ``MOVIELENS_TUI_HOME``."""
    env = os.environ.get("MOVIELENS_TUI_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def models_dir() -> Path:
    """Saved models, one ``.npz`` per name."""
    return data_dir() / "models"


def my_ratings_path(dataset_name: str = "ml-100k") -> Path:
    """The user's own ratings for a dataset."""
    return data_dir() / f"my-ratings-{dataset_name}.json"


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so a crash leaves either the old or the new file;
    never over a folder, device or FIFO (see :func:`movielens_tui.files.atomic_write`)."""
    from movielens_tui.files import atomic_write

    atomic_write(path, payload)
