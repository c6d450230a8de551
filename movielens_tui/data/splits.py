"""Train/test splits: the colab's rating holdout, seeded k-fold, per-user temporal split,
user-level holdout, and ml-100k's canonical ``u1``-``u5`` folds or any file pair."""

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


def kfold(ratings: pd.DataFrame, k: int = 5, seed: int = 0) -> list[Split]:
    """Seeded k-fold by rating: ``k`` (train, test) pairs whose tests partition ``ratings``.

    The rows are shuffled once with ``seed`` and cut into ``k`` near-equal parts (sizes
    differ by at most one); fold *i* tests on part *i* and trains on the rest. Each frame
    keeps the rows in their original order. The same ``seed`` always gives the same folds.
    """
    k = int(k)
    if k < 2:
        raise DataError(f"k-fold needs at least 2 folds, got {k}")
    if k > len(ratings):
        raise DataError(f"cannot cut {len(ratings)} ratings into {k} folds")
    order = np.random.default_rng(seed).permutation(len(ratings))
    fold_of = np.empty(len(ratings), dtype=np.int64)
    for i, part in enumerate(np.array_split(order, k)):
        fold_of[part] = i
    return [(ratings[fold_of != i], ratings[fold_of == i]) for i in range(k)]


def temporal_split(
    ratings: pd.DataFrame, n_latest: int | None = None, *, fraction: float | None = None
) -> Split:
    """Per-user temporal split: each user's latest ratings go to test, the rest to train.

    The rule: each user's ratings are ordered by ``timestamp``, ties broken by the movie
    position (then by row order), so the result never depends on how the file was
    sorted. The last ``n_latest`` of them (default 1) are held out, or with ``fraction``
    the last ``floor(fraction * n)`` of a user's ``n`` ratings. A user is held out only
    if at least one of their ratings stays in train: users with ``n_latest`` or fewer
    ratings (with ``fraction``: too few for one held-out rating) keep them all in train.
    Both frames keep the rows in their original order.
    """
    if n_latest is not None and fraction is not None:
        raise DataError("give n_latest or fraction for a temporal split, not both")
    if fraction is not None and not 0.0 < fraction < 1.0:
        raise DataError(f"holdout fraction must be between 0 and 1, got {fraction}")
    if fraction is None:
        n_latest = 1 if n_latest is None else int(n_latest)
        if n_latest < 1:
            raise DataError(
                f"a temporal split holds out at least 1 rating per user, got {n_latest}"
            )
    users = ratings["user"].to_numpy(np.int64)
    # lexsort: the last key is the primary one; rows ordered by (user, timestamp, movie, row).
    order = np.lexsort(
        (np.arange(len(users)), ratings["movie"].to_numpy(np.int64),
         ratings["timestamp"].to_numpy(np.int64), users)
    )  # fmt: skip
    sorted_users = users[order]
    starts = np.flatnonzero(np.r_[True, sorted_users[1:] != sorted_users[:-1]])
    counts = np.diff(np.r_[starts, len(users)])
    if fraction is not None:
        n_test = np.floor(fraction * counts).astype(np.int64)
    else:
        n_test = np.where(counts > n_latest, n_latest, 0)
    # Rank of each sorted row from the end of its user's block (0 = latest).
    from_end = np.repeat(starts + counts, counts) - 1 - np.arange(len(users))
    in_test = np.zeros(len(users), dtype=bool)
    in_test[order] = from_end < np.repeat(n_test, counts)
    return ratings[~in_test], ratings[in_test]


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
    """Any pair of train/test ratings files in the dataset's own layout (``u1.base``-style
    for ml-100k, ``ratings.dat`` for the .dat releases, ``ratings.csv`` with its header)."""
    return read_ratings_file(train, dataset), read_ratings_file(test, dataset)
