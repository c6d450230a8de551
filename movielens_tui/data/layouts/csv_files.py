"""The CSV layout of ml-latest-small, ml-20m, ml-25m and ml-32m.

``ratings.csv`` (userId,movieId,rating,timestamp), ``movies.csv`` (movieId,title,genres;
titles with commas are quoted), optional ``tags.csv`` (userId,movieId,tag,timestamp).
Line ends may be CRLF. There is no users file: the users are the ids in the ratings.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.layouts.common import (
    LineNumbers,
    fingerprint_files,
    movies_frame,
    positions_of,
    users_from_ids,
)
from movielens_tui.data.movielens import (
    HALF_STARS,
    MAX_FILE_BYTES,
    WHOLE_STARS,
    Dataset,
    _first_duplicate,
    _to_numbers,
    decode_text,
    parse_table,
    ratings_from_frame,
    read_bytes,
)
from movielens_tui.data.registry import DatasetSpec
from movielens_tui.errors import DataError

RATINGS_HEADER = ("userId", "movieId", "rating", "timestamp")
MOVIES_HEADER = ("movieId", "title", "genres")
TAGS_HEADER = ("userId", "movieId", "tag", "timestamp")
_COLUMNS = ("user_id", "movie_id", "rating", "unix_timestamp")


def load(folder: Path, spec: DatasetSpec) -> Dataset:
    scale = HALF_STARS if spec.half_stars else WHOLE_STARS
    ratings_path, movies_path = folder / "ratings.csv", folder / "movies.csv"
    movies, genres = parse_movies(read_bytes(movies_path), str(movies_path))
    frame, numbers = ratings_file(ratings_path)
    users = users_from_ids(frame["user_id"].to_numpy())
    user_pos = positions_of(users["user_id"].to_numpy())
    movie_pos = positions_of(movies["movie_id"].to_numpy())
    ratings = ratings_from_frame(
        frame, numbers, user_pos, movie_pos, str(folder / "ratings.csv"), scale,
        sources=("ratings.csv", "movies.csv"),
    )  # fmt: skip
    tags_path = folder / "tags.csv"
    tags = parse_tags(read_bytes(tags_path), str(tags_path)) if tags_path.is_file() else None
    return Dataset(
        name=spec.name,
        users=users,
        movies=movies,
        ratings=ratings,
        genres=genres,
        fingerprint=fingerprint_files(ratings_path, movies_path),
        path=folder,
        scale=scale,
        user_attributes=(),
        tags=tags,
        layout="csv",
        _user_pos=user_pos,
        _movie_pos=movie_pos,
    )


def _header(text: str, filename: str, expected: tuple[str, ...]) -> str:
    """``text`` without its header line, which must be ``expected``."""
    first, _, rest = text.partition("\n")
    found = tuple(f.strip().strip('"') for f in first.rstrip("\r").split(","))
    if found != expected:
        raise DataError(
            f"{filename} line 1: header is {','.join(found)!r}, expected {','.join(expected)!r}; "
            "restore the file from the original zip"
        )
    return rest


def parse_movies(raw: bytes, filename: str = "movies.csv") -> tuple[pd.DataFrame, tuple[str, ...]]:
    """``movies.csv`` into the Dataset's movies table, and the genre vocabulary."""
    body = _header(decode_text(raw, filename), filename, MOVIES_HEADER)
    try:
        frame = pd.read_csv(
            io.StringIO(body), header=None, names=list(MOVIES_HEADER),
            dtype={"movieId": str, "title": str, "genres": str},
            keep_default_na=False, na_filter=False, engine="c",
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{filename}: {_parser_reason(exc)}; fix that line") from None
    numbers = np.arange(2, len(frame) + 2, dtype=np.int64)
    ids = pd.to_numeric(frame["movieId"], errors="coerce")
    bad = ids.isna().to_numpy() | (ids.fillna(0) % 1 != 0).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{filename} line {numbers[row]}: movieId is {frame['movieId'].iloc[row]!r}, "
            "expected a whole number"
        )
    ids = ids.astype(np.int64)
    _first_duplicate(ids, numbers, filename, "movieId")
    return movies_frame(ids.to_numpy(), frame["title"], frame["genres"])


_FAST_DTYPES = {"user_id": np.int32, "movie_id": np.int32, "rating": np.float32,
                "unix_timestamp": np.int64}  # fmt: skip
_SCAN_BLOCK = 1 << 24


