"""Dataset pane: counts, charts and top lists follow the occupation and genre filters and
the open dataset (half-star bins, its genres, occupations and ages only where they exist);
every pane follows a dataset swap."""

from __future__ import annotations

from pane_support import random_model, start
from pane_support import settle as _settle
from textual.widgets import DataTable, Input, Select, Static

from movielens_tui import paths
from movielens_tui.data import stats
from movielens_tui.data.dataset_view import compute_view
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.panes.dataset import DatasetPane
from movielens_tui.tui.panes.map import MapPane
from movielens_tui.tui.panes.neighbors import NeighborsPane
from movielens_tui.tui.panes.users import UsersPane
from movielens_tui.tui.panes.you import YouPane
from movielens_tui.tui.widgets.bar_chart import BarChart
from movielens_tui.tui.widgets.footer import KeyFooter
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import ResultsTable
from movielens_tui.tui.widgets.scatter_plot import ScatterPlot
from movielens_tui.tui.widgets.shared import OTHER_MODEL


def trained_model_for(dataset):
    """A model of the generated dataset's shape (untrained: only its shape matters here)."""
    return random_model(dataset)


def _summary(app) -> str:
    return str(app.query_one("#dataset-summary", Static).render())


async def test_shows_loading_then_the_counts(make_app, small_dataset, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        text = _summary(app)
        assert f"{small_dataset.n_users:,} users" in text
        assert f"{small_dataset.n_movies:,} movies" in text
        assert f"{small_dataset.n_ratings:,} ratings" in text
        s = stats.summary(small_dataset)
        assert f"density {s.density:.2%}" in text
        assert f"mean rating {s.mean_rating:.2f}" in text
        hist = app.query_one("#rating-histogram", BarChart)
        assert hist.labels == ["1", "2", "3", "4", "5"]
        assert hist.values == [s.histogram[k] for k in range(1, 6)]
        assert sum(app.query_one("#ratings-per-user", BarChart).values) == small_dataset.n_users
        assert sum(app.query_one("#ratings-per-movie", BarChart).values) == small_dataset.n_movies
        top = stats.top_by_count(stats.movie_table(small_dataset), 10)
        table = app.query_one("#top-by-count", DataTable)
        assert table.row_count == 10
        assert str(table.get_row_at(0)[1]) == top.iloc[0]["title"]


async def test_loading_text_before_the_dataset_arrives(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)):
        # The first paint happens before the loading worker has posted its result.
        assert _summary(app) in ("Loading…",) or "users" in _summary(app)
    pane = DatasetPane()
    assert pane.view is None


