"""The per-dataset tables the panes share: the movie table and the title search index.

The app builds both in its loading worker and sets them before ``app.dataset``. A pane
asks here instead of reading ``app.movie_stats`` / ``app.title_index`` directly, so
that a dataset swapped in without them (or while they still describe the previous
dataset) never mixes two datasets: tables that do not fit the dataset are rebuilt
once per dataset and kept while it is open.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from movielens_tui.tui.constants import OTHER_MODEL

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel
    from movielens_tui.tui.app import MovieLensApp

_STATS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_INDEXES: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _fits(table: Any, dataset: Dataset) -> bool:
    """Same number of movies and the same first and last titles."""
    try:
        if len(table) != dataset.n_movies:
            return False
    except TypeError:
        return True  # no size to check (a stand-in index in tests): trust the app
    if not dataset.n_movies:
        return True
    titles = table["title"] if hasattr(table, "columns") else getattr(table, "titles", None)
    if titles is None:
        return True
    movies = dataset.movies["title"]
    return all(str(titles[i] if isinstance(titles, list) else titles.iat[i]) == str(movies.iat[i])
               for i in (0, -1))  # fmt: skip


def movie_stats_for(app: MovieLensApp, dataset: Dataset | None) -> Any:
    """``stats.movie_table(dataset)``: the app's copy when it fits ``dataset``."""
    if dataset is None:
        return None
    table = app.movie_stats
    if table is not None and _fits(table, dataset):
        return table
    if dataset not in _STATS:
        from movielens_tui.data import stats

        _STATS[dataset] = stats.movie_table(dataset)
    return _STATS[dataset]


def title_index_for(app: MovieLensApp, dataset: Dataset | None) -> Any:
    """The fuzzy title index of ``dataset``: the app's one when it fits ``dataset``."""
    if dataset is None:
        return app.title_index
    index = app.title_index
    if index is not None and _fits(index, dataset):
        return index
    if dataset not in _INDEXES:
        from movielens_tui.search import TitleIndex

        _INDEXES[dataset] = TitleIndex(list(dataset.movies["title"]))
    return _INDEXES[dataset]


__all__ = ["OTHER_MODEL", "model_for", "movie_stats_for", "no_model_text", "title_index_for"]


def model_for(app: MovieLensApp, dataset: Dataset | None) -> TrainedModel | None:
    """The active model if it fits ``dataset`` (same number of movies), else None.

    The app clears the model before it switches datasets; this keeps a pane from ever
    scoring one dataset's movies with another's embeddings meanwhile.
    """
    model = app.model
    if model is None or dataset is None:
        return model
    return model if model.n_movies == dataset.n_movies else None


def no_model_text(app: MovieLensApp, dataset: Dataset | None, default: str) -> str:
    """``default`` (how to train one), or why the active model does not apply."""
    if app.model is not None and model_for(app, dataset) is None:
        return OTHER_MODEL
    return default
