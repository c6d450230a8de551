"""A plain ratings CSV of your own (``--data my.csv``): the fourth layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from movielens_tui.cli import main
from movielens_tui.data import source
from movielens_tui.errors import DataError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_ratings_csv_loads_with_its_scale_read_off_the_data(tmp_path: Path) -> None:
    path = write(tmp_path / "mine.csv",
                 "userId,movieId,rating,timestamp\r\n1,10,4.5,100\r\n1,11,3,101\r\n"
                 "2,10,5,102\r\n7,12,1,103\r\n")  # fmt: skip
    dataset = source.load(path)
    assert (dataset.n_users, dataset.n_movies, dataset.n_ratings) == (3, 3, 4)
    assert dataset.scale.half_stars and (dataset.scale.low, dataset.scale.high) == (1.0, 5.0)
    assert dataset.user_attributes == () and dataset.genres == ()
    assert list(dataset.movies["title"]) == ["Item 10", "Item 11", "Item 12"]
    assert dataset.name.startswith("file-mine-")


def test_without_timestamps_and_whole_stars(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.csv", "user,item,rating\n1,1,4\n2,1,2\n2,3,5\n")
    dataset = source.load(path)
    assert not dataset.scale.half_stars
    assert (dataset.ratings["timestamp"] == 0).all()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("who,item,rating\n1,2,4\n", "line 1: no user column in the header 'who,item,rating'"),
        ("user,item,rating\n1,x,4\n", "line 2: item is 'x', expected a number"),
        ("user,item,rating\n1,2,4\n1,2,5\n", "line 3: user 1 rated movie 2 twice"),
        ("user,item,rating\n", "has a header but no ratings"),
    ],
)
def test_bad_ratings_csv_is_one_line_naming_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError) as info:
        source.load(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_cli_trains_on_it(tmp_path: Path, capsys) -> None:
    rows = [f"{u},{m},{1 + (u * m) % 5}" for u in range(1, 21) for m in range(1, 16) if (u + m) % 3]
    path = write(tmp_path / "mine.csv", "user,item,rating\n" + "\n".join(rows) + "\n")
    code = main(["train", "--data", str(path), "--set", "epochs=1", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "file-mine-" in json.loads(out)["model"]
