""" "Why this movie?": explanations of recommendations and neighbours (numpy only).

Recommendations (:func:`explain_user`, :func:`explain_ratings`): where the kind can split
a score exactly (:meth:`ModelKind.contributions`: EASE, popularity, and the fold-in
users of the factorization models and WALS), an :class:`Explanation` holds the base term
(mean plus biases for biased-mf, 0 elsewhere), the rated movies contributing most and
the sum of the others, and ``base + Σ because + rest == score``. Otherwise (the softmax
tower; the trained-in vectors of dataset users of mf, regularized, biased-mf and WALS)
``exact`` is False and ``because`` lists the rated movies nearest to the movie by the
model's own similarity, an approximation with no contributions.

Neighbours (:func:`explain_neighbours`): the users who rated both movies (count and a few
examples) and the genres the two share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from movielens_tui.models.kinds import kind_of
from movielens_tui.models.kinds.base import COSINE, DOT, check_measure, rated_arrays

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel

TOP = 3  # contributors shown per row

__all__ = ["Contribution", "CoRater", "Explanation", "NeighbourExplanation", "TOP",
           "explain_neighbours", "explain_ratings", "explain_user"]  # fmt: skip


@dataclass(frozen=True)
class Contribution:
    """One rated movie behind a score: its exact signed ``contribution`` (exact rows) or
    its ``similarity`` to the explained movie (approximate rows)."""

    movie: int  # internal position
    movie_id: int
    title: str
    rating: float
    contribution: float | None = None
    similarity: float | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"movie_id": self.movie_id, "title": self.title, "rating": self.rating,
               "contribution": self.contribution}  # fmt: skip
        if self.similarity is not None:
            out["similarity"] = self.similarity
        return out


@dataclass(frozen=True)
class Explanation:
    """Why ``movie`` scores ``score``. Exact: ``base + Σ because.contribution + rest ==
    score``. Approximate: ``base`` is the bias terms or None, ``rest`` None."""

    movie: int
    score: float
    exact: bool
    base: float | None
    because: list[Contribution] = field(default_factory=list)
    rest: float | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"exact": self.exact, "base": self.base,
                "because": [c.to_json() for c in self.because], "rest": self.rest,
                "note": self.note}  # fmt: skip

    def summary(self, stars: bool = True) -> str:
        """One line: ``because you rated X ★5 (+0.41), …`` (or the approximation)."""
        if not self.because:
            return self.note
        parts = []
        for c in self.because:
            rating = f" ★{c.rating:g}" if stars else ""
            if c.contribution is not None:
                parts.append(f"{c.title}{rating} ({c.contribution:+.2f})")
            else:
                parts.append(f"{c.title}{rating} (sim {c.similarity:.2f})")
        head = "because you rated " if self.exact else "≈ like your "
        return head + ", ".join(parts)


@dataclass(frozen=True)
class CoRater:
    user_id: int
    rating_a: float
    rating_b: float


@dataclass(frozen=True)
class NeighbourExplanation:
    """What ties ``movie`` to ``neighbour`` in the data."""

    movie: int
    neighbour: int
    co_raters: int
    examples: list[CoRater]
    shared_genres: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "co_raters": self.co_raters,
            "examples": [
                {"user_id": e.user_id, "ratings": [e.rating_a, e.rating_b]} for e in self.examples
            ],
            "shared_genres": self.shared_genres,
        }

    def summary(self) -> str:
        genres = "-".join(self.shared_genres) or "no genre"
        users = ", ".join(f"user {e.user_id}" for e in self.examples)
        rated = f"{self.co_raters:,} users rated both" + (f" ({users}, …)" if users else "")
        return f"{rated}; shared: {genres}"


# --------------------------------------------------------------------------- recommendations


def explain_user(
    model: TrainedModel,
    dataset: Dataset,
    user: int,
    movies: Sequence[int],
    measure: str = DOT,
    top: int = TOP,
) -> list[Explanation]:
    """Explanations of ``movies`` (positions) for internal user ``user`` of ``dataset``:
    exact when the kind builds this user's query from their ratings, else approximate."""
    kind = kind_of(model)
    rated, values = dataset.ratings_of(user)
    rated = np.asarray(rated, np.int64)
    values = np.asarray(values, np.float64)
    scores = kind.score(model, kind.user_query(model, dataset, user), measure)
    if kind.query_from_ratings and rated.size:
        split = kind.contributions(model, rated, values, np.asarray(movies, np.int64))
        if split is not None:
            return _exact(model, dataset, rated, values, movies, scores, split, measure, top)
    note = (
        "approximation: this user's vector was fitted in training, so the score does not "
        "split over their ratings; nearest rated movies by the model's similarity"
        if not kind.query_from_ratings
        else f"approximation: {kind.name} scores do not split over the rated movies; "
        "nearest rated movies by the model's similarity"
    )
    user_bias = None
    if not kind.query_from_ratings and model.user_bias is not None:
        user_bias = float(model.user_bias[user])
    return _approximate(
        model, dataset, rated, values, movies, scores, measure, top, note, user_bias
    )


