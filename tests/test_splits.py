"""Train/test splits: the colab's rating holdout, the user-level holdout, file pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from movielens_tui.data.movielens import Dataset
from movielens_tui.data.splits import (
    available_folds,
    canonical_fold,
    split_dataframe,
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
