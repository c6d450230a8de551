"""MovieLens-shaped synthetic data for tests and scale benchmarks.

Ratings come from hidden user/movie factors, popularity follows a power law and the
rating histogram resembles MovieLens (mean about 3.5). :func:`write_movielens_folder`
writes the ml-100k ``u.*`` layout; :func:`write_dat_release` the ml-1m / ml-10m
``::`` layout and :func:`write_csv_release` the ml-latest-small / ml-20m / ml-25m /
ml-32m CSV layout, each with its real quirks (encodings, line ends, quoting, coded
demographics, sparse ids, titles without a year, ``(no genres listed)``) and any shape,
up to the real releases' sizes. No MovieLens file or derivative is used.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from movielens_tui.data.movielens import DEFAULT_GENRES

# Titles tests rely on (fuzzy search, accents, article order); the rest are generated.
KNOWN_TITLES = (
    "Aladdin (1992)",
    "Aladdin and the King of Thieves (1996)",
    "Godfather, The (1972)",
    "Godfather: Part II, The (1974)",
    "Misérables, Les (1995)",
    "Lion King, The (1994)",
    "Beauty and the Beast (1991)",
    "Star Wars (1977)",
    "Toy Story (1995)",
    "Fargo (1996)",
)
_WORDS = (
    "Night",
    "River",
    "Storm",
    "Garden",
    "Shadow",
    "Summer",
    "Blue",
    "Iron",
    "Silent",
    "Golden",
    "Last",
    "Secret",
    "City",
    "Dream",
    "Fire",
    "Winter",
    "Wild",
    "Lost",
)
_CHUNK = 1 << 20
OCCUPATIONS = ("student", "engineer", "writer", "artist", "doctor", "other", "educator")


def synthetic_ratings(
    n_users: int,
    n_movies: int,
    n_ratings: int,
    seed: int = 0,
    dim: int = 4,
) -> pd.DataFrame:
    """Unique (user, movie, rating) triples with power-law movie popularity (0-based ids)."""
    rng = np.random.default_rng(seed)
    n_ratings = min(n_ratings, n_users * n_movies)
    pop = 1.0 / np.arange(1, n_movies + 1) ** 0.9
    pop = rng.permutation(pop / pop.sum())
    activity = rng.pareto(1.5, n_users) + 1.0
    activity /= activity.sum()
    # Same draws and result as deduplicating the whole sample each round, without
    # re-sorting everything kept so far (this is what makes 25M ratings affordable).
    users = np.empty(0, np.int64)
    movies = np.empty(0, np.int64)
    kept_keys = np.empty(0, np.int64)  # sorted keys of the pairs kept so far
    need = n_ratings
    while need > 0:
        batch = int(need * 1.3) + 16
        u = rng.choice(n_users, size=batch, p=activity)
        m = rng.choice(n_movies, size=batch, p=pop)
        key = u * n_movies + m
        fresh = np.flatnonzero(~_contains(kept_keys, key))
        first, uniq = _first_occurrences(key[fresh])
        take = fresh[first]
        users = np.concatenate([users, u[take]])
        movies = np.concatenate([movies, m[take]])
        kept_keys = np.sort(np.concatenate([kept_keys, uniq]), kind="stable")
        need = n_ratings - len(users)
        if need > 0 and len(users) > 0.95 * n_users * n_movies:
            break
    del kept_keys
    users, movies = users[:n_ratings], movies[:n_ratings]
    if n_ratings >= n_users + n_movies:  # every user and every movie gets a rating
        lonely_users = np.flatnonzero(np.bincount(users, minlength=n_users) == 0)
        lonely_movies = np.flatnonzero(np.bincount(movies, minlength=n_movies) == 0)
        head_users = np.concatenate([lonely_users, rng.integers(0, n_users, len(lonely_movies))])
        head_movies = np.concatenate([rng.integers(0, n_movies, len(lonely_users)), lonely_movies])
        first, uniq = _first_occurrences(head_users * n_movies + head_movies)
        rest = np.flatnonzero(~_contains(uniq, users * n_movies + movies))
        users = np.concatenate([head_users[first], users[rest]])[:n_ratings]
        movies = np.concatenate([head_movies[first], movies[rest]])[:n_ratings]
    p = rng.normal(0, 1, (n_users, dim)) / np.sqrt(dim)
    q = rng.normal(0, 1, (n_movies, dim)) / np.sqrt(dim)
    bu = rng.normal(0, 0.35, n_users)
    bi = rng.normal(0, 0.45, n_movies)
    noise = rng.normal(0, 0.6, len(users))
    rating = np.empty(len(users), np.int64)
    for lo in range(0, len(users), _CHUNK):  # chunks: no (n_ratings x dim) temporaries
        u, m = users[lo : lo + _CHUNK], movies[lo : lo + _CHUNK]
        raw = 3.55 + bu[u] + bi[m] + 0.9 * np.sum(p[u] * q[m], axis=1)
        raw += noise[lo : lo + _CHUNK]
        rating[lo : lo + _CHUNK] = np.clip(np.rint(raw), 1, 5)
    del noise
    ts = 874_724_710 + rng.integers(0, 20_000_000, len(rating))
    return pd.DataFrame({"user": users, "movie": movies, "rating": rating, "timestamp": ts})


def _first_occurrences(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending positions of each key's first occurrence, and the sorted distinct keys."""
    if not len(keys):
        return np.empty(0, np.int64), keys
    order = np.argsort(keys)
    ordered = keys[order]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    return np.sort(np.minimum.reduceat(order, starts)), ordered[starts]


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """``np.isin(keys, sorted_keys)`` for an already sorted, distinct ``sorted_keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[pos] == keys


def _title(j: int, rng: np.random.Generator) -> str:
    if j < len(KNOWN_TITLES):
        return KNOWN_TITLES[j]
    words = rng.choice(_WORDS, size=2, replace=False)
    return f"{words[0]} {words[1]} {j} ({1930 + j % 68})"


def write_movielens_folder(
    folder: Path,
    n_users: int = 60,
    n_movies: int = 80,
    n_ratings: int = 1500,
    seed: int = 0,
    folds: bool = True,
) -> Path:
    """Write a complete ml-100k-format folder (u.data, u.item, u.user, u.genre, folds)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    ratings = synthetic_ratings(n_users, n_movies, n_ratings, seed)
    genres = DEFAULT_GENRES
    (folder / "u.genre").write_text(
        "".join(
            f"{'Children' + chr(39) + 's' if g == 'Children' else g}|{i}\n"
            for i, g in enumerate(genres)
        )
        + "\n",
        encoding="latin-1",
    )
    user_lines = []
    for u in range(n_users):
        age = int(rng.integers(7, 74))
        sex = "MF"[int(rng.integers(0, 2))]
        occ = OCCUPATIONS[int(rng.integers(0, len(OCCUPATIONS)))]
        user_lines.append(f"{u + 1}|{age}|{sex}|{occ}|{int(rng.integers(10000, 99999))}\n")
    (folder / "u.user").write_text("".join(user_lines), encoding="latin-1")
    (folder / "u.occupation").write_text("\n".join(OCCUPATIONS) + "\n", encoding="latin-1")
    item_lines = []
    for j in range(n_movies):
        title = _title(j, rng)
        year = title[-5:-1] if title[-5:-1].isdigit() else "1995"
        date = f"01-Jan-{year}" if j % 37 != 36 else ""
        flags = np.zeros(len(genres), dtype=int)
        if j % 41 != 40:  # a few movies without any genre
            flags[
                rng.choice(np.arange(1, len(genres)), size=int(rng.integers(1, 4)), replace=False)
            ] = 1
        if title.startswith("Aladdin") or title.startswith(("Lion King", "Beauty", "Toy")):
            flags[:] = 0
            flags[[genres.index("Animation"), genres.index("Children")]] = 1
        flag_text = "|".join(str(f) for f in flags)
        item_lines.append(f"{j + 1}|{title}|{date}||http://example.invalid/{j + 1}|{flag_text}\n")
    (folder / "u.item").write_bytes("".join(item_lines).encode("latin-1"))
    data = _data_lines(ratings)
    (folder / "u.data").write_text(data, encoding="latin-1")
    (folder / "u.info").write_text(
        f"{n_users} users\n{n_movies} items\n{len(ratings)} ratings\n", encoding="latin-1"
    )
    if folds:
        order = np.random.default_rng(seed + 2).permutation(len(ratings))
        parts = np.array_split(order, 5)
        for k, test_idx in enumerate(parts, start=1):
            test = ratings.iloc[np.sort(test_idx)]
            train = ratings.drop(ratings.index[test_idx])
            (folder / f"u{k}.base").write_text(_data_lines(train), encoding="latin-1")
            (folder / f"u{k}.test").write_text(_data_lines(test), encoding="latin-1")
    return folder


