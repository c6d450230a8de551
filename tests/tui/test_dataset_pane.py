"""Dataset pane: counts, charts and top lists follow the occupation and genre filters."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select, Static

from movielens_tui.data import stats
from movielens_tui.tui.panes.dataset import DatasetPane, compute_view
from movielens_tui.tui.widgets.bar_chart import BarChart


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
