"""A plain ratings CSV of your own: a header naming ``user``, ``item`` and ``rating``
columns (``userId``/``user_id``, ``movieId``/``movie``/``item_id`` are fine too) and an
optional ``timestamp``.

There is no movies file, so titles are "Item <id>" and there are no genres. The rating
scale is read off the data: half stars if any rating has a half, from the lowest to the
highest rating given.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.layouts.common import movies_frame, positions_of, users_from_ids
from movielens_tui.data.movielens import (
    Dataset,
    RatingScale,
    decode_text,
    ratings_from_frame,
    read_bytes,
)
from movielens_tui.data.registry import MB, DatasetSpec
from movielens_tui.errors import DataError

USER_NAMES = ("user", "userid", "user_id")
ITEM_NAMES = ("item", "itemid", "item_id", "movie", "movieid", "movie_id")
RATING_NAMES = ("rating", "score")
TIME_NAMES = ("timestamp", "time", "unix_timestamp")
MAX_BYTES = 2048 * MB


def spec_for(path: Path) -> DatasetSpec:
    """A registry-like entry for a ratings file (its name keys models and your ratings)."""
    digest = hashlib.md5(str(path.resolve()).encode()).hexdigest()[:8]
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in path.stem.lower())
    return DatasetSpec(
        name=f"file-{stem}-{digest}",
        md5="",
        size=0,
        folder=path.parent.name,
        layout="ratings-csv",
        required=(path.name,),
        summary=f"your ratings file {path}",
    )


def looks_like_ratings_csv(path: Path) -> bool:
    """Whether ``path`` is meant as a ratings CSV (a ``.csv``/``.tsv`` file).

    Raises DataError when it is one but its header lacks a user, item or rating column.
    """
    if path.suffix.lower() not in (".csv", ".tsv") or not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            first = handle.readline(4096).decode("utf-8-sig", "replace")
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror})") from None
    _columns(first, str(path))
    return True


def _columns(header: str, filename: str) -> tuple[str, dict[str, int]]:
    sep = "\t" if "\t" in header else ","
    names = [n.strip().strip('"').lower() for n in header.rstrip("\r\n").split(sep)]
    where: dict[str, int] = {}
    for role, options in (("user_id", USER_NAMES), ("movie_id", ITEM_NAMES),
                          ("rating", RATING_NAMES), ("unix_timestamp", TIME_NAMES)):  # fmt: skip
        found = [i for i, n in enumerate(names) if n in options]
        if found:
            where[role] = found[0]
        elif role != "unix_timestamp":
            raise DataError(
                f"{filename} line 1: no {role.split('_')[0].replace('movie', 'item')} column in "
                f"the header {header.strip()!r}; name the columns user,item,rating[,timestamp]"
            )
    return sep, where


def load(path: Path, spec: DatasetSpec) -> Dataset:
    if path.is_dir():
        path = path / spec.required[0]
    raw = read_bytes(path)
    if len(raw) > MAX_BYTES:
        raise DataError(f"{path}: {len(raw)} bytes is more than a ratings file this app reads")
    frame, numbers = _table(raw, str(path))
    values = frame["rating"].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataError(f"{path} line {numbers[row]}: rating is not a number")
    half = bool((np.abs(values * 2 - np.rint(values * 2)) < 1e-6).all()) and bool(
        (np.abs(values - np.rint(values)) > 1e-6).any()
    )
    scale = RatingScale(float(values.min()), float(values.max()), 0.5 if half else 1.0)
    item_ids = np.unique(frame["movie_id"].to_numpy(np.int64))
    titles = pd.Series([f"Item {i}" for i in item_ids])
    movies, genres = movies_frame(item_ids, titles, [""] * len(item_ids))
    users = users_from_ids(frame["user_id"].to_numpy())
    user_pos = positions_of(users["user_id"].to_numpy())
    movie_pos = positions_of(item_ids)
    ratings = ratings_from_frame(
        frame, numbers, user_pos, movie_pos, str(path), scale, (path.name, path.name),
        check_steps=not half and scale.low.is_integer(),
    )  # fmt: skip
    return Dataset(
        name=spec.name,
        users=users,
        movies=movies,
        ratings=ratings,
        genres=genres,
        fingerprint=hashlib.sha256(raw).hexdigest()[:16],
        path=path,
        scale=scale,
        user_attributes=(),
        layout="ratings-csv",
        _user_pos=user_pos,
        _movie_pos=movie_pos,
    )


def _table(raw: bytes, filename: str) -> tuple[pd.DataFrame, np.ndarray]:
    text = decode_text(raw, filename)
    header, _, body = text.partition("\n")
    sep, where = _columns(header, filename)
    if not body.strip():
        raise DataError(f"{filename}: has a header but no ratings")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = pd.read_csv(io.StringIO(body), sep=sep, header=None, dtype=str,
                                keep_default_na=False, engine="c")  # fmt: skip
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataError(f"{filename}: {str(exc).strip().splitlines()[-1]}; fix that line") from None
    numbers = np.arange(2, len(table) + 2, dtype=np.int64)
    out = pd.DataFrame(index=table.index)
    for role, column in where.items():
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(np.float64, copy=True)
        bad = ~np.isfinite(values)
        if role != "rating":
            bad |= np.mod(np.nan_to_num(values), 1) != 0
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            label = {"user_id": "user", "movie_id": "item"}.get(role, role)
            raise DataError(
                f"{filename} line {numbers[row]}: {label} is {table[column].iloc[row]!r}, "
                "expected a number"
            )
        out[role] = values.astype(np.float64 if role == "rating" else np.int64)
    if "unix_timestamp" not in out:
        out["unix_timestamp"] = np.zeros(len(out), dtype=np.int64)
    return out, numbers


def read_ratings(path: Path, dataset: Dataset) -> pd.DataFrame:
    """Another file of the same shape (e.g. a test split) against ``dataset``."""
    frame, numbers = _table(read_bytes(path), str(path))
    return ratings_from_frame(
        frame, numbers, dataset._user_pos, dataset._movie_pos, str(path), dataset.scale,
        (dataset.path.name if dataset.path else "the ratings file",) * 2,
    )  # fmt: skip
