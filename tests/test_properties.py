"""Property tests: random tables through parse_ratings / parse_users / parse_movies.

Two kinds of property:
- an *oracle* one: lines built from a vocabulary whose validity is known (good and bad
  numbers, unknown ids, duplicates, wrong field counts, unicode text, blank lines, CRLF);
  the parser must return exactly the expected rows, or a DataError naming an invalid line;
- a *chaos* one: arbitrary bytes / unicode; the parser either returns a well-formed
  result or raises DataError with a one-line message, never another exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movielens_tui.data.movielens import DEFAULT_GENRES, parse_movies, parse_ratings, parse_users
from movielens_tui.errors import DataError

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
USER_IDS = (1, 2, 3, 5, 8, 13)  # original ids known to u.user
MOVIE_IDS = (1, 2, 4, 7, 10)
USER_POS = {u: i for i, u in enumerate(USER_IDS)}
MOVIE_POS = {m: j for j, m in enumerate(MOVIE_IDS)}
LINE_RE = re.compile(r"^(?P<file>\S+) line (?P<line>\d+): ")

# Free text never holding a separator, a line break, NUL, a BOM or a surrogate.
TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\t|\n\r\x00\ufeff",
    ),
    max_size=12,
)
# Tokens that are certainly not numbers: they contain a character no number can hold.
GARBAGE = st.one_of(
    st.sampled_from(["x", "abc", "1a", "--1", "1..2", "½", "٣", "１", "0x10", "1,5", "null", "∞"]),
    TEXT.filter(
        lambda s: any(c.isalpha() and c not in "eEinfatyINFATY" for c in s) and "ï" not in s
    ),
)


@dataclass(frozen=True)
class Token:
    text: str
    value: float | None  # parsed value, None when not a number


def int_token(n: int) -> st.SearchStrategy[Token]:
    """Spellings of the whole number ``n`` the parser accepts."""
    return st.sampled_from(
        [Token(str(n), n), Token(f" {n}", n), Token(f"{n} ", n), Token(f"{n}.0", n),
         Token(f"+{n}", n) if n >= 0 else Token(str(n), n)]
    )  # fmt: skip


def bad_int_token() -> st.SearchStrategy[Token]:
    return st.one_of(
        st.sampled_from([Token("", None), Token(" ", None), Token("1.5", None),
                         Token("nan", None), Token("inf", None), Token("-inf", None)]),
        GARBAGE.map(lambda s: Token(s, None)),
    )  # fmt: skip


def id_token(known: tuple[int, ...]) -> st.SearchStrategy[Token]:
    return st.one_of(
        st.sampled_from(known).flatmap(int_token),  # mostly known ids
        st.sampled_from(known).flatmap(int_token),
        st.integers(-3, 40).flatmap(int_token),  # sometimes unknown
        bad_int_token(),
    )


RATING = st.one_of(
    st.sampled_from([Token(t, float(t)) for t in ("1", "2", "3", "4", "5", "3.5", "1.0", "5.00")]),
    st.sampled_from([Token(t, float(t)) for t in ("0", "6", "-1", "0.5", "5.5", "inf", "1e3")]),
    st.sampled_from([Token("", None), Token("nan", None), Token("four", None)]),
    GARBAGE.map(lambda s: Token(s, None)),
)
TIMESTAMP = st.one_of(st.integers(0, 2_000_000_000).flatmap(int_token), bad_int_token())


def is_whole(token: Token) -> bool:
    return token.value is not None and float(token.value).is_integer()


@st.composite
def ratings_tables(draw: st.DrawFn) -> tuple[bytes, list[tuple[int, int, float, int]] | set[int]]:
    """A u.data-format file and either the expected rows or the set of invalid line numbers."""
    n_lines = draw(st.integers(0, 12))
    lines: list[str] = []
    invalid: set[int] = set()
    rows: list[tuple[int, int, float, int]] = []
    seen: dict[tuple[int, int], int] = {}
    duplicate_lines: set[int] = set()
    for _ in range(n_lines):
        kind = draw(st.sampled_from(["row", "row", "row", "blank", "fields"]))
        number = len(lines) + 1
        if kind == "blank":
            lines.append(draw(st.sampled_from(["", " ", "  \t ", "\t\t\t"])))
            continue
        user, movie = draw(id_token(USER_IDS)), draw(id_token(MOVIE_IDS))
        rating, ts = draw(RATING), draw(TIMESTAMP)
        fields = [user.text, movie.text, rating.text, ts.text]
        if kind == "fields":  # wrong number of fields
            if draw(st.booleans()):
                fields = fields[: draw(st.integers(1, 3))]
            else:
                fields += draw(st.lists(TEXT, min_size=1, max_size=3))
        line = "\t".join(fields)
        if not line.strip():
            lines.append(line)  # became blank: skipped by the parser
            continue
        lines.append(line)
        ok = (
            kind == "row"
            and is_whole(user)
            and is_whole(movie)
            and is_whole(ts)
            and int(user.value) in USER_POS
            and int(movie.value) in MOVIE_POS
            and rating.value is not None
            and 1 <= rating.value <= 5
        )
        if not ok:
            invalid.add(number)
            continue
        key = (USER_POS[int(user.value)], MOVIE_POS[int(movie.value)])
        if key in seen:
            duplicate_lines.add(number)
        seen.setdefault(key, number)
        rows.append((*key, float(rating.value), int(ts.value)))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = ending.join(lines) + draw(st.sampled_from(["", ending]))
    raw = text.encode("utf-8")
    if invalid or duplicate_lines or not rows:
        return raw, invalid | duplicate_lines | ({0} if not rows and not invalid else set())
    return raw, rows


def assert_one_line(message: str, filename: str) -> None:
    assert message and len(message.splitlines()) == 1, message
    assert message.startswith(filename), message


@SETTINGS
@given(ratings_tables())
def test_parse_ratings_matches_oracle(case: tuple[bytes, object]) -> None:
    raw, expected = case
    try:
        out = parse_ratings(raw, USER_POS, MOVIE_POS, "u.data")
    except DataError as exc:
        message = str(exc)
        assert_one_line(message, "u.data")
        assert isinstance(expected, set), f"valid table refused: {message}"
        match = LINE_RE.match(message)
        if match:
            assert int(match["line"]) in expected, message
        else:
            assert expected == {0} and message.endswith(
                "file is empty; restore it from the original ml-100k zip"
            ), message
        return
    assert isinstance(expected, list), f"invalid lines {expected} accepted"
    got = list(
        zip(
            out["user"].tolist(), out["movie"].tolist(),
            out["rating"].astype(float).tolist(), out["timestamp"].tolist(),
            strict=True,
        )
    )  # fmt: skip
    assert got == expected
    assert out.dtypes.to_dict() == {
        "user": np.int32, "movie": np.int32, "rating": np.float32, "timestamp": np.int64
    }  # fmt: skip


SEX = st.one_of(
    st.sampled_from([("M", True), ("F", True)]),
    st.sampled_from([("X", False), ("", False), ("m", False), ("male", False)]),
)
AGE = st.one_of(
    st.integers(0, 150).flatmap(int_token),
    st.sampled_from([Token("151", 151), Token("-1", -1), Token("999", 999)]),
    bad_int_token(),
)


@st.composite
def user_tables(draw: st.DrawFn) -> tuple[bytes, list[tuple] | set[int]]:
    n = draw(st.integers(1, 10))
    lines, invalid, rows, seen = [], set(), [], {}
    for number in range(1, n + 1):
        user = draw(st.one_of(st.integers(1, 12).flatmap(int_token), bad_int_token()))
        age, (sex, sex_ok) = draw(AGE), draw(SEX)
        occupation, zip_code = draw(TEXT), draw(TEXT)
        fields = [user.text, age.text, sex, occupation, zip_code]
        if draw(st.integers(0, 9)) == 0:
            fields = fields[:-1] if draw(st.booleans()) else [*fields, draw(TEXT)]
        line = "|".join(fields)
        lines.append(line)
        if not line.strip():
            continue
        if len(fields) == 5 and is_whole(user):  # a repeated id is a fault in any case
            if int(user.value) in seen:
                invalid.add(number)
            seen.setdefault(int(user.value), number)
        ok = (
            len(fields) == 5 and is_whole(user) and is_whole(age) and 0 <= age.value <= 150
            and sex_ok
        )  # fmt: skip
        if not ok or number in invalid:
            invalid.add(number)
            continue
        rows.append((int(user.value), int(age.value), sex, occupation, zip_code))
    raw = "\n".join(lines).encode("utf-8")
    if invalid or not rows:
        return raw, invalid or {0}
    return raw, rows


@SETTINGS
@given(user_tables())
def test_parse_users_matches_oracle(case: tuple[bytes, object]) -> None:
    raw, expected = case
    try:
        users = parse_users(raw, "u.user")
    except DataError as exc:
        message = str(exc)
        assert_one_line(message, "u.user")
        assert isinstance(expected, set), f"valid table refused: {message}"
        match = LINE_RE.match(message)
        assert (int(match["line"]) in expected) if match else expected == {0}, message
        return
    assert isinstance(expected, list), f"invalid lines {expected} accepted"
    got = [tuple(row) for row in users.itertuples(index=False)]
    assert got == expected  # unicode occupations / zip codes survive exactly


FLAG = st.one_of(
    st.sampled_from([Token("0", 0), Token("1", 1)]),
    st.sampled_from([Token("0", 0), Token("1", 1)]),
    st.sampled_from([Token("2", 2), Token("-1", -1), Token("", None), Token("yes", None)]),
)
DATE = st.sampled_from([("01-Jan-1995", 1995), ("24-Sep-1977", 1977), ("", None),
                        ("sometime", None), ("1995", None)])  # fmt: skip


@st.composite
def movie_tables(draw: st.DrawFn) -> tuple[bytes, list[tuple] | set[int]]:
    n = draw(st.integers(1, 8))
    lines, invalid, rows, seen = [], set(), [], set()
    for number in range(1, n + 1):
        movie = draw(st.one_of(st.integers(1, 10).flatmap(int_token), bad_int_token()))
        title = draw(st.one_of(TEXT, st.sampled_from(["Misérables, Les (1995)", "Ça (2017)"])))
        date, year = draw(DATE)
        flags = draw(st.lists(FLAG, min_size=19, max_size=19))
        fields = [movie.text, title, date, "", "http://x/", *(f.text for f in flags)]
        if draw(st.integers(0, 9)) == 0:
            fields = fields[:-1]
        lines.append("|".join(fields))
        if len(fields) == 24 and is_whole(movie):  # a repeated id is a fault in any case
            if int(movie.value) in seen:
                invalid.add(number)
            seen.add(int(movie.value))
        ok = len(fields) == 24 and is_whole(movie) and all(f.value in (0, 1) for f in flags)
        if not ok or number in invalid:
            invalid.add(number)
            continue
        genres = [g for g, f in zip(DEFAULT_GENRES, flags, strict=True) if f.value == 1]
        rows.append((int(movie.value), title, year, genres, "-".join(genres) or "Other"))
    encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
    raw = "\n".join(lines).encode(encoding, errors="replace")
    if encoding == "latin-1":  # what the parser reads back: UTF-8 when valid, else latin-1
        try:
            raw.decode("utf-8")
            back = "utf-8"
        except UnicodeDecodeError:
            back = "latin-1"
        rows = [(m, t.encode("latin-1", errors="replace").decode(back), *rest)
                for m, t, *rest in rows]  # fmt: skip
    if invalid or not rows:
        return raw, invalid or {0}
    return raw, rows


@SETTINGS
@given(movie_tables())
def test_parse_movies_matches_oracle(case: tuple[bytes, object]) -> None:
    raw, expected = case
    try:
        movies = parse_movies(raw, DEFAULT_GENRES, "u.item")
    except DataError as exc:
        message = str(exc)
        assert_one_line(message, "u.item")
        assert isinstance(expected, set), f"valid table refused: {message}"
        match = LINE_RE.match(message)
        assert (int(match["line"]) in expected) if match else expected == {0}, message
        return
    assert isinstance(expected, list), f"invalid lines {expected} accepted"
    got = [
        (int(r.movie_id), r.title, None if pd.isna(r.year) else int(r.year), r.genres,
         r.all_genres)
        for r in movies.itertuples(index=False)
    ]  # fmt: skip
    assert got == expected
    assert all(g in gs for g, gs in zip(movies["genre"], movies["genres"], strict=True) if gs)


# --------------------------------------------------------------------------- chaos

CHAOS = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", errors="surrogatepass")),
    st.lists(
        st.lists(st.one_of(TEXT, st.integers(-5, 20).map(str), st.sampled_from(["nan", "inf"])),
                 min_size=1, max_size=25),
        max_size=8,
    ).flatmap(
        lambda rows: st.sampled_from(["\t", "|"]).map(
            lambda sep: "\n".join(sep.join(r) for r in rows).encode("utf-8")
        )
    ),
)  # fmt: skip


@SETTINGS
@given(CHAOS)
def test_chaos_never_raises_anything_but_data_error(raw: bytes) -> None:
    for name, parse in (
        ("u.data", lambda b: parse_ratings(b, USER_POS, MOVIE_POS, "u.data")),
        ("u.user", lambda b: parse_users(b, "u.user")),
        ("u.item", lambda b: parse_movies(b, DEFAULT_GENRES, "u.item")),
    ):
        try:
            out = parse(raw)
        except DataError as exc:
            assert_one_line(str(exc), name)
            continue
        assert isinstance(out, pd.DataFrame) and len(out) >= 1
        assert len(out) <= raw.count(b"\n") + 1
        if name == "u.data":
            assert out["user"].between(0, len(USER_IDS) - 1).all()
            assert out["movie"].between(0, len(MOVIE_IDS) - 1).all()
            assert out["rating"].between(1, 5).all()
            assert not out.duplicated(["user", "movie"]).any()
        elif name == "u.user":
            assert out["user_id"].is_unique and out["age"].between(0, 150).all()
        else:
            assert out["movie_id"].is_unique
            assert out["year"].dtype == "Int64"
