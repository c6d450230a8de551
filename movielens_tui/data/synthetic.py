"""MovieLens-shaped synthetic data for tests and scale benchmarks.

Ratings come from hidden user/movie factors, popularity follows a power law and the
rating histogram resembles MovieLens (mean about 3.5). Files use the exact ml-100k
formats (``|`` and tab separators, latin-1 titles), so the real parser reads them.
No MovieLens file or derivative is used.
"""

from __future__ import annotations

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
