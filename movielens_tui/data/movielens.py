"""The :class:`Dataset` every layout loads into, shared parsing helpers, and the ml-100k
(``u.*``) layout.

Ids are 0-based integers internally (``user``/``movie`` columns and row positions);
the original MovieLens ids stay in ``users.user_id`` and ``movies.movie_id`` and are
what people see and type. Every malformed input raises :class:`DataError` with the
file, the line number and what to do.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.control_chars import strip_controls
from movielens_tui.errors import DataError

DEFAULT_GENRES: tuple[str, ...] = (
    "unknown", "Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
USER_COLUMNS = ("user_id", "age", "sex", "occupation", "zip_code")
ITEM_COLUMNS = ("movie_id", "title", "release_date", "video_release_date", "imdb_url")
RATING_COLUMNS = ("user_id", "movie_id", "rating", "unix_timestamp")
GENRE_SEED = 0
_BINARY_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"BZh", b"\xfd7zXZ")
DEMOGRAPHICS: tuple[str, ...] = ("age", "sex", "occupation")


@dataclass(frozen=True)
class RatingScale:
    """The ratings a release allows: ``low`` to ``high`` in steps of ``step``."""

    low: float = 1.0
    high: float = 5.0
    step: float = 1.0

    @property
    def half_stars(self) -> bool:
        return self.step < 1.0

    @property
    def values(self) -> tuple[float, ...]:
        """Every allowed rating, lowest first."""
        n = int(round((self.high - self.low) / self.step))
        return tuple(self.low + i * self.step for i in range(n + 1))

    def allows(self, value: float) -> bool:
        """Whether ``value`` is on the scale (within range and on a step)."""
        if not self.low <= value <= self.high:
            return False
        steps = (value - self.low) / self.step
        return abs(steps - round(steps)) < 1e-6

    def invalid(self, ratings: np.ndarray) -> np.ndarray:
        """Boolean mask of ``ratings`` that are off the scale (in the array's own float
        type, one temporary at a time: 32M ratings need no gigabytes here)."""
        r = np.asarray(ratings)
        if r.dtype.kind != "f":
            r = r.astype(np.float64)
        with np.errstate(invalid="ignore"):
            ok = (r >= self.low) & (r <= self.high)
            steps = r - r.dtype.type(self.low)
            steps /= r.dtype.type(self.step)
            ok &= np.abs(steps - np.rint(steps)) < 1e-4
        return ~ok

    def clip(self, predictions: np.ndarray) -> np.ndarray:
        return np.clip(predictions, self.low, self.high)

    def describe(self) -> str:
        """E.g. "1 to 5" or "0.5 to 5 in half stars"."""
        text = f"{self.low:g} to {self.high:g}"
        return f"{text} in half stars" if self.half_stars else text


WHOLE_STARS = RatingScale(1.0, 5.0, 1.0)
HALF_STARS = RatingScale(0.5, 5.0, 0.5)


@dataclass(frozen=True, eq=False)
class Dataset:
    """A parsed, validated MovieLens dataset.

    ``users`` row *i* is internal user *i*; ``movies`` row *j* is internal movie *j*;
    ``ratings`` has int32 ``user`` / ``movie`` positions, float32 ``rating`` and int64
    ``timestamp``. ``movies`` always has ``movie_id``, ``title``, ``year`` (nullable),
    ``genres`` (list), ``all_genres``, ``genre`` and one 0/1 column per genre. ``users``
    always has ``user_id`` plus the columns named in ``user_attributes`` (ml-100k and
    ml-1m: age, sex, occupation; the CSV releases and ml-10m: none). What differs
    between releases is carried here, never assumed: ``scale`` (whole or half stars),
    ``genres``, ``user_attributes`` and ``tags`` (user, movie, tag, timestamp; or None).
    """

    name: str
    users: pd.DataFrame
    movies: pd.DataFrame
    ratings: pd.DataFrame
    genres: tuple[str, ...]
    fingerprint: str
    path: Path | None = None
    occupations: tuple[str, ...] = ()
    scale: RatingScale = WHOLE_STARS
    user_attributes: tuple[str, ...] = DEMOGRAPHICS
    tags: pd.DataFrame | None = None
    layout: str = "100k"
    _user_pos: dict[int, int] = field(default_factory=dict, repr=False)
    _movie_pos: dict[int, int] = field(default_factory=dict, repr=False)
    _index: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self._user_pos:
            self._user_pos.update({int(u): i for i, u in enumerate(self.users["user_id"])})
        if not self._movie_pos:
            self._movie_pos.update({int(m): j for j, m in enumerate(self.movies["movie_id"])})

    @property
    def n_users(self) -> int:
        return len(self.users)

    @property
    def n_movies(self) -> int:
        return len(self.movies)

    @property
    def n_ratings(self) -> int:
        return len(self.ratings)

    def user_index(self, user_id: int) -> int:
        """Internal position of an original MovieLens user id."""
        try:
            return self._user_pos[int(user_id)]
        except (KeyError, ValueError):
            raise DataError(
                f"user {user_id} is not in {self.name} (ids run from "
                f"{self.users['user_id'].min()} to {self.users['user_id'].max()})"
            ) from None

    def movie_index(self, movie_id: int) -> int:
        """Internal position of an original MovieLens movie id."""
        try:
            return self._movie_pos[int(movie_id)]
        except (KeyError, ValueError):
            raise DataError(
                f"movie {movie_id} is not in {self.name} (ids run from "
                f"{self.movies['movie_id'].min()} to {self.movies['movie_id'].max()})"
            ) from None

    @property
    def has_demographics(self) -> bool:
        """Whether users carry age, sex and occupation."""
        return all(a in self.user_attributes for a in DEMOGRAPHICS)

    def has_user(self, user_id: int) -> bool:
        return int(user_id) in self._user_pos

    def has_movie(self, movie_id: int) -> bool:
        return int(movie_id) in self._movie_pos

    def rated_by(self, user: int) -> np.ndarray:
        """Internal movie positions rated by internal user ``user`` (from a by-user index
        built once, so a query costs microseconds even at 32M ratings)."""
        order, starts = self._by_user()
        if not 0 <= user < len(starts) - 1:
            return np.empty(0, dtype=np.int32)
        rows = slice(int(starts[user]), int(starts[user + 1]))
        movies = self.ratings["movie"].to_numpy()
        return movies[rows] if order is None else movies[order[rows]]

    def ratings_of(self, user: int) -> tuple[np.ndarray, np.ndarray]:
        """(movie positions, ratings) of internal user ``user``."""
        order, starts = self._by_user()
        if not 0 <= user < len(starts) - 1:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        rows = slice(int(starts[user]), int(starts[user + 1]))
        movies = self.ratings["movie"].to_numpy()
        values = self.ratings["rating"].to_numpy()
        if order is None:
            return movies[rows], values[rows]
        picked = order[rows]
        return movies[picked], values[picked]

    def _by_user(self) -> tuple[np.ndarray | None, np.ndarray]:
        """(row order grouping ratings by user, or None when they already are; the start
        row of each user, n_users + 1 long)."""
        cached = self._index.get("by_user")
        if cached is None:
            users = self.ratings["user"].to_numpy()
            grouped = users.size < 2 or bool((users[1:] >= users[:-1]).all())
            order = None if grouped else np.argsort(users, kind="stable")
            counts = (
                np.bincount(users, minlength=self.n_users)
                if users.size
                else np.zeros(self.n_users, dtype=np.int64)
            )
            starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            cached = (order, starts)
            self._index["by_user"] = cached
        return cached

    def with_extra_user(self, movie_ratings: dict[int, float]) -> tuple[Dataset, int]:
        """A copy with one new user who rated ``{internal movie: rating}``.

        Returns the new dataset and the new user's internal position. The new user
        gets the next free original id and no demographic data.
        """
        new_pos = self.n_users
        new_id = int(self.users["user_id"].max()) + 1 if self.n_users else 1
        defaults = {"user_id": new_id, "age": pd.NA, "sex": "", "occupation": "you",
                    "zip_code": "", "age_band": "unknown"}  # fmt: skip
        extra_user = pd.DataFrame({c: [defaults.get(c, pd.NA)] for c in self.users.columns})
        users = pd.concat([self.users, extra_user], ignore_index=True)
        extra = pd.DataFrame(
            {
                "user": np.full(len(movie_ratings), new_pos, dtype=np.int32),
                "movie": np.fromiter(movie_ratings.keys(), dtype=np.int32),
                "rating": np.fromiter(movie_ratings.values(), dtype=np.float32),
                "timestamp": np.zeros(len(movie_ratings), dtype=np.int64),
            }
        )
        ratings = pd.concat([self.ratings, extra], ignore_index=True)
        return (
            Dataset(
                name=self.name,
                users=users,
                movies=self.movies,
                ratings=ratings,
                genres=self.genres,
                fingerprint=self.fingerprint,
                path=self.path,
                occupations=self.occupations,
                scale=self.scale,
                user_attributes=self.user_attributes,
                tags=self.tags,
                layout=self.layout,
            ),
            new_pos,
        )


# --------------------------------------------------------------------------- reading


MAX_FILE_BYTES = 2 * 1024**3  # ml-32m's ratings.csv, the largest MovieLens file, is 0.9 GB


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file of at most ``limit`` bytes, turning a missing, unreadable,
    special (device, FIFO) or oversized file into a clear DataError."""
    from movielens_tui.files import NotARegularFile, TooLarge, read_regular

    try:
        return read_regular(Path(path), limit)
    except FileNotFoundError:
        raise DataError(
            f"{path}: file is missing; point --data at a complete ml-100k folder or its zip"
        ) from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected a file") from None
    except NotARegularFile as exc:
        raise DataError(
            f"{exc}; point --data at the release's own files or restore them from its zip"
        ) from None
    except TooLarge as exc:
        raise DataError(
            f"{exc} bytes, far more than any MovieLens file; restore it from {_origin(str(path))}"
        ) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror})") from None