def _data_lines(ratings: pd.DataFrame) -> str:
    return "".join(
        f"{u + 1}\t{m + 1}\t{r}\t{t}\n"
        for u, m, r, t in zip(
            ratings["user"].to_numpy(),
            ratings["movie"].to_numpy(),
            ratings["rating"].to_numpy(),
            ratings["timestamp"].to_numpy(),
            strict=True,
        )
    )


# --------------------------------------------------------------------------- releases
# The .dat and CSV releases. Ratings are generated one block of users at a time and
# written as they come (sorted by user, then movie id, as the real files are), so a
# 32M-rating ml-32m needs memory for about a million ratings, not for 32 million.

ML_1M_SHAPE = {"n_users": 6_040, "n_movies": 3_883, "n_ratings": 1_000_209}
ML_10M_SHAPE = {"n_users": 69_878, "n_movies": 10_681, "n_ratings": 10_000_054}
ML_LATEST_SMALL_SHAPE = {"n_users": 610, "n_movies": 9_742, "n_ratings": 100_836}
ML_25M_SHAPE = {"n_users": 162_541, "n_movies": 62_423, "n_ratings": 25_000_095}
ML_32M_SHAPE = {"n_users": 200_948, "n_movies": 87_585, "n_ratings": 32_000_204}

ML_1M_GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
LATER_GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
NO_GENRES = "(no genres listed)"
ML_1M_AGES = (1, 18, 25, 35, 45, 50, 56)
_AGE_WEIGHTS = (0.04, 0.18, 0.35, 0.20, 0.09, 0.08, 0.06)

