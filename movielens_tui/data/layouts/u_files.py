"""ml-100k's ``u.*`` layout (parsing lives in :mod:`movielens_tui.data.movielens`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from movielens_tui.data.movielens import Dataset, load_folder, parse_ratings, read_bytes

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.registry import DatasetSpec


def load(folder: Path, spec: DatasetSpec) -> Dataset:
    return load_folder(folder, name=spec.name)


def read_ratings(path: Path, dataset: Dataset) -> pd.DataFrame:
    """A u.data-format file (tab: user, movie, rating, timestamp)."""
    return parse_ratings(
        read_bytes(path), dataset._user_pos, dataset._movie_pos, str(path), dataset.scale
    )