def decode_text(raw: bytes, filename: str) -> str:
    """Decode a MovieLens text file: UTF-8 when it is valid UTF-8, else latin-1.

    ml-100k ships latin-1; a copy re-saved as UTF-8 (with or without a byte-order
    mark) decodes correctly too. Control characters (terminal escapes) are stripped
    (:mod:`movielens_tui.data.control_chars`). Binary content (NUL bytes, a gzip or zip stream) and
    UTF-16 text are refused.
    """
    if not raw.strip():
        raise DataError(f"{filename}: file is empty; restore it from {_origin(filename)}")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(
            f"{filename}: is saved as UTF-16; save it as UTF-8 or latin-1, "
            f"or restore it from {_origin(filename)}"
        )
    if raw.startswith(_BINARY_MAGIC) or b"\x00" in raw:
        raise DataError(
            f"{filename}: is binary data, not a MovieLens text file; "
            f"restore it from {_origin(filename)}"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return strip_controls(text, filename)


def _origin(filename: str) -> str:
    """Where a damaged file comes from, for the "restore it" hint."""
    name = Path(filename).name
    if name.startswith("u") and "." in name and not name.endswith((".csv", ".dat")):
        return "the original ml-100k zip"
    return "the release's original zip"


_MAX_INT = 2**62  # ids and timestamps far beyond any real MovieLens value


def _split_lines(text: str, filename: str, sep: str, n_fields: int) -> tuple[list[str], list[int]]:
    """Non-blank lines (split on newlines only) with their 1-based numbers, field counts checked."""
    kept: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip():
            continue
        if "\r" in line:
            raise DataError(
                f"{filename} line {number}: contains a stray carriage return (\\r) inside the "
                "line; fix or remove that line"
            )
        found = line.count(sep) + 1
        if found != n_fields:
            raise DataError(
                f"{filename} line {number}: expected {n_fields} fields separated by "
                f"{sep!r}, found {found}; fix or remove that line"
            )
        kept.append(line)
        numbers.append(number)
    return kept, numbers


def _read_frame(
    body: str, sep: str, columns: Sequence[str], dtypes: dict[str, object]
) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(body),
        sep=sep,
        header=None,
        names=list(columns),
        dtype=dtypes,
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        quoting=3,  # csv.QUOTE_NONE: quotes are part of titles
        engine="c",
    )


