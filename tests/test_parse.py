"""Parsing and validation of u.user, u.item, u.data (issue 2 §3, issue 6 "Download and data").

Each bad-input case copies the generated small folder, corrupts one file and asserts
the exact one-line message (file, line number, problem). The good path is checked on
the real ml-100k when MOVIELENS_100K_DIR is set.
"""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from movielens_tui.data import stats
from movielens_tui.data.movielens import (
    DEFAULT_GENRES,
    Dataset,
    load_folder,
    parse_ratings,
    read_ratings_file,
)
from movielens_tui.data.splits import available_folds, canonical_fold, train_test_files
from movielens_tui.errors import DataError

FIX = "fix or remove that line"
RESTORE = "restore it from the original ml-100k zip"


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def folder(small_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the generated small folder to corrupt."""
    return Path(shutil.copytree(small_data_dir, tmp_path / "copy" / "ml-100k"))


def edit_lines(path: Path, change: Callable[[list[str]], None]) -> None:
    """Apply ``change`` to the file's lines (latin-1, newline-terminated)."""
    lines = path.read_bytes().decode("latin-1").split("\n")
    change(lines)
    path.write_bytes("\n".join(lines).encode("latin-1"))


def set_line(path: Path, number: int, text: str) -> None:
    def change(lines: list[str]) -> None:
        lines[number - 1] = text

    edit_lines(path, change)


def set_field(path: Path, number: int, index: int, value: str, sep: str) -> str:
    """Replace field ``index`` of line ``number``; return the original line."""
    original = path.read_bytes().decode("latin-1").split("\n")[number - 1]
    fields = original.split(sep)
    fields[index] = value
    set_line(path, number, sep.join(fields))
    return original


def field(path: Path, number: int, index: int, sep: str) -> str:
    return path.read_bytes().decode("latin-1").split("\n")[number - 1].split(sep)[index]


def load_error(folder: Path) -> str:
    with pytest.raises(DataError) as info:
        load_folder(folder)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- whole files


@pytest.mark.parametrize("name", ["u.data", "u.item", "u.user"])
def test_missing_file(folder: Path, name: str) -> None:
    (folder / name).unlink()
    assert load_error(folder) == (
        f"{folder / name}: file is missing; point --data at a complete ml-100k folder or its zip"
    )


def test_missing_folder(tmp_path: Path) -> None:
    path = tmp_path / "nowhere"
    assert load_error(path) == (
        f"{path}: not a folder; pass an ml-100k folder or its zip with --data"
    )


@pytest.mark.parametrize("name", ["u.data", "u.item", "u.user", "u.genre"])
@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\r\n"], ids=["zero", "blank", "crlf"])
def test_empty_file(folder: Path, name: str, content: bytes) -> None:
    (folder / name).write_bytes(content)
    assert load_error(folder) == f"{folder / name}: file is empty; {RESTORE}"


def test_file_is_a_folder(folder: Path) -> None:
    (folder / "u.user").unlink()
    (folder / "u.user").mkdir()
    assert load_error(folder) == f"{folder / 'u.user'}: is a folder, expected a file"


BINARY = {
    "nul-bytes": b"\x00" * 64,
    "nul-inside-text": b"1|24|M|technician|85711\n2|53|F|oth\x00er|94043\n",
    "gzip": gzip.compress(b"1\t1\t5\t881250949\n" * 50),
    "zip": b"PK\x03\x04" + bytes(range(256)),
    "bzip2": b"BZh91AY&SY" + bytes(range(1, 200)),
}


@pytest.mark.parametrize("name", ["u.data", "u.item", "u.user"])
@pytest.mark.parametrize("kind", sorted(BINARY))
def test_binary_garbage(folder: Path, name: str, kind: str) -> None:
    (folder / name).write_bytes(BINARY[kind])
    assert load_error(folder) == (
        f"{folder / name}: is binary data, not a MovieLens text file; {RESTORE}"
    )


def test_gzipped_file_in_place_of_text(folder: Path) -> None:
    """Somebody gzipped u.data in place: same bytes a real gzip stream of the file has."""
    path = folder / "u.data"
    path.write_bytes(gzip.compress(path.read_bytes()))
    assert load_error(folder) == (f"{path}: is binary data, not a MovieLens text file; {RESTORE}")


def test_random_high_bytes_are_a_field_count_error(folder: Path) -> None:
    """Garbage without NUL bytes decodes as latin-1 and fails on the first line."""
    path = folder / "u.user"
    path.write_bytes(bytes(range(128, 256)) * 4)
    assert load_error(folder) == (
        f"{path} line 1: expected 5 fields separated by '|', found 1; {FIX}"
    )


def test_utf16_file(folder: Path) -> None:
    path = folder / "u.item"
    path.write_bytes(path.read_bytes().decode("latin-1").encode("utf-16"))
    assert load_error(folder) == (
        f"{path}: is saved as UTF-16; save it as UTF-8 or latin-1, or {RESTORE}"
    )


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_u_item_saved_as_utf8_decodes(folder: Path, small_dataset: Dataset, encoding: str) -> None:
    path = folder / "u.item"
    assert "Misérables, Les (1995)".encode("latin-1") in path.read_bytes()
    path.write_bytes(path.read_bytes().decode("latin-1").encode(encoding))
    assert "Misérables, Les (1995)".encode() in path.read_bytes()
    dataset = load_folder(folder)
    titles = list(dataset.movies["title"])
    assert "Misérables, Les (1995)" in titles
    assert titles == list(small_dataset.movies["title"])
    assert dataset.movies["movie_id"].iloc[0] == 1


def test_latin1_title_decodes(small_dataset: Dataset) -> None:
    assert "Misérables, Les (1995)" in set(small_dataset.movies["title"])


def test_crlf_line_endings_and_blank_lines_are_fine(folder: Path, small_dataset: Dataset) -> None:
    for name in ("u.user", "u.item", "u.data"):
        path = folder / name
        text = path.read_bytes().replace(b"\n", b"\r\n")
        path.write_bytes(b"\r\n" + text + b"\r\n\r\n")
    dataset = load_folder(folder)
    assert dataset.n_users == small_dataset.n_users
    assert dataset.n_ratings == small_dataset.n_ratings
    pd.testing.assert_frame_equal(dataset.ratings, small_dataset.ratings)
    assert list(dataset.users["zip_code"]) == list(small_dataset.users["zip_code"])


def test_crlf_u_data_takes_the_fast_parser(folder: Path, monkeypatch) -> None:
    """Issue 13: a CRLF u.data used to fall back to the line-by-line parser (a 200 MB
    file: 3.2 GB and 12.7 s instead of 1.2 GB and 2.3 s); now only a stray \\r does."""
    from movielens_tui.data import movielens

    raw = (folder / "u.data").read_bytes()
    lf = movielens._fast_ratings(raw)
    crlf = movielens._fast_ratings(raw.replace(b"\n", b"\r\n"))
    assert lf is not None and crlf is not None
    pd.testing.assert_frame_equal(crlf[0], lf[0])
    assert np.array_equal(crlf[1], lf[1])  # the same line numbers
    assert movielens._fast_ratings(raw.replace(b"\n", b"\r\n", 1).replace(b"\t", b"\r", 1)) is None

    def no_slow_path(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the slow parser was used")

    positions = _positions_of(folder)
    monkeypatch.setattr(movielens, "parse_table", no_slow_path)
    ratings = movielens.parse_ratings(raw.replace(b"\n", b"\r\n"), *positions, "u.data")
    assert len(ratings) == len(lf[0])


def _positions_of(folder: Path) -> tuple[dict[int, int], dict[int, int]]:
    dataset = load_folder(folder)
    return (
        {int(u): i for i, u in enumerate(dataset.users["user_id"])},
        {int(m): j for j, m in enumerate(dataset.movies["movie_id"])},
    )


def test_line_numbers_count_blank_lines(folder: Path) -> None:
    path = folder / "u.user"
    edit_lines(path, lambda lines: lines.insert(2, ""))  # blank line 3
    set_field(path, 5, 1, "old", "|")  # line 5 is the 4th user
    assert load_error(folder) == (f"{path} line 5: age is 'old', expected a whole number")


@pytest.mark.parametrize("name", ["u.user", "u.data"])
def test_stray_carriage_return_inside_a_line(folder: Path, name: str) -> None:
    path = folder / name
    sep = "|" if name == "u.user" else "\t"
    set_field(path, 4, 1, "3\r4", sep)
    assert load_error(folder) == (
        f"{path} line 4: contains a stray carriage return (\\r) inside the line; {FIX}"
    )


# --------------------------------------------------------------------------- u.user


@pytest.mark.parametrize(
    "line, found",
    [("7|33|M|writer", 4), ("7|33|M|writer|12345|extra", 6), ("7 33 M writer 12345", 1)],
    ids=["too-few", "too-many", "wrong-separator"],
)
def test_u_user_field_count(folder: Path, line: str, found: int) -> None:
    path = folder / "u.user"
    set_line(path, 7, line)
    assert load_error(folder) == (
        f"{path} line 7: expected 5 fields separated by '|', found {found}; {FIX}"
    )


@pytest.mark.parametrize(
    "index, column, value",
    [(0, "user_id", "seven"), (0, "user_id", ""), (0, "user_id", "7.5"), (1, "age", "x"),
     (1, "age", ""), (1, "age", "33.3"), (1, "age", "nan"), (1, "age", "inf")],
)  # fmt: skip
def test_u_user_non_numeric(folder: Path, index: int, column: str, value: str) -> None:
    path = folder / "u.user"
    set_field(path, 12, index, value, "|")
    assert load_error(folder) == (f"{path} line 12: {column} is {value!r}, expected a whole number")


def test_u_user_id_out_of_range(folder: Path) -> None:
    path = folder / "u.user"
    set_field(path, 3, 0, "123456789012345678901234567890", "|")
    assert load_error(folder) == (
        f"{path} line 3: user_id 123456789012345678901234567890 is out of range; fix that line"
    )


@pytest.mark.parametrize("age", ["-1", "151", "2000"])
def test_u_user_age_out_of_range(folder: Path, age: str) -> None:
    path = folder / "u.user"
    set_field(path, 9, 1, age, "|")
    assert load_error(folder) == f"{path} line 9: age {age} is not 0-150"


@pytest.mark.parametrize("sex", ["X", "", "male", "m"])
def test_u_user_bad_sex(folder: Path, sex: str) -> None:
    path = folder / "u.user"
    set_field(path, 20, 2, sex, "|")
    assert load_error(folder) == f"{path} line 20: sex is {sex!r}, expected M or F"


def test_u_user_duplicate_id(folder: Path) -> None:
    path = folder / "u.user"
    set_field(path, 30, 0, "4", "|")
    assert load_error(folder) == (
        f"{path} line 30: duplicate user_id 4 (first seen on line 4); remove one of them"
    )


# --------------------------------------------------------------------------- u.item


@pytest.mark.parametrize(
    "change, found",
    [(lambda f: f.pop(), 23), (lambda f: f.append("0"), 25),
     (lambda f: f.__setitem__(1, "Pipe | Dream (1995)"), 25)],
    ids=["missing-flag", "extra-flag", "pipe-in-title"],
)  # fmt: skip
def test_u_item_field_count(folder: Path, change: Callable[[list[str]], None], found: int) -> None:
    path = folder / "u.item"
    fields = path.read_bytes().decode("latin-1").split("\n")[14].split("|")
    change(fields)
    set_line(path, 15, "|".join(fields))
    assert load_error(folder) == (
        f"{path} line 15: expected 24 fields separated by '|', found {found}; {FIX}"
    )


@pytest.mark.parametrize("value", ["x1", "", "1.5"])
def test_u_item_non_numeric_movie_id(folder: Path, value: str) -> None:
    path = folder / "u.item"
    set_field(path, 8, 0, value, "|")
    assert load_error(folder) == (f"{path} line 8: movie_id is {value!r}, expected a whole number")


@pytest.mark.parametrize("value", ["yes", ""])
def test_u_item_non_numeric_genre_flag(folder: Path, value: str) -> None:
    path = folder / "u.item"
    set_field(path, 21, 5 + 7, value, "|")  # flag 7 = Documentary
    assert load_error(folder) == (
        f"{path} line 21: Documentary is {value!r}, expected a whole number"
    )


@pytest.mark.parametrize("value", ["2", "-1"])
def test_u_item_genre_flag_not_0_or_1(folder: Path, value: str) -> None:
    path = folder / "u.item"
    set_field(path, 33, 5 + 15, value, "|")  # flag 15 = Sci-Fi
    assert load_error(folder) == (f"{path} line 33: genre flag Sci-Fi is {value}, expected 0 or 1")


def test_u_item_duplicate_id(folder: Path) -> None:
    path = folder / "u.item"
    set_field(path, 50, 0, "10", "|")
    assert load_error(folder) == (
        f"{path} line 50: duplicate movie_id 10 (first seen on line 10); remove one of them"
    )


def test_u_item_bad_release_date_leaves_year_missing(folder: Path) -> None:
    path = folder / "u.item"
    set_field(path, 12, 2, "sometime in 1995", "|")
    movies = load_folder(folder).movies
    assert movies["year"].dtype == "Int64"
    assert movies["year"].isna().iloc[11]
    assert movies["release_date"].iloc[11] == "sometime in 1995"


def test_u_genre_missing_uses_default_names(folder: Path, small_dataset: Dataset) -> None:
    (folder / "u.genre").unlink()
    dataset = load_folder(folder)
    assert dataset.genres == DEFAULT_GENRES
    assert list(dataset.movies["all_genres"]) == list(small_dataset.movies["all_genres"])


def test_u_genre_indices_out_of_order(folder: Path) -> None:
    path = folder / "u.genre"
    set_line(path, 2, "Action|5")
    assert load_error(folder) == f"{path}: genre indices must run 0, 1, 2, ... in order"


def test_u_genre_non_numeric_index(folder: Path) -> None:
    path = folder / "u.genre"
    set_line(path, 3, "Adventure|two")
    assert load_error(folder) == f"{path} line 3: index is 'two', expected a whole number"


def test_u_genre_fewer_names_than_flags(folder: Path) -> None:
    edit_lines(folder / "u.genre", lambda lines: lines.pop(18))  # drop "Western|18"
    assert load_error(folder) == (
        f"{folder / 'u.item'} line 1: expected 23 fields separated by '|', found 24; {FIX}"
    )


# --------------------------------------------------------------------------- u.data


@pytest.mark.parametrize(
    "line, found",
    [("1\t2\t3", 3), ("1\t2\t3\t874724710\t9", 5), ("1 2 3 874724710", 1), ("1|2|3|874724710", 1)],
    ids=["too-few", "too-many", "spaces", "pipes"],
)
def test_u_data_field_count(folder: Path, line: str, found: int) -> None:
    path = folder / "u.data"
    set_line(path, 100, line)
    assert load_error(folder) == (
        f"{path} line 100: expected 4 fields separated by '\\t', found {found}; {FIX}"
    )


@pytest.mark.parametrize(
    "index, column, value, kind",
    [(0, "user_id", "abc", "a whole number"), (0, "user_id", "", "a whole number"),
     (0, "user_id", "1.5", "a whole number"), (1, "movie_id", "7a", "a whole number"),
     (1, "movie_id", "inf", "a whole number"), (2, "rating", "five", "a number"),
     (2, "rating", "", "a number"), (2, "rating", "nan", "a number"),
     (3, "unix_timestamp", "yesterday", "a whole number"),
     (3, "unix_timestamp", "inf", "a whole number"),
     (3, "unix_timestamp", "8.5e8.1", "a whole number")],
)  # fmt: skip
def test_u_data_non_numeric(folder: Path, index: int, column: str, value: str, kind: str) -> None:
    path = folder / "u.data"
    set_field(path, 321, index, value, "\t")
    assert load_error(folder) == f"{path} line 321: {column} is {value!r}, expected {kind}"


@pytest.mark.parametrize(
    "value, shown", [("0", "0"), ("6", "6"), ("-3", "-3"), ("5.5", "5.5"), ("0.99", "0.99"),
                     ("inf", "inf"), ("1e9", "1e+09")]
)  # fmt: skip
def test_u_data_rating_out_of_range(folder: Path, value: str, shown: str) -> None:
    path = folder / "u.data"
    set_field(path, 77, 2, value, "\t")
    assert load_error(folder) == f"{path} line 77: rating {shown} is outside 1 to 5"


def test_u_data_half_star_rating_is_fine(folder: Path) -> None:
    set_field(folder / "u.data", 77, 2, "3.5", "\t")
    assert load_folder(folder).ratings["rating"].iloc[76] == pytest.approx(3.5)


def test_u_data_huge_timestamp(folder: Path) -> None:
    path = folder / "u.data"
    set_field(path, 5, 3, "1e30", "\t")
    assert (
        load_error(folder) == f"{path} line 5: unix_timestamp 1e30 is out of range; fix that line"
    )


def test_u_data_unknown_user(folder: Path) -> None:
    path = folder / "u.data"
    set_field(path, 250, 0, "61", "\t")  # users run 1..60
    assert load_error(folder) == (f"{path} line 250: rating for unknown user 61 (not in u.user)")


def test_u_data_unknown_movie(folder: Path) -> None:
    path = folder / "u.data"
    set_field(path, 1499, 1, "0", "\t")  # movies run 1..80
    assert load_error(folder) == (f"{path} line 1499: rating for unknown movie 0 (not in u.item)")


def test_u_data_duplicate_rating(folder: Path) -> None:
    path = folder / "u.data"
    first = path.read_bytes().decode("latin-1").split("\n")[9]
    user, movie = first.split("\t")[:2]
    set_line(path, 600, f"{user}\t{movie}\t1\t874724711")
    assert load_error(folder) == (
        f"{path} line 600: user {user} rated movie {movie} twice; keep one of the two lines"
    )


def test_u_data_error_reports_first_bad_line(folder: Path) -> None:
    path = folder / "u.data"
    set_field(path, 900, 2, "9", "\t")
    set_field(path, 40, 2, "7", "\t")
    assert load_error(folder) == f"{path} line 40: rating 7 is outside 1 to 5"


def test_fold_file_errors_name_the_fold(folder: Path, small_dataset: Dataset) -> None:
    path = folder / "u3.test"
    set_field(path, 2, 2, "zero", "\t")
    dataset = load_folder(folder)
    with pytest.raises(DataError) as info:
        canonical_fold(dataset, 3)
    assert str(info.value) == f"{path} line 2: rating is 'zero', expected a number"
    with pytest.raises(DataError) as info:
        read_ratings_file(folder / "u9.base", dataset)
    assert str(info.value) == (
        f"{folder / 'u9.base'}: file is missing; point --data at a complete ml-100k folder or "
        "its zip"
    )


def test_missing_fold_message(folder: Path) -> None:
    (folder / "u2.test").unlink()
    dataset = load_folder(folder)
    assert available_folds(folder) == [1, 3, 4, 5]
    with pytest.raises(DataError) as info:
        canonical_fold(dataset, 2)
    assert str(info.value) == (
        f"fold u2.base/u2.test is not in {folder}; use an original ml-100k folder"
    )


def test_parse_ratings_direct_messages_use_given_name() -> None:
    with pytest.raises(DataError, match=r"^my.tsv line 2: rating 9 is outside 1 to 5$"):
        parse_ratings(b"1\t1\t3\t5\n1\t2\t9\t5\n", {1: 0}, {1: 0, 2: 1}, "my.tsv")


def test_unknown_ids_in_lookups(small_dataset: Dataset) -> None:
    with pytest.raises(DataError, match=r"^user 999 is not in ml-100k \(ids run from 1 to 60\)$"):
        small_dataset.user_index(999)
    with pytest.raises(DataError, match=r"^movie 0 is not in ml-100k \(ids run from 1 to 80\)$"):
        small_dataset.movie_index(0)


# --------------------------------------------------------------------------- good path (small)


def test_small_folder_good_path(small_dataset: Dataset) -> None:
    d = small_dataset
    assert (d.n_users, d.n_movies, d.n_ratings) == (60, 80, 1500)
    assert d.ratings["user"].dtype == np.int32 and d.ratings["movie"].dtype == np.int32
    assert d.ratings["rating"].dtype == np.float32 and d.ratings["timestamp"].dtype == np.int64
    assert d.genres == DEFAULT_GENRES
    missing_year = d.movies["release_date"] == ""
    assert missing_year.any()
    assert d.movies.loc[missing_year, "year"].isna().all()
    assert d.movies["year"].dtype == "Int64"
    no_genre = d.movies["genres"].map(len) == 0
    assert no_genre.any()
    assert (d.movies.loc[no_genre, "all_genres"] == "Other").all()
    assert (d.movies.loc[no_genre, "genre"] == "Other").all()


# --------------------------------------------------------------------------- real ml-100k


def test_ml100k_counts_and_headline_stats(ml100k: Dataset) -> None:
    assert (ml100k.n_users, ml100k.n_movies, ml100k.n_ratings) == (943, 1682, 100_000)
    summary = stats.summary(ml100k)
    assert round(summary.mean_age, 2) == 34.05
    movies = stats.movie_table(ml100k)
    top = stats.top_by_count(movies, 1).iloc[0]
    assert (top["title"], int(top["count"]), round(float(top["mean"]), 3)) == (
        "Star Wars (1977)",
        583,
        4.358,
    )
    best = stats.top_by_mean(movies, 1, min_ratings=20).iloc[0]
    assert (best["title"], round(float(best["mean"]), 3)) == ("Close Shave, A (1995)", 4.491)
    report = stats.report(ml100k)
    assert report["top_by_count"][0] == {
        "movie_id": 50, "title": "Star Wars (1977)", "count": 583, "mean": 4.358,
        "genres": ["Action", "Adventure", "Romance", "Sci-Fi", "War"],
    }  # fmt: skip


def test_ml100k_titles_years_and_genres(ml100k: Dataset) -> None:
    movies = ml100k.movies
    assert "Misérables, Les (1995)" in set(movies["title"])
    assert movies["year"].dtype == "Int64"
    missing = movies[movies["year"].isna()]
    assert list(missing["movie_id"]) == [267]  # "unknown", no release date
    assert not movies.astype(str).isin(["nan", "NaN", "<NA>"]).drop(columns="year").any().any()
    assert ml100k.genres[4] == "Children"
    toy = movies.iloc[ml100k.movie_index(1)]
    assert toy["title"] == "Toy Story (1995)" and toy["year"] == 1995
    assert toy["genres"] == ["Animation", "Children", "Comedy"]
    assert toy["all_genres"] == "Animation-Children-Comedy"
    assert toy["genre"] in toy["genres"]
    none = movies[movies["genres"].map(len) == 0]
    assert (none["all_genres"] == "Other").all() and (none["genre"] == "Other").all()
    unknown_genre = movies.iloc[ml100k.movie_index(267)]
    assert unknown_genre["all_genres"] == "unknown"


def test_ml100k_seeded_genre_is_reproducible(ml100k_dir: Path, ml100k: Dataset) -> None:
    again = load_folder(ml100k_dir)
    assert list(again.movies["genre"]) == list(ml100k.movies["genre"])
    other = load_folder(ml100k_dir, genre_seed=1)
    multi = ml100k.movies["genres"].map(len) > 1
    assert (other.movies["genre"] != ml100k.movies["genre"])[multi].any()
    assert all(
        g in gs for g, gs in zip(other.movies["genre"], other.movies["genres"], strict=True) if gs
    )


def test_ml100k_ids_round_trip(ml100k: Dataset) -> None:
    for user_id in (1, 405, 943):
        pos = ml100k.user_index(user_id)
        assert int(ml100k.users["user_id"].iloc[pos]) == user_id
    for movie_id in (1, 50, 1682):
        pos = ml100k.movie_index(movie_id)
        assert int(ml100k.movies["movie_id"].iloc[pos]) == movie_id
    raw = pd.read_csv(ml100k.path / "u.data", sep="\t", header=None, nrows=50)
    r = ml100k.ratings.iloc[:50]
    assert list(ml100k.users["user_id"].to_numpy()[r["user"]]) == list(raw[0])
    assert list(ml100k.movies["movie_id"].to_numpy()[r["movie"]]) == list(raw[1])
    assert ml100k.rated_by(ml100k.user_index(1)).size == 272


def test_ml100k_canonical_folds(ml100k: Dataset) -> None:
    assert available_folds(ml100k.path) == [1, 2, 3, 4, 5]
    seen = []
    for k in range(1, 6):
        train, test = canonical_fold(ml100k, k)
        assert (len(train), len(test)) == (80_000, 20_000)
        seen.append(test)
    everything = pd.concat(seen)
    assert len(everything.drop_duplicates(["user", "movie"])) == 100_000
    a, b = train_test_files(ml100k, ml100k.path / "u5.test", ml100k.path / "u1.test")
    assert (len(a), len(b)) == (20_000, 20_000)