def ratings_file(path: Path) -> tuple[pd.DataFrame, np.ndarray | LineNumbers]:
    """``ratings.csv`` read by pandas' C parser straight from the file (a 900 MB ml-32m
    file is never held in memory as text), or, if it is not clean, by
    :func:`ratings_table`, which names the offending line."""
    filename = str(path)
    from movielens_tui.files import NotARegularFile, TooLarge, check_regular

    try:
        check_regular(path, MAX_FILE_BYTES)
    except (NotARegularFile, TooLarge, IsADirectoryError):
        read_bytes(path)  # raises the usual one-line message
    except FileNotFoundError:
        pass  # named below
    try:
        with open(path, "rb") as handle:
            first = handle.readline()
            if first.startswith(b"\xef\xbb\xbf"):
                first = first[3:]
            _header(first.decode("utf-8", "replace"), filename, RATINGS_HEADER)
            lines = _clean_lines(handle)
    except FileNotFoundError:
        read_bytes(path)  # raises the usual "file is missing" message
        raise
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror})") from None
    if lines:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                frame = pd.read_csv(
                    path, skiprows=1, header=None, names=list(_COLUMNS), dtype=_FAST_DTYPES,
                    na_filter=False, skip_blank_lines=False, engine="c",
                )  # fmt: skip
            if len(frame) == lines and not frame["rating"].isna().any():
                return frame, LineNumbers(2, lines)
        except (ValueError, OverflowError, pd.errors.ParserError):
            pass
    return ratings_table(read_bytes(path), filename)


def _clean_lines(handle) -> int:  # noqa: ANN001 - a binary file
    """Lines left in ``handle`` if they are plain ASCII with no blank line, else 0."""
    count, last, tail = 0, b"\n", b""
    while block := handle.read(_SCAN_BLOCK):
        if not block.isascii():
            return 0
        joined = tail + block
        if b"\n\n" in joined or b"\n\r\n" in joined:
            return 0
        count += block.count(b"\n")
        tail, last = joined[-2:], block[-1:]
    return count + (0 if last == b"\n" else 1)


def ratings_table(raw: bytes, filename: str = "ratings.csv") -> tuple[pd.DataFrame, np.ndarray]:
    """``ratings.csv`` as columns ``user_id, movie_id, rating, unix_timestamp`` and line numbers.

    Clean files go straight from bytes through pandas' C parser; anything else through
    :func:`parse_table`, which names the offending line.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    first, _, body = raw.partition(b"\n")
    _header(first.decode("utf-8", "replace"), filename, RATINGS_HEADER)
    fast = _fast(body)
    if fast is not None:
        return fast
    text = decode_text(body, filename) if body.strip() else ""
    if not text:
        raise DataError(f"{filename}: has no ratings; restore it from the original zip")
    frame, numbers = parse_table(  # the blank first line keeps the header's line number
        "\n" + text, filename, ",", _COLUMNS, ("user_id", "movie_id", "unix_timestamp"),
        ("rating",),
    )  # fmt: skip
    return frame, numbers


def _fast(body: bytes) -> tuple[pd.DataFrame, np.ndarray] | None:
    if not body.strip() or not body.isascii() or b"\n\n" in body or b"\r\n\r\n" in body:
        return None
    dtypes = {"user_id": np.int64, "movie_id": np.int64, "rating": np.float64,
              "unix_timestamp": np.int64}  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pd.read_csv(
                io.BytesIO(body), header=None, names=list(_COLUMNS), dtype=dtypes,
                na_filter=False, skip_blank_lines=False, engine="c",
            )  # fmt: skip
    except (ValueError, OverflowError, pd.errors.ParserError):
        return None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if len(frame) != lines or frame["rating"].isna().any():
        return None
    return frame, np.arange(2, lines + 2, dtype=np.int64)


def parse_tags(raw: bytes, filename: str = "tags.csv") -> pd.DataFrame:
    """``tags.csv``: columns ``user_id, movie_id, tag, timestamp`` (original ids)."""
    body = _header(decode_text(raw, filename), filename, TAGS_HEADER)
    try:
        frame = pd.read_csv(
            io.StringIO(body), header=None, names=list(TAGS_HEADER), dtype=str,
            keep_default_na=False, na_filter=False, engine="c",
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise DataError(f"{filename}: {_parser_reason(exc)}; fix that line") from None
    numbers = np.arange(2, len(frame) + 2, dtype=np.int64)
    for column in ("userId", "movieId", "timestamp"):  # names the line of a bad or missing id
        frame[column] = _to_numbers(frame, column, numbers, filename, whole=True)
    return frame.set_axis(["user_id", "movie_id", "tag", "timestamp"], axis=1)


def read_ratings(path: Path, dataset: Dataset) -> pd.DataFrame:
    """A ``ratings.csv``-format file (with its header) against ``dataset``."""
    frame, numbers = ratings_file(path)
    return ratings_from_frame(
        frame, numbers, dataset._user_pos, dataset._movie_pos, str(path), dataset.scale,
        sources=("ratings.csv", "movies.csv"),
    )  # fmt: skip


def _parser_reason(exc: Exception) -> str:
    """pandas' reason, its line number shifted past the header line we removed."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    text = text.removeprefix("Error tokenizing data. C error: ")
    return re.sub(r"line (\d+)", lambda m: f"line {int(m.group(1)) + 1}", text)