def _to_numbers(
    frame: pd.DataFrame, column: str, numbers: np.ndarray, filename: str, whole: bool
) -> pd.Series:
    """Convert a string column, naming the first line that is not a (whole) number."""
    values = pd.to_numeric(frame[column], errors="coerce")
    if values.dtype == object:  # integers too large for int64
        values = values.astype(np.float64)
    as_float = values.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(as_float)
    if whole:
        with np.errstate(invalid="ignore"):
            bad |= ~np.isfinite(as_float) | (as_float != np.floor(as_float))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        kind = "a whole number" if whole else "a number"
        raise DataError(
            f"{filename} line {numbers[row]}: {column} is {frame[column].iloc[row]!r}, "
            f"expected {kind}"
        )
    if whole:
        too_big = (as_float >= _MAX_INT) | (as_float <= -_MAX_INT)
        if too_big.any():
            row = int(np.flatnonzero(too_big)[0])
            raise DataError(
                f"{filename} line {numbers[row]}: {column} {frame[column].iloc[row].strip()} "
                "is out of range; fix that line"
            )
        return values.astype(np.int64)
    return values.astype(np.float64)


def parse_table(
    text: str,
    filename: str,
    sep: str,
    columns: Sequence[str],
    integer_columns: Sequence[str] = (),
    number_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray]:
    """Split ``text`` into a DataFrame with exactly ``len(columns)`` fields per line.

    Blank lines are skipped; lines are split on newlines only (``\\r\\n`` is fine).
    Returns the frame and the 1-based line number of every row. ``integer_columns``
    become int64 and ``number_columns`` float64; the rest stay strings. A wrong field
    count or a value that is not a (whole) number raises DataError naming the line.
    """
    kept, line_numbers = _split_lines(text, filename, sep, len(columns))
    if not kept:
        raise DataError(f"{filename}: file is empty; restore it from {_origin(filename)}")
    numbers = np.asarray(line_numbers, dtype=np.int64)
    body = "\n".join(kept)
    dtypes: dict[str, object] = {c: str for c in columns}
    dtypes.update({c: np.int64 for c in integer_columns})
    dtypes.update({c: np.float64 for c in number_columns})
    try:  # fast path: the C parser converts numbers itself
        with warnings.catch_warnings():  # it warns while probing "inf" as an integer
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = _read_frame(body, sep, columns, dtypes)
        if len(frame) == len(kept):
            for column in integer_columns:
                col = frame[column].to_numpy()
                if ((col >= _MAX_INT) | (col <= -_MAX_INT)).any():
                    raise OverflowError(column)
            for column in number_columns:
                if frame[column].isna().any():
                    raise ValueError(column)
            return frame, numbers
    except (ValueError, OverflowError):
        pass
    # slow path: find the offending line for a precise message
    frame = pd.DataFrame([line.split(sep) for line in kept], columns=list(columns), dtype=str)
    for column in integer_columns:
        frame[column] = _to_numbers(frame, column, numbers, filename, whole=True)
    for column in number_columns:
        frame[column] = _to_numbers(frame, column, numbers, filename, whole=False)
    return frame, numbers


