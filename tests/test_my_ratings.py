"""The user's own ratings file: round trip, atomic saves, corrupt files kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movielens_tui import my_ratings, paths
from movielens_tui.data.movielens import HALF_STARS, WHOLE_STARS, Dataset
from movielens_tui.errors import DataError
from movielens_tui.my_ratings import CorruptRatingsFile, MyRatings


def test_missing_file_is_empty_and_default_path_is_in_data_dir(isolated_dirs: Path) -> None:
    store, warning = MyRatings.open("ml-100k")
    assert warning is None
    assert store.ratings == {}
    assert store.path == paths.my_ratings_path("ml-100k")
    assert str(store.path).startswith(str(isolated_dirs))
    assert not store.path.exists()


def test_set_saves_at_once_and_reloads() -> None:
    store, _ = MyRatings.open("ml-100k")
    store.set(1, 5)
    store.set(71, 3)
    assert json.loads(store.path.read_text())["ratings"] == {"1": 5, "71": 3}
    again, warning = MyRatings.open("ml-100k")
    assert warning is None
    assert again.ratings == {1: 5.0, 71: 3.0}
    assert again.remove(1) is True
    assert again.remove(1) is False
    assert MyRatings.open("ml-100k")[0].ratings == {71: 3.0}
    # no temp files left behind (the empty merge lock stays)
    assert sorted(p.name for p in store.path.parent.iterdir()) == [
        store.path.name, store.path.name + ".lock",
    ]  # fmt: skip


def test_datasets_have_separate_files() -> None:
    a, _ = MyRatings.open("ml-100k")
    a.set(1, 4)
    b, _ = MyRatings.open("other")
    assert b.ratings == {}
    assert a.path != b.path


@pytest.mark.parametrize("bad", [0, 6, 2.5e9, float("nan"), "five", None, True])
def test_bad_rating_is_refused_and_nothing_written(bad: object) -> None:
    store, _ = MyRatings.open("ml-100k")
    with pytest.raises(ValueError, match="rating"):
        store.set(1, bad)  # type: ignore[arg-type]
    assert not store.path.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"ratings": {"1": 5', "not valid JSON (line 1"),
        (b"[1, 2]", '"ratings" object'),
        (b'{"ratings": {"abc": 5}}', "movie id 'abc'"),
        (b'{"ratings": {"7": 9}}', "movie 7: rating 9 is outside 0.5 to 5"),
        (b'{"ratings": {"7": 2.3}}', "movie 7: rating 2.3 is not a whole or half star"),
        (b'{"format": 99, "ratings": {}}', "format 99"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_corrupt_file_is_moved_aside_with_a_clear_message(content: bytes, reason: str) -> None:
    path = paths.my_ratings_path("ml-100k")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    store, warning = MyRatings.open("ml-100k")
    assert warning is not None and reason in warning
    assert str(path) in warning and "moved it to" in warning
    assert store.ratings == {}
    kept = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert kept[0].name in warning
    # saving afterwards creates a fresh file and never touches the kept copy
    store.set(50, 4)
    assert MyRatings.open("ml-100k")[0].ratings == {50: 4.0}
    assert kept[0].read_bytes() == content


def test_load_file_raises_corrupt_error() -> None:
    path = paths.my_ratings_path("x")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("nope")
    with pytest.raises(CorruptRatingsFile) as info:
        my_ratings.load_file(path)
    assert info.value.moved_to is not None and info.value.moved_to.exists()
    assert not path.exists()


def test_unreadable_store_is_never_written(tmp_path: Path) -> None:
    folder = tmp_path / "is-a-dir.json"
    folder.mkdir()
    store, warning = MyRatings.open("ml-100k", path=folder)
    assert warning is not None and "cannot read" in warning
    with pytest.raises(DataError, match="not saving over"):
        store.set(1, 5)


def test_positions_map_original_ids_and_skip_unknown(small_dataset: Dataset) -> None:
    store, _ = MyRatings.open(small_dataset.name)
    first, last = (int(small_dataset.movies["movie_id"].iloc[i]) for i in (0, -1))
    store.set(first, 5)
    store.set(last, 2)
    store.set(99999, 4)
    assert store.positions(small_dataset) == {0: 5.0, small_dataset.n_movies - 1: 2.0}
    assert store.unknown_ids(small_dataset) == [99999]


def test_dumps_round_trips_half_ratings() -> None:
    text = my_ratings.dumps({3: 4.5, 1: 2.0}, "ml-100k").decode()
    assert my_ratings.parse(text) == {1: 2.0, 3: 4.5}
    assert json.loads(text)["dataset"] == "ml-100k"


def test_half_stars_are_kept_where_the_scale_has_them() -> None:
    store, warning = MyRatings.open("ml-latest-small", scale=HALF_STARS)
    assert warning is None
    store.set(1, 4.5)
    store.set(2, 0.5)
    store.set(3, 5)
    assert json.loads(store.path.read_text())["ratings"] == {"1": 4.5, "2": 0.5, "3": 5}
    assert store.path == paths.my_ratings_path("ml-latest-small")
    assert MyRatings.open("ml-latest-small", scale=HALF_STARS)[0].ratings == {
        1: 4.5, 2: 0.5, 3: 5.0,
    }  # fmt: skip
    with pytest.raises(ValueError, match="not a whole or half star"):
        store.set(4, 4.25)


def test_a_whole_star_dataset_refuses_a_new_half_star() -> None:
    store, _ = MyRatings.open("ml-100k", scale=WHOLE_STARS)
    with pytest.raises(ValueError, match=r"rating 4.5 is not on ml-100k's scale \(1 to 5\)"):
        store.set(1, 4.5)
    with pytest.raises(ValueError, match="outside"):
        store.set(1, 0.5 - 1)
    with pytest.raises(ValueError, match=r"not on ml-100k's scale"):
        store.set(1, 0.5)
    assert not store.path.exists()


def test_half_stars_in_a_whole_star_file_are_kept_not_used(small_dataset: Dataset) -> None:
    """A half star found for a whole-star dataset: one clear line, nothing lost."""
    first, second = (int(small_dataset.movies["movie_id"].iloc[i]) for i in (0, 1))
    path = paths.my_ratings_path(small_dataset.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 1, "ratings": {str(first): 3.5, str(second): 4}}))
    store, warning = MyRatings.open(small_dataset.name, scale=small_dataset.scale)
    assert warning is not None and "\n" not in warning
    assert str(path) in warning and "1 of your ratings is not on" in warning
    assert f"movie {first}: 3.5" in warning and "kept in the file but not used" in warning
    assert store.ratings == {first: 3.5, second: 4.0}
    assert store.positions(small_dataset) == {1: 4.0}
    assert not store.usable(first) and store.usable(second)
    assert store.off_scale() == [first]
    # a new rating is saved without losing the half star
    third = int(small_dataset.movies["movie_id"].iloc[2])
    store.set(third, 2)
    saved = json.loads(path.read_text())["ratings"]
    assert saved == {str(first): 3.5, str(second): 4, str(third): 2}
    assert not [p for p in path.parent.iterdir() if ".corrupt-" in p.name]


def test_two_apps_rating_at_once_keep_both_ratings(tmp_path) -> None:
    """A rates Fargo, then B (opened before A saved) rates Star Wars: both stay."""
    from movielens_tui.my_ratings import MyRatings, load_file

    path = tmp_path / "my-ratings-ml-100k.json"
    a, _ = MyRatings.open("ml-100k", path)
    b, _ = MyRatings.open("ml-100k", path)
    a.set(100, 5)  # Fargo
    b.set(50, 4)  # Star Wars
    assert load_file(path) == {100: 5.0, 50: 4.0}
    assert b.ratings == {100: 5.0, 50: 4.0}  # B now sees A's rating too
    a.remove(100)
    b.set(1, 3)
    assert load_file(path) == {50: 4.0, 1: 3.0}


def test_a_deeply_nested_ratings_file_is_moved_aside(tmp_path) -> None:
    from movielens_tui.my_ratings import MyRatings

    path = tmp_path / "my-ratings-ml-100k.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    store, warning = MyRatings.open("ml-100k", path)
    assert warning is not None and "nested too deeply" in warning and "\n" not in warning
    assert store.ratings == {} and not path.exists()
    assert list(tmp_path.glob("my-ratings-ml-100k.corrupt-*.json"))
    store.set(50, 4)
    assert store.ratings == {50: 4.0}


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_a_special_file_as_ratings_is_refused_not_read(tmp_path, kind: str) -> None:
    import os

    from movielens_tui.my_ratings import MyRatings

    path = tmp_path / "my-ratings-ml-100k.json"
    if kind == "device":
        path.symlink_to("/dev/zero")
    else:
        os.mkfifo(path)
    store, warning = MyRatings.open("ml-100k", path)
    assert warning is not None and "not a regular file" in warning and "\n" not in warning
    with pytest.raises(Exception, match="not saving over"):
        store.set(50, 4)
