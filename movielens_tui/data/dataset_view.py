"""The Dataset pane's figures for one filter, computed from a dataset (no UI here).

:func:`compute_view` restricts the ratings to users with one occupation and movies of
one genre and returns every figure the pane draws: counts, density, the rating
histogram (one bar per value of the dataset's scale), per-user and per-movie
distributions, the top lists and the users' mean age where there are ages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

MIN_RATINGS = 20
DEFAULT_TOP = 10
MAX_TOP = 100
DISTRIBUTION_BINS = 10


@dataclass(frozen=True)
class DatasetView:
    """Everything the pane shows for one filter."""

    occupation: str | None
    genre: str | None
    users: int
    movies: int
    ratings: int
    density: float
    mean_rating: float
    histogram: dict[float, int]  # every value of the dataset's scale -> count
    per_user: tuple[list[float], list[int]]
    per_movie: tuple[list[float], list[int]]
    top_by_count: list[dict[str, Any]]
    top_by_mean: list[dict[str, Any]]
    mean_age: float = float("nan")  # NaN where users have no ages
    dataset_id: int = 0  # id() of the dataset the figures are of


def compute_view(
    dataset: Dataset, occupation: str | None, genre: str | None, top: int = DEFAULT_TOP
) -> DatasetView:
    """The figures over the ratings of users with ``occupation`` on movies of ``genre``."""
    import numpy as np

    from movielens_tui.data import stats

    ratings = dataset.ratings
    mask = np.ones(len(ratings), dtype=bool)
    user_ok = np.ones(dataset.n_users, dtype=bool)
    movie_ok = np.ones(dataset.n_movies, dtype=bool)
    if occupation and "occupation" in dataset.users.columns:
        user_ok = (dataset.users["occupation"] == occupation).to_numpy()
        mask &= user_ok[ratings["user"].to_numpy()]
    if genre:
        movie_ok = np.fromiter((genre in g for g in dataset.movies["genres"]), dtype=bool,
                               count=dataset.n_movies)  # fmt: skip
        mask &= movie_ok[ratings["movie"].to_numpy()]
    sub = replace(dataset, ratings=ratings[mask])
    summary = stats.summary(sub)
    users = stats.user_table(sub)[user_ok]
    movies = stats.movie_table(sub)[movie_ok]
    n_users, n_movies = int(user_ok.sum()), int(movie_ok.sum())
    mean_age = float("nan")
    if "age" in dataset.user_attributes:
        import pandas as pd

        ages = pd.to_numeric(dataset.users["age"][user_ok], errors="coerce")
        mean_age = float(ages.mean()) if ages.notna().any() else float("nan")
    return DatasetView(
        occupation=occupation,
        genre=genre,
        users=n_users,
        movies=n_movies,
        ratings=summary.ratings,
        density=summary.ratings / max(1, n_users * n_movies),
        mean_rating=summary.mean_rating,
        histogram=summary.histogram,
        per_user=stats.distribution(users["count"], bins=DISTRIBUTION_BINS),
        per_movie=stats.distribution(movies["count"], bins=DISTRIBUTION_BINS),
        top_by_count=_rows(stats.top_by_count(movies[movies["count"] > 0], top)),
        top_by_mean=_rows(stats.top_by_mean(movies, top, MIN_RATINGS)),
        mean_age=mean_age,
        dataset_id=id(dataset),
    )


def _rows(frame: Any) -> list[dict[str, Any]]:
    return [
        {"title": str(r.title), "count": int(r.count), "mean": float(r.mean)}
        for r in frame.itertuples()
    ]


def occupations(dataset: Dataset) -> list[str]:
    """The occupations to filter by; none where users have no occupation."""
    if "occupation" not in dataset.user_attributes or "occupation" not in dataset.users:
        return []
    return list(dataset.occupations) or sorted({str(o) for o in dataset.users["occupation"]})
