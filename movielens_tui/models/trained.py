"""A trained model as plain numpy arrays: what scoring, fold-in, store and the UI use.

No TensorFlow here. What the arrays mean, how a user becomes a query and how movies are
scored is up to the model's kind (:mod:`movielens_tui.models.kinds`, ``kind_of(model)``);
the methods below are conveniences that delegate to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset

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
    def model_kind(self):  # noqa: ANN201 - ModelKind (imported lazily: kinds import this)
        from movielens_tui.models.kinds import get_kind

        return get_kind(self.kind)

    @property
    def is_rating_model(self) -> bool:
        """Whether :meth:`predict` applies (RMSE / MAE make sense)."""
        return bool(self.model_kind.rating)

    @property
    def info(self) -> dict:
        """Facts about this fitted model to show (e.g. how many movies EASE covers)."""
        return self.model_kind.info(self)

    @property
    def final_metrics(self) -> dict[str, float]:
        """The last history entry without its step (empty before training)."""
        if not self.history:
            return {}
        return {k: v for k, v in self.history[-1].items() if k != "step"}

    # ------------------------------------------------------------------ users
    def user_vector(self, dataset: Dataset, user: int) -> np.ndarray:
        """The query vector of internal user ``user`` (``model_kind.user_query``)."""
        return self.model_kind.user_query(self, dataset, user).vector

    def vector_for_movies(self, movies: Iterable[int]) -> np.ndarray:
        """Query vector from a set of rated movies (kinds that ignore rating values)."""
        movies = np.asarray(list(movies), dtype=np.int64)
        return self.model_kind.query_for_movies(self, movies).vector

    # ------------------------------------------------------------------ ratings
    def predict(self, users: np.ndarray, movies: np.ndarray, clip: bool = True) -> np.ndarray:
        """Predicted ratings for pairs of internal positions (rating models only).

        ``clip`` limits predictions to the training data's rating scale (as Surprise does).
        """
        kind = self.model_kind
        if not kind.rating or self.user_embeddings is None:
            raise ModelError(f"{self.preset} is a ranking model; it does not predict ratings")
        users = np.asarray(users, dtype=np.int64)
        movies = np.asarray(movies, dtype=np.int64)
        if users.size and (users.min() < 0 or users.max() >= self.n_users):
            raise ModelError(f"user positions must be within 0..{self.n_users - 1}")
        if movies.size and (movies.min() < 0 or movies.max() >= self.n_movies):
            raise ModelError(f"movie positions must be within 0..{self.n_movies - 1}")
        out = kind.predict(self, users, movies)
        return np.clip(out, *self.rating_range) if clip else out


def softmax_tower(model: TrainedModel, movie_ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """User embeddings (B×d) of the softmax tower (see :mod:`.kinds.softmax`)."""
    from movielens_tui.models.kinds.softmax import softmax_tower as tower

    return tower(model, movie_ids, mask)