def _first_duplicate(values: pd.Series, numbers: np.ndarray, filename: str, what: str) -> None:
    dup = values.duplicated().to_numpy()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        first = int(numbers[int(np.flatnonzero((values == values.iloc[row]).to_numpy())[0])])
        raise DataError(
            f"{filename} line {numbers[row]}: duplicate {what} {values.iloc[row]} "
            f"(first seen on line {first}); remove one of them"
        )


# --------------------------------------------------------------------------- files


def parse_genres(raw: bytes | None, filename: str = "u.genre") -> tuple[str, ...]:
    """Genre names in flag order, from ``u.genre`` (``name|index``)."""
    if raw is None:
        return DEFAULT_GENRES
    frame, numbers = parse_table(
        decode_text(raw, filename), filename, "|", ("name", "index"), ("index",)
    )
    if list(frame["index"]) != list(range(len(frame))):
        raise DataError(f"{filename}: genre indices must run 0, 1, 2, ... in order")
    return tuple("Children" if n == "Children's" else n for n in frame["name"])


def parse_users(raw: bytes, filename: str = "u.user") -> pd.DataFrame:
    """``u.user``: user_id|age|sex|occupation|zip_code."""
    frame, numbers = parse_table(
        decode_text(raw, filename), filename, "|", USER_COLUMNS, ("user_id", "age")
    )
    _first_duplicate(frame["user_id"], numbers, filename, "user_id")
    bad_age = ((frame["age"] < 0) | (frame["age"] > 150)).to_numpy()
    if bad_age.any():
        row = int(np.flatnonzero(bad_age)[0])
        raise DataError(
            f"{filename} line {numbers[row]}: age {frame['age'].iloc[row]} is not 0-150"
        )
    bad_sex = ~frame["sex"].isin(("M", "F")).to_numpy()
    if bad_sex.any():
        row = int(np.flatnonzero(bad_sex)[0])
        raise DataError(
            f"{filename} line {numbers[row]}: sex is {frame['sex'].iloc[row]!r}, expected M or F"
        )
    return frame.astype({"user_id": np.int64, "age": np.int64})


