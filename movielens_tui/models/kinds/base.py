"""The one model interface: :class:`ModelKind`, its registry and shared numpy helpers.

A kind knows how to fit itself (its TensorFlow code is imported only then), how to turn a
known user or a new user's ratings into a :class:`Query`, how to score every movie for a
query, the movie vectors behind neighbours and maps, and its capabilities. Everything
here is numpy; importing it never imports TensorFlow or pandas.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from movielens_tui.errors import ModelError

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.ranking import UserRows
    from movielens_tui.models.trained import TrainedModel

DOT = "dot"
COSINE = "cosine"
MEASURES = (DOT, COSINE)


def check_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ModelError(f"unknown measure {measure!r}; use dot or cosine")
    return measure


def compute_scores(query: np.ndarray, items: np.ndarray, measure: str = DOT) -> np.ndarray:
    """``items @ query``; for COSINE both are normalised first (zero vectors score 0).

    The item norms are computed once per items array and kept (a 87k × 64 table's norms
    cost 5 ms, its product with a query 1 ms)."""
    check_measure(measure)
    query = np.asarray(query, dtype=np.float32)
    items = np.asarray(items, dtype=np.float32)
    scores = items @ query
    if measure == COSINE:
        qn = float(np.linalg.norm(query))
        if qn == 0.0:
            return np.zeros_like(scores)
        inverse = _inverse_norms(items)
        scores *= inverse
        scores /= qn
    return scores


_NORMS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _inverse_norms(items: np.ndarray) -> np.ndarray:
    """1 / ‖row‖ of every row (0 for zero rows), cached per array object."""
    cached = _NORMS.get(id(items))
    if cached is not None and cached[0] is items:
        return cached[1]
    norms = np.sqrt(np.einsum("ij,ij->i", items, items, dtype=np.float32))
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    if len(_NORMS) > 8:
        _NORMS.clear()
    _NORMS[id(items)] = (items, inverse)  # holding the array keeps its id unique
    return inverse


@dataclass(frozen=True)
class Query:
    """What a model scores movies for: a user's vector (and bias, for biased models)."""

    vector: np.ndarray
    bias: float = 0.0


def rated_arrays(
    model: TrainedModel, ratings: Mapping[int, float]
) -> tuple[np.ndarray, np.ndarray]:
    """(movie positions, ratings) of ``{movie position: rating}``, validated."""
    if not ratings:
        raise ModelError("rate at least one movie to get recommendations")
    movies = np.fromiter((int(m) for m in ratings), dtype=np.int64, count=len(ratings))
    values = np.fromiter((float(r) for r in ratings.values()), dtype=np.float64, count=len(ratings))
    if movies.min() < 0 or movies.max() >= model.n_movies:
        raise ModelError(f"movie positions must be within 0..{model.n_movies - 1}")
    if not np.isfinite(values).all():
        raise ModelError("ratings must be numbers")
    return movies, values


def check_movies(model: TrainedModel, movies: np.ndarray) -> np.ndarray:
    movies = np.unique(np.asarray(movies, dtype=np.int64))
    if movies.size and (movies.min() < 0 or movies.max() >= model.n_movies):
        raise ModelError(f"movie positions must be within 0..{model.n_movies - 1}")
    return movies


