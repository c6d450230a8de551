"""Train/test splits: the colab's rating holdout, canonical folds, user-level holdout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.movielens import Dataset, read_ratings_file
from movielens_tui.errors import DataError

Split = tuple[pd.DataFrame, pd.DataFrame]


def split_dataframe(df: pd.DataFrame, holdout_fraction: float = 0.1, seed: int = 0) -> Split:
    """The colab's split: hold out ``holdout_fraction`` of the rows at random (seeded)."""
    if not 0.0 < holdout_fraction < 1.0:
        raise DataError(f"holdout fraction must be between 0 and 1, got {holdout_fraction}")
    test = df.sample(frac=holdout_fraction, replace=False, random_state=seed)
    train = df[~df.index.isin(test.index)]
    return train, test


def user_split(dataset: Dataset, holdout_fraction: float = 0.1, seed: int = 0) -> Split:
    """Hold out whole users (the colab's softmax split): their ratings go to test."""
    if not 0.0 < holdout_fraction < 1.0:
        raise DataError(f"holdout fraction must be between 0 and 1, got {holdout_fraction}")
    users = np.unique(dataset.ratings["user"].to_numpy())
    rng = np.random.default_rng(seed)
    n_test = max(1, int(round(len(users) * holdout_fraction)))
    test_users = rng.choice(users, size=n_test, replace=False)
    in_test = dataset.ratings["user"].isin(test_users)
    return dataset.ratings[~in_test], dataset.ratings[in_test]


def available_folds(folder: Path | None) -> list[int]:
    """Canonical fold numbers (1-5) whose ``uK.base``/``uK.test`` are both in ``folder``."""
    if folder is None:
        return []
    return [
        k
        for k in range(1, 6)
        if (folder / f"u{k}.base").is_file() and (folder / f"u{k}.test").is_file()
    ]


def canonical_fold(dataset: Dataset, k: int) -> Split:
    """The canonical ``uK.base`` / ``uK.test`` pair from the dataset's folder."""
    if dataset.path is None or k not in available_folds(dataset.path):
        raise DataError(
            f"fold u{k}.base/u{k}.test is not in {dataset.path}; use an original ml-100k folder"
        )
    return train_test_files(dataset, dataset.path / f"u{k}.base", dataset.path / f"u{k}.test")


def train_test_files(dataset: Dataset, train: Path, test: Path) -> Split:
    """Any pair of u.data-format train/test files."""
    return read_ratings_file(train, dataset), read_ratings_file(test, dataset)
