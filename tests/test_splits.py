"""Train/test splits: the colab's rating holdout, seeded k-fold, the per-user temporal split,
the user-level holdout, canonical folds and file pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from movielens_tui.data.movielens import Dataset
from movielens_tui.data.splits import (
    available_folds,
    canonical_fold,
    kfold,
    split_dataframe,
    temporal_split,
    train_test_files,
    user_split,
)
from movielens_tui.errors import DataError


def test_split_dataframe_is_a_reproducible_partition(small_dataset: Dataset) -> None:
    ratings = small_dataset.ratings
    train, test = split_dataframe(ratings, holdout_fraction=0.1, seed=3)
    assert len(test) == round(0.1 * len(ratings)) and len(train) + len(test) == len(ratings)
    assert not set(train.index) & set(test.index)
    pd.testing.assert_frame_equal(pd.concat([train, test]).sort_index(), ratings)
    again_train, again_test = split_dataframe(ratings, holdout_fraction=0.1, seed=3)
    assert list(again_test.index) == list(test.index)
    assert list(again_train.index) == list(train.index)
    _, other = split_dataframe(ratings, holdout_fraction=0.1, seed=4)
    assert set(other.index) != set(test.index)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_split_fraction_out_of_range(small_dataset: Dataset, fraction: float) -> None:
    for split in (
        lambda: split_dataframe(small_dataset.ratings, fraction),
        lambda: user_split(small_dataset, fraction),
    ):
        with pytest.raises(DataError) as info:
            split()
        assert str(info.value) == f"holdout fraction must be between 0 and 1, got {fraction}"


def test_user_split_holds_out_whole_users(small_dataset: Dataset) -> None:
    train, test = user_split(small_dataset, 0.2, seed=1)
    train_users, test_users = set(train["user"]), set(test["user"])
    assert not train_users & test_users
    assert len(test_users) == round(0.2 * small_dataset.n_users)
    assert len(train) + len(test) == small_dataset.n_ratings
    again = user_split(small_dataset, 0.2, seed=1)[1]
    assert set(again["user"]) == test_users


def test_canonical_folds_on_generated_data(small_dataset: Dataset, small_data_dir: Path) -> None:
    assert available_folds(small_data_dir) == [1, 2, 3, 4, 5]
    assert available_folds(None) == []
    tests = []
    for k in range(1, 6):
        train, test = canonical_fold(small_dataset, k)
        assert len(train) + len(test) == small_dataset.n_ratings
        key = lambda f: set(zip(f["user"], f["movie"], strict=True))  # noqa: E731
        assert not key(train) & key(test)
        tests.append(test)
    whole = pd.concat(tests)
    assert len(whole) == small_dataset.n_ratings
    assert not whole.duplicated(["user", "movie"]).any()


def test_train_test_files_any_pair(small_dataset: Dataset, tmp_path: Path) -> None:
    train_file, test_file = tmp_path / "a.tsv", tmp_path / "b.tsv"
    users = small_dataset.users["user_id"].to_numpy()
    movies = small_dataset.movies["movie_id"].to_numpy()
    rows = small_dataset.ratings.iloc[:10]
    lines = [
        f"{users[u]}\t{movies[m]}\t{r:g}\t{t}"
        for u, m, r, t in rows[["user", "movie", "rating", "timestamp"]].itertuples(index=False)
    ]
    train_file.write_text("\n".join(lines[:7]) + "\n")
    test_file.write_text("\n".join(lines[7:]) + "\n")
    train, test = train_test_files(small_dataset, train_file, test_file)
    assert (len(train), len(test)) == (7, 3)
    assert np.array_equal(train["movie"].to_numpy(), rows["movie"].to_numpy()[:7])
    assert np.array_equal(test["rating"].to_numpy(), rows["rating"].to_numpy()[7:])


# --------------------------------------------------------------------------- k-fold


@pytest.mark.parametrize("k", [2, 5, 7])
def test_kfold_tests_partition_the_ratings(small_dataset: Dataset, k: int) -> None:
    ratings = small_dataset.ratings
    folds = kfold(ratings, k=k, seed=3)
    assert len(folds) == k
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= 1
    tested = np.concatenate([test.index.to_numpy() for _, test in folds])
    assert len(tested) == len(ratings) and set(tested) == set(ratings.index)
    for train, test in folds:
        assert not set(train.index) & set(test.index)
        pd.testing.assert_frame_equal(pd.concat([train, test]).sort_index(), ratings)


def test_kfold_is_seeded(small_dataset: Dataset) -> None:
    ratings = small_dataset.ratings
    first = [list(test.index) for _, test in kfold(ratings, 5, seed=1)]
    again = [list(test.index) for _, test in kfold(ratings, 5, seed=1)]
    other = [list(test.index) for _, test in kfold(ratings, 5, seed=2)]
    assert first == again and first != other


def test_kfold_needs_two_folds_and_enough_ratings(small_dataset: Dataset) -> None:
    for k in (0, 1):
        with pytest.raises(DataError, match="at least 2 folds"):
            kfold(small_dataset.ratings, k)
    with pytest.raises(DataError, match="cannot cut 3 ratings into 4 folds"):
        kfold(small_dataset.ratings.iloc[:3], 4)


# --------------------------------------------------------------------------- temporal


def _ratings(rows: list[tuple[int, int, int]]) -> pd.DataFrame:
    user, movie, ts = (np.asarray(c) for c in zip(*rows, strict=True))
    return pd.DataFrame({"user": user.astype(np.int32), "movie": movie.astype(np.int32),
                         "rating": np.full(len(rows), 4.0, np.float32),
                         "timestamp": ts.astype(np.int64)})  # fmt: skip


def test_temporal_split_hand_case() -> None:
    # user 0: four ratings, two tied latest at t=9 (movie 5 > movie 2 wins the tie);
    # user 1: one rating (kept in train); user 2: two ratings.
    frame = _ratings([(0, 2, 9), (0, 1, 3), (1, 4, 1), (0, 5, 9), (2, 7, 5), (0, 3, 1),
                      (2, 6, 8)])  # fmt: skip
    train, test = temporal_split(frame, 1)
    assert sorted(zip(test["user"], test["movie"], strict=True)) == [(0, 5), (2, 6)]
    assert len(train) + len(test) == len(frame) and 1 in set(train["user"])
    train, test = temporal_split(frame, 2)  # user 2 has only 2 ratings: all in train
    assert sorted(zip(test["user"], test["movie"], strict=True)) == [(0, 2), (0, 5)]
    assert list(train.index) == [1, 2, 4, 5, 6]  # original row order kept
    _, by_fraction = temporal_split(frame, fraction=0.5)  # floor(0.5 * n): 2, 0, 1
    pairs = sorted(zip(by_fraction["user"], by_fraction["movie"], strict=True))
    assert pairs == [(0, 2), (0, 5), (2, 6)]
    # The input's row order does not matter, ties included.
    for seed in range(3):
        shuffled = frame.sample(frac=1.0, random_state=seed)
        assert set(temporal_split(shuffled, 1)[1].index) == {3, 6}
        assert set(temporal_split(shuffled, 2)[1].index) == set(test.index)


def test_temporal_split_holds_out_each_users_latest(latest_small: Dataset) -> None:
    ratings = latest_small.ratings
    n = 3
    train, test = temporal_split(ratings, n)
    assert len(train) + len(test) == len(ratings)
    assert not set(train.index) & set(test.index)
    counts = ratings.groupby("user").size()
    per_user = test.groupby("user").size()
    assert (per_user == n).all()
    assert set(per_user.index) == set(counts.index[counts > n])
    latest_train = train.groupby("user")["timestamp"].max()
    earliest_test = test.groupby("user")["timestamp"].min()
    assert (earliest_test >= latest_train[earliest_test.index]).all()
    again_train, again_test = temporal_split(ratings, n)
    assert list(again_test.index) == list(test.index)
    _, by_fraction = temporal_split(ratings, fraction=0.2)
    sizes = by_fraction.groupby("user").size()
    assert (sizes == np.floor(0.2 * counts[sizes.index])).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_latest": 0}, "at least 1"), ({"fraction": 1.0}, "between 0 and 1"),
     ({"n_latest": 1, "fraction": 0.1}, "not both")],
)  # fmt: skip
def test_temporal_split_bad_arguments(small_dataset: Dataset, kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        temporal_split(small_dataset.ratings, **kwargs)
