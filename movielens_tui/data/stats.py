"""The colab's exploration: counts, histograms, per-user/per-movie distributions, top lists.

Computed once and shared by the Dataset pane and ``movielens-tui stats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from movielens_tui.data.movielens import Dataset

AGE_BANDS = (
    (0, 17, "<18"),
    (18, 24, "18-24"),
    (25, 34, "25-34"),
    (35, 44, "35-44"),
    (45, 54, "45-54"),
    (55, 200, "55+"),
)


@dataclass(frozen=True)
class Summary:
    """Headline numbers of a dataset."""

    users: int
    movies: int
    ratings: int
    density: float
    mean_rating: float
    mean_age: float  # NaN when the dataset has no ages
    histogram: dict[float, int]  # every value on the dataset's scale -> count


def rating_histogram(dataset: Dataset) -> dict[float, int]:
    """Count per value of the dataset's scale (half-star bins where it has half stars)."""
    scale = dataset.scale
    r = dataset.ratings["rating"].to_numpy(dtype=np.float64)
    bins = np.rint((r - scale.low) / scale.step).astype(np.int64)
    counts = np.bincount(bins[(bins >= 0) & (bins < len(scale.values))],
                         minlength=len(scale.values))  # fmt: skip
    return {float(v): int(c) for v, c in zip(scale.values, counts, strict=True)}


def rating_label(value: float) -> str:
    """``4`` for whole stars, ``3.5`` for half stars."""
    return f"{value:g}"


def summary(dataset: Dataset) -> Summary:
    r = dataset.ratings["rating"].to_numpy()
    ages = (
        pd.to_numeric(dataset.users["age"], errors="coerce")
        if "age" in dataset.user_attributes
        else pd.Series(dtype=float)
    )
    return Summary(
        users=dataset.n_users,
        movies=dataset.n_movies,
        ratings=dataset.n_ratings,
        density=dataset.n_ratings / max(1, dataset.n_users * dataset.n_movies),
        mean_rating=float(r.mean()) if len(r) else float("nan"),
        mean_age=float(ages.mean()) if ages.notna().any() else float("nan"),
        histogram=rating_histogram(dataset),
    )


def user_table(dataset: Dataset) -> pd.DataFrame:
    """Per user: count and mean of ratings, with demographics and an age band where the
    dataset has them (ml-1m's own bands; ml-100k's ages banded here)."""
    count, mean = _count_mean(dataset, "user", dataset.n_users)
    table = dataset.users.copy()
    table["count"] = count
    table["mean"] = mean
    if "age" in dataset.user_attributes and "age_band" not in table:
        table["age_band"] = age_band(table["age"])
    return table


def movie_table(dataset: Dataset) -> pd.DataFrame:
    """Per movie: title, genres, count and mean of ratings."""
    count, mean = _count_mean(dataset, "movie", dataset.n_movies)
    table = dataset.movies[["movie_id", "title", "year", "genres", "all_genres", "genre"]].copy()
    table["count"] = count
    table["mean"] = mean
    return table