def parse_movies(
    raw: bytes, genres: Sequence[str], filename: str = "u.item", seed: int = GENRE_SEED
) -> pd.DataFrame:
    """``u.item``: movie_id|title|release_date|video_release_date|imdb_url|19 genre flags."""
    flag_columns = list(genres)
    frame, numbers = parse_table(
        decode_text(raw, filename),
        filename,
        "|",
        (*ITEM_COLUMNS, *flag_columns),
        ("movie_id", *flag_columns),
    )
    _first_duplicate(frame["movie_id"], numbers, filename, "movie_id")
    flags = frame[flag_columns].to_numpy()
    bad = ~np.isin(flags, (0, 1))
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        raise DataError(
            f"{filename} line {numbers[row]}: genre flag {flag_columns[col]} is "
            f"{flags[row, col]}, expected 0 or 1"
        )
    add_derived_columns(frame, flag_columns, seed)
    return frame


def add_derived_columns(
    movies: pd.DataFrame, genres: Sequence[str], seed: int, years: pd.Series | None = None
) -> None:
    """``year`` (nullable), ``genres`` (list), ``all_genres`` ('-'-joined) and ``genre``.

    ``movies`` holds one 0/1 column per genre. ``years`` defaults to the year of
    ml-100k's ``release_date``. ``genre`` is the colab's single random genre per movie,
    made reproducible by ``seed``.
    """
    if years is None:
        dates = pd.to_datetime(movies["release_date"], format="%d-%b-%Y", errors="coerce")
        years = dates.dt.year
    movies["year"] = pd.Series(years, index=movies.index).astype("Int64")
    flags = movies[list(genres)].to_numpy().astype(bool)
    names = list(genres)
    lists = [[names[i] for i in np.flatnonzero(row)] for row in flags]
    movies["genres"] = lists
    movies["all_genres"] = ["-".join(g) if g else "Other" for g in lists]
    # one active genre per movie, drawn uniformly (vectorised: the k-th active flag)
    count = flags.sum(axis=1)
    if flags.shape[1] == 0:  # a release without genres
        movies["genre"] = "Other"
        return
    pick = np.floor(np.random.default_rng(seed).random(len(flags)) * count).astype(np.int64)
    chosen = np.argmax(np.cumsum(flags, axis=1) > pick[:, None], axis=1)
    movies["genre"] = np.where(count > 0, np.asarray(names, dtype=object)[chosen], "Other")


def parse_ratings(
    raw: bytes,
    user_pos: dict[int, int],
    movie_pos: dict[int, int],
    filename: str = "u.data",
    scale: RatingScale = WHOLE_STARS,
) -> pd.DataFrame:
    """A u.data-format file (tab: user_id, movie_id, rating, unix_timestamp).

    Returns internal positions; unknown users or movies, ratings off the scale and a
    user rating the same movie twice are refused with the line number.
    """
    fast = _fast_ratings(raw)
    if fast is not None:
        frame, numbers = fast
    else:
        frame, numbers = parse_table(
            decode_text(raw, filename),
            filename,
            "\t",
            RATING_COLUMNS,
            ("user_id", "movie_id", "unix_timestamp"),
            ("rating",),
        )
    return ratings_from_frame(
        frame, numbers, user_pos, movie_pos, filename, scale, ("u.user", "u.item"), False
    )


