"""A trained model as plain numpy arrays: what scoring, fold-in, store and the UI use.

No TensorFlow here. Scores are always ``movie_embeddings @ user_vector(...)``:

- ``mf`` / ``regularized`` / ``biased-mf``: the user's row of ``user_embeddings``.
- ``softmax``: the user tower applied to the user's rated movies (their features): mean
  movie embedding (the table is shared with the output side), mean genre embedding over
  all genres of those movies, mean year embedding, then the hidden layers (no bias, no
  activation, as in the colab). Needs ``extra`` arrays ``genre_embeddings``,
  ``year_embeddings``, ``movie_genre_counts`` (M×G), ``movie_year_index`` (M) and
  ``hidden_0``, ``hidden_1``, ... (effective weights).
- ``ease``: the user's 0/1 row over movies; ``movie_embeddings`` is then Bᵀ (M×M), so
  ``movie_embeddings @ x`` = ``x @ B``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

RATING_KINDS = frozenset({"mf", "regularized", "biased-mf"})
RATING_RANGE = (1.0, 5.0)  # the default scale (ml-100k, ml-1m); models keep their own


@dataclass
class TrainedModel:
    """Embeddings, biases and training record of one fitted model."""

    preset: str
    kind: str
    params: dict
    movie_embeddings: np.ndarray
    user_embeddings: np.ndarray | None = None
    user_bias: np.ndarray | None = None
    movie_bias: np.ndarray | None = None
    global_mean: float = 0.0
    history: list[dict] = field(default_factory=list)
    metric_groups: list[list[str]] = field(default_factory=list)
    dataset_name: str = ""
    dataset_fingerprint: str = ""
    fit_seconds: float = 0.0
    rating_range: tuple[float, float] = RATING_RANGE  # the training data's scale
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    # ------------------------------------------------------------------ shape
    @property
    def n_movies(self) -> int:
        return int(self.movie_embeddings.shape[0])

    @property
    def n_users(self) -> int:
        return 0 if self.user_embeddings is None else int(self.user_embeddings.shape[0])

    @property
    def dim(self) -> int:
        return int(self.movie_embeddings.shape[1])

    @property
    def is_rating_model(self) -> bool:
        """Whether :meth:`predict` applies (RMSE / MAE make sense)."""
        return self.kind in RATING_KINDS

    @property
    def final_metrics(self) -> dict[str, float]:
        """The last history entry without its step (empty before training)."""
        if not self.history:
            return {}
        return {k: v for k, v in self.history[-1].items() if k != "step"}

    # ------------------------------------------------------------------ users
    def user_vector(self, dataset: Dataset, user: int) -> np.ndarray:
        """The query vector of internal user ``user`` (see the module docstring)."""
        if self.kind in ("softmax", "ease"):
            if not 0 <= user < dataset.n_users:
                raise ModelError(f"user position {user} is not in {dataset.name}")
            return self.vector_for_movies(dataset.rated_by(user))
        if self.user_embeddings is None:
            raise ModelError(f"{self.preset} model has no user embeddings")
        if not 0 <= user < self.n_users:
            raise ModelError(
                f"user position {user} was not in the training data of this model "
                f"({self.n_users} users); retrain, or use fold-in for a new user"
            )
        return self.user_embeddings[user]

    def vector_for_movies(self, movies: Iterable[int]) -> np.ndarray:
        """Query vector from a set of rated movies (softmax tower / EASE indicator row)."""
        movies = np.unique(np.asarray(list(movies), dtype=np.int64))
        if movies.size and (movies.min() < 0 or movies.max() >= self.n_movies):
            raise ModelError(f"movie positions must be within 0..{self.n_movies - 1}")
        if self.kind == "ease":
            x = np.zeros(self.n_movies, dtype=np.float32)
            x[movies] = 1.0
            return x
        if self.kind != "softmax":
            raise ModelError(f"{self.preset}: use fold-in to get a vector from rated movies")
        if movies.size == 0:
            raise ModelError("the softmax model needs at least one rated movie for a user")
        return softmax_tower(self, movies[None, :], np.ones((1, movies.size), np.float32))[0]

    # ------------------------------------------------------------------ ratings
    def predict(self, users: np.ndarray, movies: np.ndarray, clip: bool = True) -> np.ndarray:
        """Predicted ratings for pairs of internal positions (rating models only).

        ``clip`` limits predictions to the training data's rating scale (as Surprise does).
        """
        if not self.is_rating_model or self.user_embeddings is None:
            raise ModelError(f"{self.preset} is a ranking model; it does not predict ratings")
        users = np.asarray(users, dtype=np.int64)
        movies = np.asarray(movies, dtype=np.int64)
        if users.size and (users.min() < 0 or users.max() >= self.n_users):
            raise ModelError(f"user positions must be within 0..{self.n_users - 1}")
        if movies.size and (movies.min() < 0 or movies.max() >= self.n_movies):
            raise ModelError(f"movie positions must be within 0..{self.n_movies - 1}")
        out = np.einsum("ij,ij->i", self.user_embeddings[users], self.movie_embeddings[movies])
        out = out.astype(np.float64) + self.global_mean
        if self.user_bias is not None:
            out += self.user_bias[users]
        if self.movie_bias is not None:
            out += self.movie_bias[movies]
        return np.clip(out, *self.rating_range) if clip else out


def softmax_tower(model: TrainedModel, movie_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """User embeddings (B×d) from padded rated-movie ids (B×L) and a 0/1 mask (B×L)."""
    extra = model.extra
    weights = mask / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
    movie_part = np.einsum("bl,bld->bd", weights, model.movie_embeddings[movie_ids])
    genre_counts = np.einsum("bl,blg->bg", mask, extra["movie_genre_counts"][movie_ids])
    genre_counts /= np.maximum(genre_counts.sum(axis=1, keepdims=True), 1.0)
    genre_part = genre_counts @ extra["genre_embeddings"]
    year_ids = extra["movie_year_index"][movie_ids]
    year_part = np.einsum("bl,bld->bd", weights, extra["year_embeddings"][year_ids])
    x = np.concatenate([movie_part, genre_part, year_part], axis=1).astype(np.float32)
    layer = 0
    while f"hidden_{layer}" in extra:
        x = x @ extra[f"hidden_{layer}"]
        layer += 1
    return x
