"""``softmax``: the colab's softmax model; a user is the tower applied to their movies.

The tower: mean movie embedding (the table is shared with the output side), mean genre
embedding over all genres of those movies, mean year embedding, then the hidden layers
(no bias, no activation, as in the colab). Needs ``extra`` arrays ``genre_embeddings``,
``year_embeddings``, ``movie_genre_counts`` (M×G), ``movie_year_index`` (M) and
``hidden_0``, ``hidden_1``, ... (effective weights). Fold-in is the tower itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError, ParamError
from movielens_tui.models.kinds.base import (
    Query,
    RatedSetKind,
    check_movies,
    register,
)

if TYPE_CHECKING:
    from movielens_tui.models.ranking import UserRows
    from movielens_tui.models.trained import TrainedModel


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


@register
class Softmax(RatedSetKind):
    name = "softmax"
    summary = "user tower over rated movies, genres and years; softmax over the catalogue"
    user_split = True
    query_from_ratings = True
    fit_target = "movielens_tui.models.softmax:fit"

    def check_params(self, params: dict) -> None:
        if params["hidden_dims"][-1] != params["dim"]:
            raise ParamError(
                "hidden_dims",
                f"the last hidden width ({params['hidden_dims'][-1]}) must equal dim "
                f"({params['dim']}): the user embedding is scored against the movie table",
            )

    def query_for_movies(self, model: TrainedModel, movies: np.ndarray) -> Query:
        movies = check_movies(model, movies)
        if movies.size == 0:
            raise ModelError("the softmax model needs at least one rated movie for a user")
        ones = np.ones((1, movies.size), np.float32)
        return Query(softmax_tower(model, movies[None, :], ones)[0])

    def score_users(self, model: TrainedModel, users: np.ndarray, rows: UserRows) -> np.ndarray:
        ids, mask = rows.padded(users)
        return softmax_tower(model, ids, mask) @ model.movie_embeddings.T
