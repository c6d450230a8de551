"""The "Why?" screen: ``w`` on a row of Users, Neighbors and You explains it."""

from __future__ import annotations

import pytest
from pane_support import settle, start, trained_model

from movielens_tui.tui.screens.why import WhyScreen, bar
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import ResultsTable

SIZE = (80, 24)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


def test_bar_is_scaled_to_the_largest() -> None:
    assert bar(2.0, 2.0, 10) == "█" * 10
    assert bar(-1.0, 2.0, 10) == "█" * 5
    assert bar(0.0, 2.0, 10) == ""


async def _why(pilot, app) -> WhyScreen:
    await pilot.press("w")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, WhyScreen)
    return screen


async def _closes(pilot, app) -> None:
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(app.screen, WhyScreen)


async def test_w_in_users_explains_the_first_recommendation(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("slash")
        await pilot.press("2", "enter")
        await settle(pilot, app)
        await pilot.press("enter")  # into the recommendations
        await settle(pilot, app)
        recs = app.query_one("#users-recs", ResultsTable)
        assert recs.has_focus
        recs.move_cursor(row=0)  # the first recommendation
        await pilot.pause()
        screen = await _why(pilot, app)
        text = screen.text
        first = str(dataset.movies["title"].iat[recs.movies[0]])
        rated = {
            str(dataset.movies["title"].iat[m]) for m in dataset.rated_by(dataset.user_index(2))
        }
        assert first[:30] in text
        assert "because" in text
        assert any(t[:30] in text for t in rated)
        assert "approximation" in text or "exact split" in text
        await _closes(pilot, app)


async def test_w_in_neighbors_names_co_raters_and_shared_genres(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, model)
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"Aladd")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        table = app.query_one("#neighbors-table", ResultsTable)
        assert table.has_focus
        await pilot.press("down")
        await pilot.pause()
        screen = await _why(pilot, app)
        assert "co-raters" in screen.text
        assert "shared genres" in screen.text
        assert "near Aladdin (1992)" in screen.text
        await _closes(pilot, app)


async def test_w_in_you_explains_by_your_rating(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("w")  # nothing rated yet: a notification, no screen
        await pilot.pause()
        assert not isinstance(app.screen, WhyScreen)
        await pilot.press("slash")
        await pilot.pause()
        search = app.query_one("#you-search", MovieSearch)
        search.input.value = "Aladd"
        await settle(pilot, app)
        await pilot.press("enter")
        await pilot.pause()
        movie = search.matches.highlighted_movie()
        await pilot.press("5")
        await settle(pilot, app)
        recs = app.query_one("#you-recs", ResultsTable)
        assert recs.row_count
        recs.focus()
        await pilot.pause()
        screen = await _why(pilot, app)
        title = str(dataset.movies["title"].iat[movie])
        assert "because" in screen.text
        assert title in screen.text
        assert "★5" in screen.text
        await pilot.press("w")  # w closes it too
        await pilot.pause()
        assert not isinstance(app.screen, WhyScreen)