def _count_mean(dataset: Dataset, column: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ratings per position of ``column`` and their mean (NaN where none), by bincount:
    one pass, a second at 32M ratings instead of a pandas group-by's several."""
    keys = dataset.ratings[column].to_numpy()
    values = dataset.ratings["rating"].to_numpy(dtype=np.float64)
    count = np.bincount(keys, minlength=n)[:n].astype(np.int64)
    total = np.bincount(keys, weights=values, minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return count, mean


def age_band(ages: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(ages, errors="coerce")
    out = pd.Series("unknown", index=ages.index, dtype=object)
    for low, high, label in AGE_BANDS:
        out[(numeric >= low) & (numeric <= high)] = label
    return out


def filter_users(
    table: pd.DataFrame,
    occupation: str | None = None,
    sex: str | None = None,
    age: str | None = None,
) -> pd.DataFrame:
    """Rows of :func:`user_table` matching the given occupation, sex and age band."""
    mask = pd.Series(True, index=table.index)
    if occupation:
        mask &= table["occupation"] == occupation
    if sex:
        mask &= table["sex"] == sex
    if age:
        mask &= table["age_band"] == age
    return table[mask]


def filter_movies(table: pd.DataFrame, genre: str | None = None) -> pd.DataFrame:
    """Rows of :func:`movie_table` having ``genre`` among their genres."""
    if not genre:
        return table
    return table[table["genres"].map(lambda g: genre in g)]


def top_by_count(movies: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    return movies.sort_values(["count", "mean"], ascending=[False, False], kind="stable").head(n)


def top_by_mean(movies: pd.DataFrame, n: int = 10, min_ratings: int = 20) -> pd.DataFrame:
    """Highest mean rating among movies with at least ``min_ratings`` ratings."""
    eligible = movies[movies["count"] >= min_ratings]
    return eligible.sort_values(["mean", "count"], ascending=[False, False], kind="stable").head(n)


def distribution(values: pd.Series, bins: int = 10) -> tuple[list[float], list[int]]:
    """A histogram (bin left edges, counts) of a numeric column, NaNs dropped."""
    clean = pd.to_numeric(values, errors="coerce").dropna().to_numpy()
    if clean.size == 0:
        return [], []
    counts, edges = np.histogram(clean, bins=bins)
    return [float(e) for e in edges[:-1]], [int(c) for c in counts]


def _movie_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "movie_id": int(row.movie_id),
            "title": str(row.title),
            "count": int(row.count),
            "mean": round(float(row.mean), 3),
            "genres": list(row.genres),
        }
        for row in frame.itertuples()
    ]


def report(dataset: Dataset, top: int = 10, min_ratings: int = 20) -> dict[str, Any]:
    """Everything ``movielens-tui stats --json`` prints."""
    s = summary(dataset)
    users = user_table(dataset)
    movies = movie_table(dataset)
    has = set(dataset.user_attributes)
    return {
        "dataset": dataset.name,
        "users": s.users,
        "movies": s.movies,
        "ratings": s.ratings,
        "density": round(s.density, 6),
        "mean_rating": round(s.mean_rating, 4),
        "mean_age": round(s.mean_age, 2) if "age" in has else None,
        "rating_scale": {
            "min": dataset.scale.low,
            "max": dataset.scale.high,
            "step": dataset.scale.step,
        },  # fmt: skip
        "user_attributes": list(dataset.user_attributes),
        "tags": 0 if dataset.tags is None else int(len(dataset.tags)),
        "rating_histogram": {rating_label(k): v for k, v in s.histogram.items()},
        "ratings_per_user": _describe(users["count"]),
        "ratings_per_movie": _describe(movies["count"]),
        "by_occupation": _group(users, "occupation") if "occupation" in has else {},
        "by_sex": _group(users, "sex") if "sex" in has else {},
        "by_age_band": _group(users, "age_band") if "age" in has else {},
        "by_genre": {g: _describe(filter_movies(movies, g)["count"]) for g in dataset.genres},
        "min_ratings": min_ratings,
        "top_by_count": _movie_rows(top_by_count(movies, top)),
        "top_by_mean": _movie_rows(top_by_mean(movies, top, min_ratings)),
    }


def _describe(values: pd.Series) -> dict[str, float]:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return {"n": 0}
    return {
        "n": int(v.size),
        "mean": round(float(v.mean()), 3),
        "median": float(v.median()),
        "min": float(v.min()),
        "max": float(v.max()),
    }


def _group(users: pd.DataFrame, column: str) -> dict[str, dict[str, float]]:
    out = {}
    for key, frame in users.groupby(column, sort=True):
        out[str(key)] = {
            "users": int(len(frame)),
            "ratings_per_user": round(float(frame["count"].mean()), 2),
            "mean_rating": round(float(frame["mean"].mean()), 3),
        }
    return out
