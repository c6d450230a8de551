"""What the ``.dat`` and CSV layouts share: titles with years, ``|`` genre lists, user
tables derived from the ratings, tags."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.movielens import GENRE_SEED, add_derived_columns

NO_GENRES = "(no genres listed)"
GENRE_ORDER = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
_RENAMED = {"Children's": "Children"}
_YEAR = re.compile(r"\((\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?\s*)?\)\s*$")


def genre_lists(raw: Iterable[str]) -> list[list[str]]:
    """``Action|Comedy`` → ``["Action", "Comedy"]``; ``(no genres listed)`` → ``[]``."""
    out = []
    for text in raw:
        names = [] if not text or text == NO_GENRES else str(text).split("|")
        out.append([_RENAMED.get(n, n) for n in names if n and n != NO_GENRES])
    return out


def genre_vocabulary(lists: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The genres present, in MovieLens's usual order, unknown extras last (sorted)."""
    present = {g for names in lists for g in names}
    known = [g for g in GENRE_ORDER if g in present]
    return (*known, *sorted(present - set(GENRE_ORDER)))


def title_years(titles: pd.Series) -> pd.Series:
    """The release year at the end of a title ("Heat (1995)", "Show (2006-2010)"), or NA."""
    years = titles.str.extract(_YEAR, expand=False)
    return pd.to_numeric(years, errors="coerce").astype("Int64")


def movies_frame(
    ids: np.ndarray, titles: pd.Series, raw_genres: Iterable[str], seed: int = GENRE_SEED
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The Dataset's ``movies`` table (see :class:`Dataset`) and the genre vocabulary."""
    lists = genre_lists(raw_genres)
    vocab = genre_vocabulary(lists)
    titles = titles.astype(str).str.strip().reset_index(drop=True)
    frame = pd.DataFrame({"movie_id": np.asarray(ids, dtype=np.int64), "title": titles})
    where = {g: i for i, g in enumerate(vocab)}
    flags = np.zeros((len(frame), len(vocab)), dtype=np.int64)
    for row, names in enumerate(lists):
        for g in names:
            flags[row, where[g]] = 1
    flag_frame = pd.DataFrame(flags, columns=list(vocab))
    frame = pd.concat([frame, flag_frame], axis=1)
    add_derived_columns(frame, vocab, seed, years=title_years(frame["title"]))
    return frame, vocab


def users_from_ids(ids: np.ndarray) -> pd.DataFrame:
    """A users table with only ``user_id`` (releases without a users file), sorted.

    Ids below 50 million (every MovieLens release) are found with a presence table in
    one pass instead of sorting all the ratings.
    """
    ids = np.asarray(ids)
    if ids.size and ids.dtype.kind in "iu" and 0 <= ids.min() and ids.max() < 50_000_000:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        unique = np.flatnonzero(present).astype(np.int64)
    else:
        unique = np.unique(ids.astype(np.int64))
    return pd.DataFrame({"user_id": unique})


def fingerprint(*raws: bytes) -> str:
    digest = hashlib.sha256()
    for raw in raws:
        digest.update(hashlib.sha256(raw).digest())
    return digest.hexdigest()[:16]


def fingerprint_files(*paths: Path) -> str:
    """:func:`fingerprint` of the files' bytes, read in blocks (never whole in memory)."""
    digest = hashlib.sha256()
    for path in paths:
        inner = hashlib.sha256()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 24):
                inner.update(block)
        digest.update(inner.digest())
    return digest.hexdigest()[:16]


class LineNumbers:
    """Line ``row + first`` for every row: the line numbers of a clean file, without an
    array of tens of millions of them."""

    def __init__(self, first: int, count: int) -> None:
        self.first, self.count = first, count

    def __getitem__(self, row: int) -> int:
        if not 0 <= row < self.count:
            raise IndexError(row)
        return int(row) + self.first

    def __len__(self) -> int:
        return self.count


def positions_of(ids: np.ndarray) -> dict[int, int]:
    return {int(v): i for i, v in enumerate(np.asarray(ids, dtype=np.int64))}