async def test_occupation_and_genre_filters(make_app, small_dataset, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        occupation = str(small_dataset.users["occupation"].iloc[0])
        app.query_one("#occupation-filter", Select).value = occupation
        await settle(pilot, app)
        users = small_dataset.users["occupation"] == occupation
        ratings = small_dataset.ratings[users.to_numpy()[small_dataset.ratings["user"].to_numpy()]]
        text = _summary(app)
        assert f"{int(users.sum()):,} users" in text
        assert f"{len(ratings):,} ratings" in text
        assert occupation in text
        assert sum(app.query_one("#rating-histogram", BarChart).values) == len(ratings)

        app.query_one("#genre-filter", Select).value = "Drama"
        await settle(pilot, app)
        drama = small_dataset.movies["genres"].map(lambda g: "Drama" in g).to_numpy()
        both = ratings[drama[ratings["movie"].to_numpy()]]
        text = _summary(app)
        assert f"{int(drama.sum()):,} movies" in text
        assert f"{len(both):,} ratings" in text
        assert sum(app.query_one("#ratings-per-movie", BarChart).values) == int(drama.sum())
        table = app.query_one("#top-by-count", DataTable)
        titles = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        drama_titles = set(small_dataset.movies["title"][drama])
        assert titles and titles <= drama_titles

        await pilot.press("r")
        await settle(pilot, app)
        assert f"{small_dataset.n_ratings:,} ratings" in _summary(app)


async def test_top_n_is_adjustable(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        field = app.query_one("#top-n", Input)
        field.value = "3"
        await settle(pilot, app)
        assert app.query_one("#top-by-count", DataTable).row_count == 3
        field.value = "abc"  # refused by the integer input; the tables stay as they are
        await settle(pilot, app)
        assert app.query_one("#top-by-count", DataTable).row_count == 3


def test_compute_view_matches_stats(small_dataset) -> None:
    view = compute_view(small_dataset, None, None, top=5)
    s = stats.summary(small_dataset)
    assert (view.users, view.movies, view.ratings) == (s.users, s.movies, s.ratings)
    assert view.histogram == s.histogram
    assert len(view.top_by_count) == 5
    means = [row["mean"] for row in view.top_by_mean]
    assert means == sorted(means, reverse=True)
    assert all(row["count"] >= 20 for row in view.top_by_mean)


def test_compute_view_with_no_matching_ratings(small_dataset) -> None:
    view = compute_view(small_dataset, "nobody-has-this-job", None)
    assert view.users == 0 and view.ratings == 0
    assert view.top_by_count == [] and view.top_by_mean == []


async def test_latest_small_half_star_histogram_genres_and_no_occupations(latest_small) -> None:
    app = MovieLensApp(dataset=latest_small)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await _settle(pilot, app)
        hist = app.query_one("#rating-histogram", BarChart)
        assert hist.labels == ["0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5", "5"]
        s = stats.summary(latest_small)
        assert hist.values == list(s.histogram.values()) and sum(hist.values) == 100_836
        assert hist.xlabel == "rating (half stars)"
        text = _summary(app)
        assert "610 users" in text and "9,742 movies" in text and "100,836 ratings" in text
        assert "mean age" not in text  # no ages in ml-latest-small
        occupation = app.query_one("#occupation-filter", Select)
        assert not occupation.display and occupation.disabled
        assert "o Occupation" not in app.query_one(KeyFooter).render().plain
        await pilot.press("o")  # says why instead of failing
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("ml-latest-small has no user occupations" in m for m in messages)
        genre = app.query_one("#genre-filter", Select)
        assert [v for _, v in genre._options if isinstance(v, str)] == list(latest_small.genres)
        genre.value = "IMAX"
        await _settle(pilot, app)
        imax = int(latest_small.movies["IMAX"].sum())
        assert f"{imax:,} movies" in _summary(app) and "IMAX" in _summary(app)


async def test_mean_age_where_users_have_ages(make_app, small_dataset, settle) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        mean_age = small_dataset.users["age"].mean()
        assert f"mean age {mean_age:.1f}" in _summary(app)
        assert app.query_one("#occupation-filter", Select).display
        assert "o Occupation" in app.query_one(KeyFooter).render().plain


async def test_every_pane_follows_a_dataset_swap(make_app, small_dataset, latest_small) -> None:
    """ml-100k-like → ml-latest-small in one assignment (without the app's shared tables):
    counts, histogram, filters, user columns, search and ratings all follow."""
    small_model = trained_model_for(small_dataset)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await start(pilot, app, small_model)
        await app.mount_panes()
        await pilot.press("4")
        await _settle(pilot, app)
        users = app.query_one("#users-list", ResultsTable)
        assert users.column_keys == ["user_id", "age", "sex", "occupation"]
        assert app.query_one("#occupation-filter", Select).display

        app.dataset = latest_small  # the model still is of the old dataset
        await _settle(pilot, app)
        # Dataset pane
        text = _summary(app)
        assert "610 users" in text and "9,742 movies" in text and "mean age" not in text
        assert len(app.query_one("#rating-histogram", BarChart).labels) == 10
        assert not app.query_one("#occupation-filter", Select).display
        genre = app.query_one("#genre-filter", Select)
        assert "IMAX" in [v for _, v in genre._options]
        # Users pane
        pane = app.query_one(UsersPane)
        assert users.column_keys == ["user_id", "count", "mean"]
        assert users.row_count == 610
        assert pane.hint_text == "by user id only (no demographics)"
        assert OTHER_MODEL in pane.status_text
        # You pane: the new dataset's search, scale and file
        await pilot.press("6")
        await pilot.pause()
        you = app.query_one(YouPane)
        assert "h" in you.query_one("#you-help", Static).render().plain.split("·")[3]
        assert you.store is not None and you.store.dataset_name == "ml-latest-small"
        assert you.store.path == paths.my_ratings_path("ml-latest-small")
        search = app.query_one("#you-search", MovieSearch)
        search.input.value = "forrest gump"
        await _settle(pilot, app)
        assert latest_small.movies["title"].iat[search.matches.movies[0]] == "Forrest Gump (1994)"
        assert OTHER_MODEL in you.status_text
        # Neighbors and Map say the model does not fit rather than fail (escape first: the
        # focus is in a text field, where a digit is typed, not a pane key)
        await pilot.press("escape")
        await pilot.press("3")
        await pilot.pause()
        assert OTHER_MODEL in app.query_one(NeighborsPane).status_text
        await pilot.press("escape")
        await pilot.press("5")
        await _settle(pilot, app)
        assert OTHER_MODEL in app.query_one(MapPane).status_text
        # a model of the new dataset brings everything back
        app.set_active_model(random_model(latest_small))
        await _settle(pilot, app)
        assert "PCA" in app.query_one(MapPane).status_text
        assert app.query_one("#map-plot", ScatterPlot).point_count == 9742
        assert app.query_one("#users-recs", ResultsTable).row_count == 10