def explain_ratings(
    model: TrainedModel,
    dataset: Dataset,
    ratings: Mapping[int, float],
    movies: Sequence[int],
    measure: str = DOT,
    top: int = TOP,
) -> list[Explanation]:
    """Explanations of ``movies`` for someone who gave ``ratings`` ({position: rating}),
    e.g. "your ratings": the fold-in query, split exactly where the kind allows."""
    kind = kind_of(model)
    rated, values = rated_arrays(model, ratings)
    scores = kind.score(model, kind.fold_in(model, ratings), measure)
    split = kind.contributions(model, rated, values, np.asarray(movies, np.int64))
    if split is not None:
        return _exact(model, dataset, rated, values, movies, scores, split, measure, top)
    note = (
        f"approximation: {kind.name} scores do not split over the rated movies; "
        "nearest rated movies by the model's similarity"
    )
    return _approximate(model, dataset, rated, values, movies, scores, measure, top, note)


def _exact(
    model: TrainedModel,
    dataset: Dataset,
    rated: np.ndarray,
    values: np.ndarray,
    movies: Sequence[int],
    scores: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    measure: str,
    top: int,
) -> list[Explanation]:
    check_measure(measure)
    base, shares = (np.asarray(a, np.float64) for a in split)
    out = []
    for i, movie in enumerate(movies):
        score = float(scores[movie])
        b, row = float(base[i]), shares[i]
        if measure == COSINE:  # cosine = (dot part) / (norms): the same split, scaled
            dot_part = float(row.sum())
            if abs(dot_part) > 1e-12:
                b, row = 0.0, row * (score / dot_part)
            else:
                b, row = score, np.zeros_like(row)
        order = np.lexsort((rated, -row))  # largest contribution first
        order = order[row[order] != 0.0][:top]
        because = [_contribution(dataset, int(rated[j]), float(values[j]),
                                 contribution=float(row[j])) for j in order]  # fmt: skip
        rest = float(row.sum() - row[order].sum())
        out.append(Explanation(int(movie), score, True, b, because, rest,
                               _exact_note(model, measure)))  # fmt: skip
    return out


def _exact_note(model: TrainedModel, measure: str) -> str:
    if measure == COSINE:
        return "exact: cosine score split over the rated movies"
    return kind_of(model).exact_note


def _approximate(
    model: TrainedModel,
    dataset: Dataset,
    rated: np.ndarray,
    values: np.ndarray,
    movies: Sequence[int],
    scores: np.ndarray,
    measure: str,
    top: int,
    note: str,
    user_bias: float | None = None,
) -> list[Explanation]:
    kind = kind_of(model)
    out = []
    for movie in movies:
        base = None
        if user_bias is not None and model.movie_bias is not None and measure == DOT:
            base = float(model.global_mean + user_bias + model.movie_bias[movie])
        because = []
        if rated.size:
            similarity = np.asarray(kind.similar(model, int(movie), COSINE), np.float64)[rated]
            similarity = np.where(np.isfinite(similarity), similarity, -np.inf)
            order = np.lexsort((rated, -similarity))[:top]
            because = [_contribution(dataset, int(rated[j]), float(values[j]),
                                     similarity=float(similarity[j])) for j in order]  # fmt: skip
        out.append(Explanation(int(movie), float(scores[movie]), False, base, because, None, note))
    return out


def _contribution(
    dataset: Dataset,
    movie: int,
    rating: float,
    contribution: float | None = None,
    similarity: float | None = None,
) -> Contribution:
    movies = dataset.movies
    return Contribution(
        movie, int(movies["movie_id"].iat[movie]), str(movies["title"].iat[movie]),
        float(rating), contribution, similarity,
    )  # fmt: skip


# --------------------------------------------------------------------------- neighbours


def explain_neighbours(
    dataset: Dataset, movie: int, neighbours: Sequence[int], examples: int = 3
) -> list[NeighbourExplanation]:
    """For each neighbour: the users who rated both it and ``movie`` (count, and up to
    ``examples`` of them, those who liked both most first) and the shared genres."""
    ratings = dataset.ratings
    users = ratings["user"].to_numpy(np.int64)
    items = ratings["movie"].to_numpy(np.int64)
    values = ratings["rating"].to_numpy(np.float64)
    mine = items == movie
    by_user = dict(zip(users[mine].tolist(), values[mine].tolist(), strict=True))
    pool = np.isin(users, np.fromiter(by_user, np.int64, len(by_user)))
    p_users, p_items, p_values = users[pool], items[pool], values[pool]
    ids = dataset.users["user_id"].to_numpy()
    genres = dataset.movies["genres"].to_numpy()
    own = list(genres[movie])
    out = []
    for other in neighbours:
        other = int(other)
        hit = p_items == other
        co_users, co_values = p_users[hit], p_values[hit]
        if other == movie:
            co_users, co_values = (
                np.fromiter(by_user, np.int64),
                np.fromiter(by_user.values(), np.float64),
            )
        mine_values = np.array([by_user[int(u)] for u in co_users], np.float64)
        order = np.lexsort((co_users, -(mine_values + co_values)))[:examples]
        picked = [CoRater(int(ids[co_users[i]]), float(mine_values[i]), float(co_values[i]))
                  for i in order]  # fmt: skip
        shared = [g for g in own if g in set(genres[other])]
        out.append(NeighbourExplanation(movie, other, int(co_users.size), picked, shared))
    return out