def ratings_from_frame(
    frame: pd.DataFrame,
    numbers: np.ndarray,
    user_pos: dict[int, int],
    movie_pos: dict[int, int],
    filename: str,
    scale: RatingScale,
    sources: tuple[str, str],
    check_steps: bool = True,
) -> pd.DataFrame:
    """Validate parsed ratings (columns as :data:`RATING_COLUMNS`) into internal positions.

    ``numbers`` holds each row's line number; ``sources`` names the users and movies
    files for the "unknown user/movie" message. ``check_steps`` also refuses ratings
    between the scale's steps (ml-100k's loader accepts any number in range, as always).
    """
    ts = frame["unix_timestamp"]
    rating = frame["rating"]
    values = rating.to_numpy()
    with np.errstate(invalid="ignore"):
        outside = ~((values >= scale.low) & (values <= scale.high))
    if outside.any():
        row = int(np.flatnonzero(outside)[0])
        raise DataError(
            f"{filename} line {numbers[row]}: rating {rating.iloc[row]:g} is outside "
            f"{scale.low:g} to {scale.high:g}"
        )
    off_step = scale.invalid(values) if check_steps else outside
    if off_step.any():
        row = int(np.flatnonzero(off_step)[0])
        raise DataError(
            f"{filename} line {numbers[row]}: rating {rating.iloc[row]:g} is not on this "
            f"dataset's scale ({scale.describe()}); fix or remove that line"
        )
    users = _positions(frame["user_id"].to_numpy(), user_pos)
    movies = _positions(frame["movie_id"].to_numpy(), movie_pos)
    for what, original, mapped, source in (
        ("user", frame["user_id"], users, sources[0]),
        ("movie", frame["movie_id"], movies, sources[1]),
    ):
        missing = mapped < 0
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise DataError(
                f"{filename} line {numbers[row]}: rating for unknown {what} "
                f"{original.iloc[row]} (not in {source})"
            )
    out = pd.DataFrame(
        {
            "user": users.astype(np.int32, copy=False),
            "movie": movies.astype(np.int32, copy=False),
            "rating": rating.to_numpy(dtype=np.float32),
            "timestamp": ts.to_numpy(dtype=np.int64),
        },
        copy=False,
    )
    row = _first_repeated_pair(users, movies, len(movie_pos) + 1)
    if row is not None:
        raise DataError(
            f"{filename} line {numbers[row]}: user {frame['user_id'].iloc[row]} rated movie "
            f"{frame['movie_id'].iloc[row]} twice; keep one of the two lines"
        )
    return out


def _fast_ratings(raw: bytes) -> tuple[pd.DataFrame, np.ndarray] | None:
    """Parse a clean u.data-format file straight from bytes with pandas' C parser.

    Used for well-formed files only (ASCII, ``\\n`` or ``\\r\\n`` line ends, no blank lines, four
    numeric fields on every line); anything else returns None and goes through
    :func:`parse_table`, which names the offending line. Keeps a 25M-line file to a
    few bytes per field instead of a Python string per line.
    """
    if b"\r" in raw:
        if raw.count(b"\r") != raw.count(b"\r\n"):
            return None  # a stray \r: the careful parser names its line
        raw = raw.replace(b"\r\n", b"\n")  # CRLF line ends (Windows): same fast parse
    if not raw.isascii() or b"\x00" in raw or not raw.strip():
        return None
    if raw.startswith(b"\n") or b"\n\n" in raw:
        return None
    dtypes = {"user_id": np.int64, "movie_id": np.int64, "rating": np.float64,
              "unix_timestamp": np.int64}  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pd.read_csv(
                io.BytesIO(raw), sep="\t", header=None, names=list(RATING_COLUMNS),
                dtype=dtypes, na_filter=False, skip_blank_lines=False, quoting=3, engine="c",
            )  # fmt: skip
    except (ValueError, OverflowError, pd.errors.ParserError):
        return None
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if len(frame) != lines or frame["rating"].isna().any():
        return None
    for column in ("user_id", "movie_id", "unix_timestamp"):
        values = frame[column].to_numpy()
        if ((values >= _MAX_INT) | (values <= -_MAX_INT)).any():
            return None
    return frame, np.arange(1, lines + 1, dtype=np.int64)


