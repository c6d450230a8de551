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
    mean_age: float
    histogram: dict[int, int]  # rating value -> count


def summary(dataset: Dataset) -> Summary:
    r = dataset.ratings["rating"].to_numpy()
    values, counts = np.unique(np.rint(r).astype(int), return_counts=True)
    hist = {int(v): 0 for v in range(1, 6)} | {
        int(v): int(c) for v, c in zip(values, counts, strict=True)
    }
    ages = pd.to_numeric(dataset.users["age"], errors="coerce")
    return Summary(
        users=dataset.n_users,
        movies=dataset.n_movies,
        ratings=dataset.n_ratings,
        density=dataset.n_ratings / max(1, dataset.n_users * dataset.n_movies),
        mean_rating=float(r.mean()) if len(r) else float("nan"),
        mean_age=float(ages.mean()),
        histogram=hist,
    )


def user_table(dataset: Dataset) -> pd.DataFrame:
    """Per user: count and mean of ratings, with demographics and an age band."""
    grouped = dataset.ratings.groupby("user")["rating"].agg(["count", "mean"])
    table = dataset.users.copy()
    table["count"] = grouped["count"].reindex(range(dataset.n_users), fill_value=0).to_numpy()
    table["mean"] = grouped["mean"].reindex(range(dataset.n_users)).to_numpy()
    table["age_band"] = age_band(table["age"])
    return table


def movie_table(dataset: Dataset) -> pd.DataFrame:
    """Per movie: title, genres, count and mean of ratings."""
    grouped = dataset.ratings.groupby("movie")["rating"].agg(["count", "mean"])
    table = dataset.movies[["movie_id", "title", "year", "genres", "all_genres", "genre"]].copy()
    table["count"] = grouped["count"].reindex(range(dataset.n_movies), fill_value=0).to_numpy()
    table["mean"] = grouped["mean"].reindex(range(dataset.n_movies)).to_numpy()
    return table


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
    return {
        "dataset": dataset.name,
        "users": s.users,
        "movies": s.movies,
        "ratings": s.ratings,
        "density": round(s.density, 6),
        "mean_rating": round(s.mean_rating, 4),
        "mean_age": round(s.mean_age, 2),
        "rating_histogram": {str(k): v for k, v in s.histogram.items()},
        "ratings_per_user": _describe(users["count"]),
        "ratings_per_movie": _describe(movies["count"]),
        "by_occupation": _group(users, "occupation"),
        "by_sex": _group(users, "sex"),
        "by_age_band": _group(users, "age_band"),
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