# (title, genres) placed first, so even a 12-movie release has every quirk.
# ml-1m: latin-1 accents, commas (never quoted in .dat), "Children's".
DAT_QUIRK_MOVIES = (
    ("Toy Story (1995)", "Animation|Children's|Comedy"),
    ("Café au lait (1993)", "Comedy"),
    ("American President, The (1995)", "Comedy|Drama|Romance"),
    ("Misérables, Les (1995)", "Drama|War"),
    ("City of Lost Children, The (1995)", "Adventure|Sci-Fi"),
    ("Shanghai Triad (Yao a yao yao dao waipo qiao) (1995)", "Drama"),
    ("Lion King, The (1994)", "Animation|Children's|Musical"),
)
# The CSV releases: UTF-8, titles quoted for commas and quotes, titles without a year,
# a trailing space after the year, a year range, "(no genres listed)", IMAX.
CSV_QUIRK_MOVIES = (
    ("Toy Story (1995)", "Adventure|Animation|Children|Comedy|Fantasy"),
    ("American President, The (1995)", "Comedy|Drama|Romance"),
    ("City of Lost Children, The (Cité des enfants perdus, La) (1995)", "Adventure|Fantasy"),
    ("11'09\"01 - September 11 (2002)", "Drama"),
    ("Babylon 5", "Sci-Fi"),
    ("From Dusk Till Dawn 2: Texas Blood Money (1999) ", "Comedy|Crime|Horror"),
    ("Death Note: Desu nôto (2006–2007)", NO_GENRES),
    ("Misérables, Les (1995)", "Drama|War"),
    ("Pull My Daisy (1958)", NO_GENRES),
    ("Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", "Comedy|Romance"),
    ("Hyena Road", "Action|Drama|War"),
    ("Dark Knight, The (2008)", "Action|Crime|Drama|IMAX"),
)
TAG_WORDS = (
    "funny", "Highly quotable", "will ferrell", "sci-fi", "dark comedy", "twist ending",
    "atmospheric", '"artsy"', "based on a book", "visually appealing, slow", "Amélie-like",
    "thought-provoking", "BD-R", "In Netflix queue",
)  # fmt: skip
# Timestamp spans of the real releases (first and last rating).
_TIMES = {
    "ml-1m": (956_703_932, 1_046_454_590),
    "ml-10m": (789_652_009, 1_231_131_736),
    "csv": (828_124_615, 1_537_799_250),
}
_DAY = 86_400
# Rating tokens by half-star code (rating * 2), as each release prints them.
_CSV_RATINGS = ("", *(f"{k / 2:.1f}" for k in range(1, 11)))
_DAT_RATINGS = ("", *(f"{k / 2:g}" for k in range(1, 11)))


