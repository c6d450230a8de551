"""``popularity``: the baseline; every user gets the movies by training rating count.

``movie_embeddings`` is M×1 (the counts) and every query is ``[1]``, so DOT scores are
the counts. No TensorFlow: fitting is a ``bincount``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from movielens_tui.errors import ModelError
from movielens_tui.models.kinds.base import ModelKind, Query, rated_arrays, register
from movielens_tui.models.ranking import test_ranking_metrics

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.ranking import UserRows
    from movielens_tui.models.trained import TrainedModel

ONE = np.ones(1, np.float32)


@register
class Popularity(ModelKind):
    name = "popularity"
    summary = "the baseline: movies ordered by their number of training ratings"
    exact_note = "exact: the score is the movie's number of training ratings"
    exact_explanation = True
    query_from_ratings = True
    fit_target = "movielens_tui.models.kinds.popularity:fit"

    def user_query(self, model: TrainedModel, dataset: Dataset, user: int) -> Query:
        if not 0 <= user < dataset.n_users:
            raise ModelError(f"user position {user} is not in {dataset.name}")
        return Query(ONE)

    def query_for_movies(self, model: TrainedModel, movies: np.ndarray) -> Query:
        return Query(ONE)

    def fold_in(
        self, model: TrainedModel, ratings: Mapping[int, float], l2: float | None = None
    ) -> Query:
        rated_arrays(model, ratings)
        return Query(ONE)

    def score_users(self, model: TrainedModel, users: np.ndarray, rows: UserRows) -> np.ndarray:
        counts = model.movie_embeddings[:, 0].astype(np.float64)
        return np.broadcast_to(counts, (len(users), model.n_movies))

    def explain(self, model: TrainedModel, query: Query, movie: int) -> dict:
        count = float(model.movie_embeddings[movie, 0])
        return {"score": count, "terms": {"training_ratings": count}}

    def contributions(self, model, movies, values, targets):  # noqa: ANN001, ANN201
        """The whole score is the base (the movie's training count); no movie adds to it."""
        base = model.movie_embeddings[np.asarray(targets, np.int64), 0].astype(np.float64)
        return base, np.zeros((len(base), len(movies)))


def fit(dataset, params, *, train, test, seed, reporter, init=None, strategy=None):
    """Count the training ratings of every movie; one report (test P@10 / R@10)."""
    from movielens_tui.models.trained import TrainedModel

    del seed, init, strategy
    reporter.total = 0
    counts = np.bincount(train["movie"].to_numpy(np.int64), minlength=dataset.n_movies)
    model = TrainedModel("", "popularity", dict(params), counts.astype(np.float32)[:, None])
    reporter.report(0, test_ranking_metrics(model, train, test), lambda: model)
    return model