def _first_repeated_pair(users: np.ndarray, movies: np.ndarray, stride: int) -> int | None:
    """The row of the first (user, movie) pair seen before, or None.

    MovieLens files are sorted by user then movie, so a strictly increasing key proves
    there is no repeat in one pass; otherwise a stable sort finds it.
    """
    key = users.astype(np.int64) * stride + movies
    if key.size < 2 or bool((key[1:] > key[:-1]).all()):
        return None
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    if same.size == 0:
        return None
    return int(order[same + 1].min())  # the later line of each repeated pair, first of all


def _positions(ids: np.ndarray, positions: dict[int, int]) -> np.ndarray:
    """Internal positions (int32) of original ids (-1 where unknown), vectorised."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        ids = ids.astype(np.int64)
    if not positions:
        return np.full(ids.shape, -1, dtype=np.int32)
    keys = np.fromiter(positions.keys(), dtype=np.int64, count=len(positions))
    values = np.fromiter(positions.values(), dtype=np.int64, count=len(positions))
    low, high = int(keys.min()), int(keys.max())
    if low < 0 or high > 50_000_000:  # sparse ids: a hash lookup instead of a table
        mapped = pd.Series(ids).map(positions)
        return mapped.fillna(-1).to_numpy(dtype=np.int32)
    table = np.full(high + 1, -1, dtype=np.int32)
    table[keys] = values
    inside = (ids >= 0) & (ids <= high)
    if inside.all():
        return table[ids]
    out = np.full(ids.shape, -1, dtype=np.int32)
    out[inside] = table[ids[inside]]
    return out


def _occupations(folder: Path) -> tuple[str, ...]:
    path = folder / "u.occupation"
    if not path.exists():
        return ()
    try:
        return tuple(
            line.strip()
            for line in decode_text(path.read_bytes(), str(path)).splitlines()
            if line.strip()
        )
    except DataError:
        return ()


def load_folder(folder: Path, name: str = "ml-100k", genre_seed: int = GENRE_SEED) -> Dataset:
    """Parse and validate an ml-100k folder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder; pass an ml-100k folder or its zip with --data")
    raw_data = read_bytes(folder / "u.data")
    raw_item = read_bytes(folder / "u.item")
    raw_user = read_bytes(folder / "u.user")
    genre_path = folder / "u.genre"
    raw_genre = read_bytes(genre_path) if genre_path.exists() else None
    genres = parse_genres(raw_genre, str(genre_path))
    users = parse_users(raw_user, str(folder / "u.user"))
    movies = parse_movies(raw_item, genres, str(folder / "u.item"), seed=genre_seed)
    user_pos = {int(u): i for i, u in enumerate(users["user_id"])}
    movie_pos = {int(m): j for j, m in enumerate(movies["movie_id"])}
    ratings = parse_ratings(raw_data, user_pos, movie_pos, str(folder / "u.data"))
    digest = hashlib.sha256()
    for raw in (raw_data, raw_item, raw_user):
        digest.update(hashlib.sha256(raw).digest())
    return Dataset(
        name=name,
        users=users,
        movies=movies,
        ratings=ratings,
        genres=genres,
        fingerprint=digest.hexdigest()[:16],
        path=folder,
        occupations=_occupations(folder),
        _user_pos=user_pos,
        _movie_pos=movie_pos,
    )


def read_ratings_file(path: Path, dataset: Dataset) -> pd.DataFrame:
    """Read a ratings file in ``dataset``'s own layout (``u1.base``, a ``ratings.dat`` or a
    ``ratings.csv`` subset) against its users and movies."""
    from movielens_tui.data.layouts import read_ratings

    return read_ratings(Path(path), dataset)