def _digits(values: np.ndarray, width: int = 0) -> np.ndarray:
    """Decimal ASCII of non-negative ints as an (n, width) uint8 matrix; 0 = no byte.

    ``width`` > 0 zero-pads to that width (e.g. imdb ids); else widths vary per value.
    """
    v = np.asarray(values, dtype=np.int64)
    top = int(v.max()) if len(v) else 0
    wide = max(len(str(top)), width, 1)
    out = np.empty((len(v), wide), dtype=np.uint8)
    rest = v.copy()
    for k in range(wide - 1, -1, -1):
        out[:, k] = 48 + rest % 10
        rest //= 10
    if not width:
        for k in range(wide - 1):
            out[v < 10 ** (wide - 1 - k), k] = 0
    return out


def _token_bytes(codes: np.ndarray, tokens: Sequence[str]) -> np.ndarray:
    """``tokens[code]`` (ASCII) for every code, as an (n, width) uint8 matrix."""
    wide = max(1, *(len(t) for t in tokens))
    table = np.zeros((len(tokens), wide), dtype=np.uint8)
    for i, token in enumerate(tokens):
        table[i, : len(token)] = np.frombuffer(token.encode("ascii"), dtype=np.uint8)
    return table[np.asarray(codes, dtype=np.int64)]


def _rows(fields: Sequence[np.ndarray], sep: bytes, eol: bytes) -> bytes:
    """Join byte matrices (from :func:`_digits` / :func:`_token_bytes`) into lines."""
    n = len(fields[0])
    parts: list[np.ndarray] = []
    for i, f in enumerate(fields):
        if i:
            parts.append(np.broadcast_to(np.frombuffer(sep, np.uint8), (n, len(sep))))
        parts.append(f)
    parts.append(np.broadcast_to(np.frombuffer(eol, np.uint8), (n, len(eol))))
    flat = np.hstack(parts).ravel()
    return flat[flat != 0].tobytes()


def _sparse_ids(rng: np.random.Generator, n: int, spread: float) -> np.ndarray:
    """``n`` ascending ids from 1 up to about ``n * spread`` (1 always included)."""
    if spread <= 1.0 or n < 2:
        return np.arange(1, n + 1, dtype=np.int64)
    top = max(n, int(n * spread))
    rest = rng.choice(np.arange(2, top + 1), size=n - 1, replace=False)
    return np.concatenate([[1], np.sort(rest)]).astype(np.int64)


