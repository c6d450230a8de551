"""The ``::``-separated ``.dat`` layout of ml-1m and ml-10m.

- ``ratings.dat``: ``UserID::MovieID::Rating::Timestamp`` (ml-10m: half stars);
- ``movies.dat``: ``MovieID::Title::Genres`` (ml-1m's titles are ISO-8859-1);
- ``users.dat`` (ml-1m only): ``UserID::Gender::Age::Occupation::Zip-code``, with ages
  and occupations as codes (decoded here with the names from ml-1m's README);
- ``tags.dat`` (ml-10m only): ``UserID::MovieID::Tag::Timestamp``.

ml-10m has no users file: its users are the ids in the ratings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.layouts.common import (
    fingerprint,
    movies_frame,
    positions_of,
    users_from_ids,
)
from movielens_tui.data.movielens import (
    DEMOGRAPHICS,
    HALF_STARS,
    RATING_COLUMNS,
    WHOLE_STARS,
    Dataset,
    _fast_ratings,
    _first_duplicate,
    decode_text,
    parse_table,
    ratings_from_frame,
    read_bytes,
)
from movielens_tui.data.registry import DatasetSpec
from movielens_tui.errors import DataError

SEP = "::"
AGE_BANDS = {1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55",
             56: "56+"}  # fmt: skip
OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)  # fmt: skip


def load(folder: Path, spec: DatasetSpec) -> Dataset:
    scale = HALF_STARS if spec.half_stars else WHOLE_STARS
    raw_ratings = read_bytes(folder / "ratings.dat")
    raw_movies = read_bytes(folder / "movies.dat")
    movies, genres = parse_movies(raw_movies, str(folder / "movies.dat"))
    frame, numbers = ratings_table(raw_ratings, str(folder / "ratings.dat"))
    users_path = folder / "users.dat"
    raws = [raw_ratings, raw_movies]
    if users_path.is_file():
        raw_users = read_bytes(users_path)
        raws.append(raw_users)
        users = parse_users(raw_users, str(users_path))
        attributes, sources = DEMOGRAPHICS, ("users.dat", "movies.dat")
    else:
        users = users_from_ids(frame["user_id"].to_numpy())
        attributes, sources = (), ("ratings.dat", "movies.dat")
    user_pos = positions_of(users["user_id"].to_numpy())
    movie_pos = positions_of(movies["movie_id"].to_numpy())
    ratings = ratings_from_frame(
        frame, numbers, user_pos, movie_pos, str(folder / "ratings.dat"), scale, sources
    )
    tags_path = folder / "tags.dat"
    tags = parse_tags(read_bytes(tags_path), str(tags_path)) if tags_path.is_file() else None
    return Dataset(
        name=spec.name,
        users=users,
        movies=movies,
        ratings=ratings,
        genres=genres,
        fingerprint=fingerprint(*raws),
        path=folder,
        occupations=OCCUPATIONS if attributes else (),
        scale=scale,
        user_attributes=attributes,
        tags=tags,
        layout="dat",
        _user_pos=user_pos,
        _movie_pos=movie_pos,
    )


def ratings_table(raw: bytes, filename: str = "ratings.dat") -> tuple[pd.DataFrame, np.ndarray]:
    """``ratings.dat`` as columns ``user_id, movie_id, rating, unix_timestamp``, line numbers."""
    if b"\t" not in raw:  # "::" → tab lets pandas' C parser read it straight from bytes
        fast = _fast_ratings(raw.replace(b"::", b"\t"))
        if fast is not None:
            return fast
    return parse_table(
        decode_text(raw, filename), filename, SEP, RATING_COLUMNS,
        ("user_id", "movie_id", "unix_timestamp"), ("rating",),
    )  # fmt: skip


def parse_movies(raw: bytes, filename: str = "movies.dat") -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``movies.dat`` (UTF-8, or ISO-8859-1 as in ml-1m) into the movies table and genres."""
    frame, numbers = parse_table(
        decode_text(raw, filename), filename, SEP, ("movie_id", "title", "genres"), ("movie_id",)
    )
    _first_duplicate(frame["movie_id"], numbers, filename, "MovieID")
    return movies_frame(frame["movie_id"].to_numpy(), frame["title"], frame["genres"])


def parse_users(raw: bytes, filename: str = "users.dat") -> pd.DataFrame:
    """ml-1m's ``users.dat``: ages and occupations decoded from their codes.

    ``age`` keeps the code (the lower end of its band, 1 meaning under 18); ``age_band``
    is the band's label and ``occupation`` the name.
    """
    frame, numbers = parse_table(
        decode_text(raw, filename), filename, SEP,
        ("user_id", "sex", "age", "occupation_code", "zip_code"),
        ("user_id", "age", "occupation_code"),
    )  # fmt: skip
    _first_duplicate(frame["user_id"], numbers, filename, "UserID")
    checks = (
        ("Gender", ~frame["sex"].isin(("M", "F")), "M or F"),
        ("Age", ~frame["age"].isin(list(AGE_BANDS)), "one of " + ", ".join(map(str, AGE_BANDS))),
        ("Occupation", ~frame["occupation_code"].between(0, len(OCCUPATIONS) - 1),
         f"a code 0-{len(OCCUPATIONS) - 1}"),
    )  # fmt: skip
    for field, bad, expected in checks:
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            value = frame[{"Gender": "sex", "Age": "age"}.get(field, "occupation_code")].iloc[row]
            value = value.item() if isinstance(value, np.generic) else value  # 30, not np.int64(30)
            raise DataError(
                f"{filename} line {numbers[row]}: {field} is {value!r}, expected {expected}"
            )
    codes = frame["occupation_code"].to_numpy()
    return pd.DataFrame(
        {
            "user_id": frame["user_id"].to_numpy(np.int64),
            "age": frame["age"].to_numpy(np.int64),
            "sex": frame["sex"].to_numpy(),
            "occupation": np.asarray(OCCUPATIONS, dtype=object)[codes],
            "zip_code": frame["zip_code"].to_numpy(),
            "age_band": frame["age"].map(AGE_BANDS).to_numpy(),
        }
    )


def parse_tags(raw: bytes, filename: str = "tags.dat") -> pd.DataFrame:
    """ml-10m's ``tags.dat``: ``user_id, movie_id, tag, timestamp`` (original ids).

    A tag may itself contain ``::``; the first two and the last field are the ids and
    the timestamp, the rest is the tag.
    """
    rows = []
    for number, line in enumerate(decode_text(raw, filename).splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(SEP)
        try:
            if len(parts) < 4:
                raise ValueError
            rows.append((int(parts[0]), int(parts[1]), SEP.join(parts[2:-1]), int(parts[-1])))
        except ValueError:
            raise DataError(
                f"{filename} line {number}: expected UserID::MovieID::Tag::Timestamp; "
                "fix or remove that line"
            ) from None
    return pd.DataFrame(rows, columns=["user_id", "movie_id", "tag", "timestamp"])


def read_ratings(path: Path, dataset: Dataset) -> pd.DataFrame:
    """A ``ratings.dat``-format file against ``dataset``."""
    frame, numbers = ratings_table(read_bytes(path), str(path))
    sources = ("users.dat" if dataset.user_attributes else "ratings.dat", "movies.dat")
    return ratings_from_frame(
        frame, numbers, dataset._user_pos, dataset._movie_pos, str(path), dataset.scale, sources
    )