class ModelKind:
    """One model family. Subclass it in one file of this package and ``@register`` it.

    Capability flags: ``rating`` (predicts ratings: RMSE/MAE apply), ``ranking`` (ranks
    movies for a user), ``distributed`` (trains under a multi-replica tf.distribute
    strategy), ``exact_explanation`` (:meth:`explain` gives exact score contributions).
    ``fit_target`` is ``"module:function"`` with the trainer's fit signature (see
    :mod:`movielens_tui.models.trainer`), imported only when the kind is trained.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    rating: ClassVar[bool] = False
    ranking: ClassVar[bool] = True
    distributed: ClassVar[bool] = False
    exact_explanation: ClassVar[bool] = False
    exact_note: ClassVar[str] = "exact: the rated movies' shares add up to the score"
    user_split: ClassVar[bool] = False  # its default holdout holds out users, not ratings
    # a known user's query is built from their rated movies (not a trained-in vector)
    query_from_ratings: ClassVar[bool] = False
    fit_target: ClassVar[str] = ""

    # ------------------------------------------------------------------ description
    def capabilities(self) -> dict[str, bool]:
        return {
            "rating": self.rating,
            "ranking": self.ranking,
            "distributed": self.distributed,
            "exact_explanation": self.exact_explanation,
        }

    @property
    def purpose(self) -> str:
        """``rating prediction``, ``ranking`` or ``both``."""
        if self.rating and self.ranking:
            return "both"
        return "rating prediction" if self.rating else "ranking"

    def info(self, model: TrainedModel) -> dict[str, Any]:
        """Facts about a fitted model worth showing (e.g. EASE's covered movies)."""
        return {}

    # ------------------------------------------------------------------ training
    def fit_function(self) -> Callable[..., TrainedModel]:
        module_name, _, attr = self.fit_target.partition(":")
        return getattr(importlib.import_module(module_name), attr)

    def fit(self, dataset: Dataset, params: dict, **kwargs: Any) -> TrainedModel:
        """Fit on ``kwargs["train"]``; same keywords as the trainer's fit signature."""
        return self.fit_function()(dataset, params, **kwargs)

    def check_params(self, params: dict) -> None:
        """Raise ParamError for a combination of valid values this kind cannot use."""

    # ------------------------------------------------------------------ queries
    def user_query(self, model: TrainedModel, dataset: Dataset, user: int) -> Query:
        """The query of internal user ``user`` of ``dataset``."""
        raise NotImplementedError

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        """A new user's query from ``{movie position: rating}``, no retraining."""
        raise NotImplementedError

    def query_for_movies(self, model: TrainedModel, movies: np.ndarray) -> Query:
        """The query from a set of rated movies, for kinds that ignore rating values."""
        raise ModelError(f"{model.preset}: use fold-in to get a vector from rated movies")

    # ------------------------------------------------------------------ scores
    def score(self, model: TrainedModel, query: Query, measure: str = DOT) -> np.ndarray:
        """Scores of every movie (M) for ``query``; DOT scores of rating kinds are ratings."""
        return compute_scores(query.vector, model.movie_embeddings, measure)

    def score_users(self, model: TrainedModel, users: np.ndarray, rows: UserRows) -> np.ndarray:
        """len(users)×M DOT scores for known users, their queries built from ``rows``
        (the training ratings) only, so no test rating leaks into a ranking."""
        raise NotImplementedError

    def predict(self, model: TrainedModel, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        """Unclipped predicted ratings for pairs of positions (rating kinds only)."""
        raise ModelError(f"{model.preset} is a ranking model; it does not predict ratings")

    def movie_vectors(self, model: TrainedModel) -> np.ndarray:
        """M×d vectors of the movies (neighbours, maps, norms)."""
        return model.movie_embeddings

    def similar(self, model: TrainedModel, movie: int, measure: str = DOT) -> np.ndarray:
        """Similarity of every movie to ``movie`` (M scores)."""
        items = self.movie_vectors(model)
        return compute_scores(items[movie], items, measure)

    def explain(self, model: TrainedModel, query: Query, movie: int) -> dict[str, Any]:
        """Why ``movie`` scores what it does for ``query`` (not implemented yet)."""
        raise NotImplementedError(f"{self.name} cannot explain its scores yet")

    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The exact split of the DOT scores of ``targets`` (T positions) for the fold-in
        query of the ratings ``values`` of ``movies`` (R positions): ``(base, C)`` with
        base (T) and C (T×R, the share of each rated movie) such that
        ``base + C.sum(axis=1)`` equals the scores. None when scores cannot be split."""
        return None


_REGISTRY: dict[str, ModelKind] = {}


def register(cls: type[ModelKind]) -> type[ModelKind]:
    """Class decorator: register one instance of a kind under ``cls.name``."""
    if not cls.name or cls.name in _REGISTRY:
        raise ValueError(f"kind name {cls.name!r} is empty or already registered")
    _REGISTRY[cls.name] = cls()
    return cls


class RatedSetKind(ModelKind):
    """A kind whose user query is built from the set of movies the user rated (rating
    values ignored): a dataset user and a folded-in user go through ``query_for_movies``."""

    def user_query(self, model: TrainedModel, dataset: Dataset, user: int) -> Query:
        if not 0 <= user < dataset.n_users:
            raise ModelError(f"user position {user} is not in {dataset.name}")
        return self.query_for_movies(model, dataset.rated_by(user))

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        movies, _ = rated_arrays(model, ratings)
        return self.query_for_movies(model, movies)


class FactorKind(ModelKind):
    """Kinds whose users are rows of ``user_embeddings`` (the factorization models)."""

    def explain(self, model: TrainedModel, query: Query, movie: int) -> dict[str, Any]:
        """The score of ``movie``: the dot product of the user and movie vectors."""
        if not self.exact_explanation:
            return super().explain(model, query, movie)
        dot = float(np.dot(query.vector, model.movie_embeddings[movie]))
        return {"score": dot, "terms": {"dot": dot}}

    def user_query(self, model: TrainedModel, dataset: Dataset, user: int) -> Query:
        if model.user_embeddings is None:
            raise ModelError(f"{model.preset} model has no user embeddings")
        if not 0 <= user < model.n_users:
            raise ModelError(
                f"user position {user} was not in the training data of this model "
                f"({model.n_users} users); retrain, or use fold-in for a new user"
            )
        bias = 0.0 if model.user_bias is None else float(model.user_bias[user])
        return Query(model.user_embeddings[user], bias)

    def score_users(self, model: TrainedModel, users: np.ndarray, rows: UserRows) -> np.ndarray:
        if model.user_embeddings is None:
            raise ModelError(f"cannot rank movies with a {model.kind} model without users")
        out = model.user_embeddings[users] @ model.movie_embeddings.T
        out = out.astype(np.float64) + model.global_mean
        if model.user_bias is not None:
            out += model.user_bias[users][:, None]
        if model.movie_bias is not None:
            out += model.movie_bias[None, :]
        return out

    def predict(self, model: TrainedModel, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        if not self.rating or model.user_embeddings is None:
            return super().predict(model, users, movies)
        out = np.einsum("ij,ij->i", model.user_embeddings[users], model.movie_embeddings[movies])
        out = out.astype(np.float64) + model.global_mean
        if model.user_bias is not None:
            out += model.user_bias[users]
        if model.movie_bias is not None:
            out += model.movie_bias[movies]
        return out


DEFAULT_L2 = 0.1


class RidgeFoldIn(FactorKind):
    """Fold-in by ridge least squares on the ratings, movie embeddings fixed:
    ``min_u Σⱼ (rⱼ − u·vⱼ)² + λ‖u‖²`` (λ from :meth:`ridge_lambdas`)."""

    def ridge_lambdas(self, model: TrainedModel, count: int) -> tuple[float, float]:
        """(λ for the vector, λ for the bias) matching the model's training objective."""
        return DEFAULT_L2, 0.0

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        movies, values = rated_arrays(model, ratings)
        V = model.movie_embeddings[movies].astype(np.float64)
        lam, _ = self.ridge_lambdas(model, len(movies))
        if l2 is not None:
            lam = float(l2)
        gram = V.T @ V + lam * np.eye(V.shape[1])
        return Query(np.linalg.solve(gram, V.T @ values).astype(np.float32))

    def contributions(
        self, model: TrainedModel, movies: np.ndarray, values: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """u = (VᵀV + λI)⁻¹ Vᵀ r, so u·v_t = Σⱼ rⱼ · v_tᵀ (VᵀV + λI)⁻¹ vⱼ."""
        V = model.movie_embeddings[movies].astype(np.float64)
        lam, _ = self.ridge_lambdas(model, len(movies))
        gram = V.T @ V + lam * np.eye(V.shape[1])
        weights = model.movie_embeddings[targets].astype(np.float64) @ np.linalg.solve(gram, V.T)
        return np.zeros(len(targets)), weights * np.asarray(values, np.float64)[None, :]