def _user_counts(
    rng: np.random.Generator, activity: np.ndarray, n_ratings: int, n_movies: int
) -> np.ndarray:
    """Ratings per user summing to ``n_ratings``: at least 20 each (as MovieLens selected
    its users) when the shape allows, a heavy tail above that, capped at 60% of the
    movies (the busiest real users) unless the shape needs more."""
    n_users = len(activity)
    base = min(20, n_ratings // n_users, n_movies)
    cap = max(int(0.6 * n_movies), base, -(-n_ratings // n_users))
    counts = base + rng.multinomial(n_ratings - base * n_users, activity)
    while (counts > cap).any():
        over = int((counts - cap).clip(0).sum())
        counts = np.minimum(counts, cap)
        room = (cap - counts).astype(np.float64)
        counts += rng.multinomial(over, room / room.sum())
    return counts.astype(np.int64)


def release_ratings(
    n_users: int,
    n_movies: int,
    n_ratings: int,
    seed: int = 0,
    half_stars: bool = False,
    times: tuple[int, int] = _TIMES["csv"],
    block: int = _CHUNK,
    dim: int = 4,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Ratings in blocks of about ``block``: (user, movie, code, timestamp) arrays.

    ``user`` and ``movie`` are 0-based, sorted by user then movie; no pair repeats;
    ``code`` is the rating in half stars (rating * 2: 2-10 in whole stars, 1-10 with
    ``half_stars``, where some users never use half stars, as in MovieLens). Popularity
    follows a power law, so some movies may get no rating at all (as in the real CSV
    releases). Deterministic in the shape and ``seed``.
    """
    rng = np.random.default_rng(seed)
    n_ratings = max(0, min(n_ratings, n_users * n_movies))
    if not n_ratings:
        return
    pop = 1.0 / np.arange(1, n_movies + 1) ** 0.9
    pop = rng.permutation(pop / pop.sum())
    cdf = np.cumsum(pop)
    cdf /= cdf[-1]
    activity = rng.pareto(1.5, n_users) + 1.0
    activity /= activity.sum()
    counts = _user_counts(rng, activity, n_ratings, n_movies)
    p = rng.normal(0, 1, (n_users, dim)) / np.sqrt(dim)
    q = rng.normal(0, 1, (n_movies, dim)) / np.sqrt(dim)
    bu = rng.normal(0, 0.35, n_users)
    bi = rng.normal(0, 0.45, n_movies)
    halves = rng.random(n_users) < 0.6 if half_stars else np.zeros(n_users, bool)
    t0, t1 = times
    start = rng.integers(t0, t1, n_users)
    length = np.minimum(t1 - start, (rng.exponential(120, n_users) * _DAY).astype(np.int64))
    cum = np.concatenate([[0], np.cumsum(counts)])
    lo, number = 0, 0
    while lo < n_users:
        hi = max(lo + 1, int(np.searchsorted(cum, cum[lo] + block, side="right")) - 1)
        hi = min(hi, n_users)
        brng = np.random.default_rng([seed, number])
        keys = _block_keys(brng, lo, hi, counts[lo:hi], cdf, n_movies)
        u, m = keys // n_movies, keys % n_movies
        raw = 3.55 + bu[u] + bi[m] + 0.9 * np.sum(p[u] * q[m], axis=1)
        raw += brng.normal(0, 0.6, len(u))
        whole = 2 * np.clip(np.rint(raw), 1, 5)
        code = np.where(halves[u], np.clip(np.rint(2 * raw), 1, 10), whole).astype(np.int64)
        ts = start[u] + (brng.random(len(u)) * (length[u] + 1)).astype(np.int64)
        yield u, m, code, ts
        lo, number = hi, number + 1


def _sorted_distinct(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)`` by sorting (numpy 2's hash-based unique is slower here)."""
    keys.sort()
    if len(keys) < 2:
        return keys
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])]


def _block_keys(
    rng: np.random.Generator,
    lo: int,
    hi: int,
    target: np.ndarray,
    cdf: np.ndarray,
    n_movies: int,
) -> np.ndarray:
    """Sorted distinct ``user * n_movies + movie`` keys: ``target[u - lo]`` per user."""
    users = np.arange(lo, hi, dtype=np.int64)
    keys = np.empty(0, np.int64)
    need = target.copy()
    for _ in range(12):  # popular movies collide; each round draws only what is missing
        if not need.any():
            break
        u = np.repeat(users, need)
        m = np.minimum(np.searchsorted(cdf, rng.random(len(u)), side="right"), n_movies - 1)
        keys = _sorted_distinct(np.concatenate([keys, u * n_movies + m]))
        need = target - np.bincount(keys // n_movies - lo, minlength=hi - lo)
    if need.any():  # users rating nearly every movie: fill from what they have not rated
        extra = []
        for i in np.flatnonzero(need):
            mine = keys[(keys // n_movies) == users[i]] % n_movies
            free = np.setdiff1d(np.arange(n_movies), mine)
            extra.append(users[i] * n_movies + rng.choice(free, size=need[i], replace=False))
        keys = np.sort(np.concatenate([keys, *extra]))
    return keys


def _titles(
    rng: np.random.Generator, n: int, quirks: Sequence[tuple[str, str]], genres: Sequence[str],
    no_year_every: int = 0, no_genres_every: int = 0,
) -> tuple[list[str], list[str]]:  # fmt: skip
    """``n`` (title, genres) pairs: the quirky ones first, then generated ones with an
    article after a comma now and then, accents, and (if asked) no year / no genres."""
    titles, lists = [], []
    words = rng.integers(0, len(_WORDS), (n, 2))
    years = rng.integers(1915, 2019, n)
    picks = rng.random((n, len(genres))) < 2.0 / len(genres)
    picks[np.arange(n), rng.integers(0, len(genres), n)] = True
    for j in range(n):
        if j < len(quirks):
            titles.append(quirks[j][0])
            lists.append(quirks[j][1])
            continue
        name = f"{_WORDS[words[j, 0]]} {_WORDS[words[j, 1]]} {j}"
        if j % 7 == 3:
            name = f"{name}, The"
        elif j % 11 == 5:
            name = f"{name} (Rêve d'été)"
        if not (no_year_every and j % no_year_every == no_year_every - 1):
            name = f"{name} ({years[j]})"
        titles.append(name)
        if no_genres_every and j % no_genres_every == no_genres_every - 1:
            lists.append(NO_GENRES)
        else:
            lists.append("|".join(g for g, on in zip(genres, picks[j], strict=True) if on))
    return titles, lists


def _write_text(path: Path, lines: Sequence[str], eol: str, encoding: str) -> None:
    path.write_bytes("".join(line + eol for line in lines).encode(encoding))


def _csv_field(text: str) -> str:
    """A CSV field as MovieLens writes it: quoted only when it holds a comma or quote."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _tags(
    rng: np.random.Generator, user_ids: np.ndarray, movie_ids: np.ndarray, n_tags: int,
    times: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:  # fmt: skip
    """``n_tags`` (user id, movie id, tag, timestamp), sorted by user then movie."""
    users = np.sort(rng.choice(user_ids, size=n_tags))
    movies = rng.choice(movie_ids, size=n_tags)
    order = np.lexsort((movies, users))
    words = rng.integers(0, len(TAG_WORDS), n_tags)
    ts = rng.integers(times[0], times[1], n_tags)
    return users[order], movies[order], [TAG_WORDS[w] for w in words[order]], ts[order]


def write_dat_release(
    folder: Path,
    kind: str = "ml-1m",
    n_users: int = 60,
    n_movies: int = 80,
    n_ratings: int = 1500,
    seed: int = 0,
    n_tags: int | None = None,
) -> Path:
    """Write an ml-1m or ml-10m (``kind``) release in its real ``::`` layout; returns ``folder``.

    - ``ratings.dat``: ``UserID::MovieID::Rating::Timestamp``, sorted by user then
      movie; ml-1m whole stars, ml-10m half stars (``5``, ``3.5``);
    - ``movies.dat``: ``MovieID::Title::Genres``, sparse ids, commas in titles not
      quoted; ml-1m in ISO-8859-1 with accented titles ("Café au lait (1993)") and the
      genre "Children's"; ml-10m in UTF-8 with "Children", IMAX and "(no genres listed)";
    - ml-1m's ``users.dat``: ``UserID::Gender::Age::Occupation::Zip-code`` with age codes
      1, 18, 25, 35, 45, 50, 56, occupation codes 0-20 and a few ZIP+4 codes;
    - ml-10m's ``tags.dat`` (``UserID::MovieID::Tag::Timestamp``, ``n_tags`` lines,
      default one per 27 ratings) and no users file; user ids are sparse.

    Name the folder ``ml-1m`` / ``ml-10M100K`` for :func:`source.detect` to go by name.
    Real shapes: ``ML_1M_SHAPE``, ``ML_10M_SHAPE``.
    """
    if kind not in ("ml-1m", "ml-10m"):
        raise ValueError(f"kind must be 'ml-1m' or 'ml-10m', not {kind!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    one_m = kind == "ml-1m"
    rng = np.random.default_rng([seed, 1])
    times = _TIMES[kind]
    user_ids = _sparse_ids(rng, n_users, 1.0 if one_m else 1.024)
    movie_ids = _sparse_ids(rng, n_movies, 1.018 if one_m else 6.1)
    if one_m:
        titles, genres = _titles(rng, n_movies, DAT_QUIRK_MOVIES, ML_1M_GENRES)
    else:
        quirks = tuple((t, g.replace("Children's", "Children")) for t, g in DAT_QUIRK_MOVIES)
        quirks += (("Pull My Daisy (1958)", NO_GENRES), ("Dark Knight, The (2008)", "Action|IMAX"))
        titles, genres = _titles(rng, n_movies, quirks, LATER_GENRES, no_genres_every=0)
    lines = [f"{i}::{t}::{g}" for i, t, g in zip(movie_ids, titles, genres, strict=True)]
    _write_text(folder / "movies.dat", lines, "\n", "latin-1" if one_m else "utf-8")
    tokens = _DAT_RATINGS
    with (folder / "ratings.dat").open("wb") as out:
        for u, m, code, ts in release_ratings(
            n_users, n_movies, n_ratings, seed, half_stars=not one_m, times=times
        ):
            fields = (_digits(user_ids[u]), _digits(movie_ids[m]), _token_bytes(code, tokens))
            out.write(_rows((*fields, _digits(ts)), b"::", b"\n"))
    if one_m:
        sex = np.where(rng.random(n_users) < 0.72, "M", "F")
        ages = rng.choice(ML_1M_AGES, size=n_users, p=_AGE_WEIGHTS)
        jobs = rng.integers(0, 21, n_users)
        zips = rng.integers(1000, 99999, n_users)
        plus4 = rng.integers(1000, 9999, n_users)
        lines = [
            f"{u}::{s}::{a}::{o}::{z:05d}" + (f"-{x}" if k % 97 == 96 else "")
            for k, (u, s, a, o, z, x) in enumerate(
                zip(user_ids, sex, ages, jobs, zips, plus4, strict=True)
            )
        ]
        _write_text(folder / "users.dat", lines, "\n", "ascii")
        (folder / "README").write_text(_README.format(name="ml-1m (synthetic)"), "ascii")
    else:
        n_tags = max(1, n_ratings // 27) if n_tags is None else n_tags
        tu, tm, tags, tt = _tags(rng, user_ids, movie_ids, n_tags, times)
        lines = [f"{u}::{m}::{t}::{s}" for u, m, t, s in zip(tu, tm, tags, tt, strict=True)]
        _write_text(folder / "tags.dat", lines, "\n", "utf-8")
        (folder / "README.html").write_text(
            "<html><body>" + _README.format(name="ml-10m (synthetic)") + "</body></html>\n",
            "ascii",
        )
    return folder


def write_csv_release(
    folder: Path,
    n_users: int = 60,
    n_movies: int = 80,
    n_ratings: int = 1500,
    seed: int = 0,
    crlf: bool = True,
    tags: bool = True,
    links: bool = True,
    n_tags: int | None = None,
    id_spread: float = 3.35,
    titles: Sequence[str] | None = None,
) -> Path:
    """Write a CSV release (ml-latest-small, ml-20m, ml-25m, ml-32m layout); returns ``folder``.

    ``ratings.csv`` (``userId,movieId,rating,timestamp``, half stars as ``4.0`` / ``3.5``,
    sorted by user then movie), ``movies.csv`` (``movieId,title,genres``: UTF-8, titles
    quoted when they hold a comma or a quote, some titles without a year or with a
    trailing space, some movies with ``(no genres listed)``, sparse ids up to about
    ``n_movies * id_spread``), optional ``tags.csv`` (``userId,movieId,tag,timestamp``,
    ``n_tags`` lines, default one per 27 ratings) and ``links.csv``
    (``movieId,imdbId,tmdbId``: zero-padded imdb ids, a few tmdb ids missing). Line ends
    are CRLF with ``crlf`` (as in ml-latest-small), else LF. Real shapes:
    ``ML_LATEST_SMALL_SHAPE``, ``ML_25M_SHAPE``, ``ML_32M_SHAPE``. ``titles`` replaces
    the first titles (e.g. to check that any title survives the quoting).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    eol = "\r\n" if crlf else "\n"
    rng = np.random.default_rng([seed, 2])
    times = _TIMES["csv"]
    movie_ids = _sparse_ids(rng, n_movies, id_spread)
    quirks = (*((t, "Drama") for t in titles or ()), *CSV_QUIRK_MOVIES)
    names, genres = _titles(
        rng, n_movies, quirks, LATER_GENRES, no_year_every=53, no_genres_every=41
    )
    lines = ["movieId,title,genres"] + [
        f"{i},{_csv_field(t)},{g}" for i, t, g in zip(movie_ids, names, genres, strict=True)
    ]
    _write_text(folder / "movies.csv", lines, eol, "utf-8")
    user_ids = np.arange(1, n_users + 1, dtype=np.int64)
    with (folder / "ratings.csv").open("wb") as out:
        out.write(f"userId,movieId,rating,timestamp{eol}".encode("ascii"))
        for u, m, code, ts in release_ratings(
            n_users, n_movies, n_ratings, seed, half_stars=True, times=times
        ):
            fields = (_digits(user_ids[u]), _digits(movie_ids[m]), _token_bytes(code, _CSV_RATINGS))
            out.write(_rows((*fields, _digits(ts)), b",", eol.encode("ascii")))
    if tags:
        n_tags = max(1, n_ratings // 27) if n_tags is None else n_tags
        tu, tm, words, tt = _tags(rng, user_ids, movie_ids, n_tags, times)
        lines = ["userId,movieId,tag,timestamp"] + [
            f"{u},{m},{_csv_field(t)},{s}" for u, m, t, s in zip(tu, tm, words, tt, strict=True)
        ]
        _write_text(folder / "tags.csv", lines, eol, "utf-8")
    if links:
        imdb = _digits(rng.choice(np.arange(1, 9_999_999), size=n_movies, replace=False), 7)
        tmdb = rng.integers(2, 600_000, n_movies)
        tmdb_bytes = _digits(tmdb)
        tmdb_bytes[np.arange(n_movies) % 61 == 7] = 0  # a few movies lack a tmdb id
        header = f"movieId,imdbId,tmdbId{eol}".encode("ascii")
        body = _rows((_digits(movie_ids), imdb, tmdb_bytes), b",", eol.encode("ascii"))
        (folder / "links.csv").write_bytes(header + body)
    (folder / "README.txt").write_text(_README.format(name=folder.name + " (synthetic)"), "ascii")
    return folder


_README = (
    "Synthetic {name} release generated by movielens_tui.data.synthetic for tests and\n"
    "benchmarks. It has the layout of the MovieLens release but none of its data.\n"
)


def zip_release(folder: Path, zip_path: Path | None = None) -> Path:
    """Zip ``folder`` as GroupLens does (members under ``<folder name>/``); returns the zip.

    The zip goes to ``zip_path``, by default next to the folder as ``<folder name>.zip``.
    """
    folder = Path(folder)
    zip_path = Path(zip_path) if zip_path else folder.parent / f"{folder.name}.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder.name}/", "")
        for path in sorted(folder.iterdir()):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.name}")
    return zip_path
