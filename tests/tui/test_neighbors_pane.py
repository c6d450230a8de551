"""Neighbors pane: fuzzy search per keystroke, neighbours table, measure toggle, k."""

from __future__ import annotations

import threading

import pytest
from pane_support import column, random_model, settle, start, titles, trained_model

from movielens_tui.models import scoring
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.constants import NO_MODEL
from movielens_tui.tui.panes.map import MapPane
from movielens_tui.tui.panes.neighbors import NeighborsPane
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import ResultsTable
from movielens_tui.tui.widgets.scatter_plot import ScatterPlot

SIZE = (100, 30)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


async def _search(pilot, app, text: str) -> MovieSearch:
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press(*text)
    await settle(pilot, app)
    return app.query_one("#neighbors-search", MovieSearch)


async def test_typing_aladd_lists_both_and_enter_shows_neighbours(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        search = await _search(pilot, app, "Aladd")
        assert search.input.has_focus
        shown = titles(dataset, search.matches.movies)
        assert shown[:2] == ["Aladdin (1992)", "Aladdin and the King of Thieves (1996)"]
        await pilot.press("enter")
        await pilot.pause()
        pane = app.query_one(NeighborsPane)
        table = app.query_one("#neighbors-table", ResultsTable)
        aladdin = search.matches.movies[0]
        expected = scoring.neighbors(model, aladdin, "dot", 6)
        assert table.movies == [h.movie for h in expected]
        assert column(table, "rank") == ["1", "2", "3", "4", "5", "6"]
        assert column(table, "score") == [f"{h.score:.3f}" for h in expected]
        assert column(table, "count")[0].isdigit()
        assert table.column_label("score") == "dot score"
        assert "Nearest neighbours of: Aladdin (1992)" in pane.status_text
        assert "measure DOT" in pane.status_text
        assert "Other candidates: Aladdin and the King of Thieves (1996)" in pane.candidates_text
        assert table.has_focus  # so "m", "+", "-" and 1-6 work right away


async def test_m_switches_the_measure_and_k_is_adjustable(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, model)
        search = app.query_one("#neighbors-search", MovieSearch)
        search.input.value = "Aladd"
        await settle(pilot, app)
        search.focus_input()
        await pilot.press("enter")
        await pilot.pause()
        pane = app.query_one(NeighborsPane)
        table = app.query_one("#neighbors-table", ResultsTable)
        dot_scores = column(table, "score")
        await pilot.press("m")
        await pilot.pause()
        assert app.measure == "cosine"
        assert "measure COSINE" in pane.status_text
        assert table.column_label("score") == "cosine score"
        expected = scoring.neighbors(model, search.matches.movies[0], "cosine", 6)
        assert table.movies == [h.movie for h in expected]
        assert column(table, "score")[0] == "1.000"  # the movie itself comes first
        assert column(table, "score") != dot_scores
        await pilot.press("m")
        await pilot.pause()
        assert "measure DOT" in pane.status_text
        assert column(table, "score") == dot_scores
        # k is adjustable with + and -
        await pilot.press("plus", "plus")
        await pilot.pause()
        assert table.row_count == 8
        assert "k=8" in pane.status_text
        await pilot.press(*["minus"] * 10)
        await pilot.pause()
        assert table.row_count == 1  # never below one


async def test_typos_articles_and_accents_find_the_movie(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        search = app.query_one("#neighbors-search", MovieSearch)
        for query, title in [
            ("godfathr", "Godfather, The (1972)"),
            ("the godfather", "Godfather, The (1972)"),
            ("miserables", "Misérables, Les (1995)"),
        ]:
            await pilot.press("slash")  # focuses the box and selects its text
            await pilot.pause()
            assert search.input.has_focus
            search.input.value = query
            await settle(pilot, app)
            assert titles(dataset, search.matches.movies)[0] == title, query
            await pilot.press("enter")
            await pilot.pause()
            assert f"Nearest neighbours of: {title}" in app.query_one(NeighborsPane).status_text


async def test_only_the_newest_query_is_shown(make_app, model) -> None:
    """A slow search that finishes after a newer one must not replace its results."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        real = app.title_index
        release = threading.Event()

        class SlowForA:
            def search(self, query: str, limit: int = 10):
                if query == "A":
                    release.wait(5)
                return real.search(query, limit)

        app.title_index = SlowForA()
        await pilot.press("slash", "A")
        await pilot.pause()
        await pilot.press(*"laddin and")
        await pilot.pause(0.2)
        await app.workers.wait_for_complete(
            [w for w in app.workers if not w.is_running or w.group != "search"]
        )
        release.set()
        await settle(pilot, app)
        search = app.query_one("#neighbors-search", MovieSearch)
        assert search.shown_query == "Aladdin and"
        shown = titles(dataset, search.matches.movies)
        assert shown[0] == "Aladdin and the King of Thieves (1996)"


async def test_enter_before_the_results_chooses_the_best_match_once_shown(make_app, model):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        real = app.title_index
        release = threading.Event()

        class Slow:  # no len(): searched in the worker
            def search(self, query: str, limit: int = 10):
                release.wait(5)
                return real.search(query, limit)

        app.title_index = Slow()
        await pilot.press("slash")
        search = app.query_one("#neighbors-search", MovieSearch)
        search.input.value = "godfathr"
        await pilot.press("enter")
        assert search.pending and search.matches.has_focus
        release.set()
        await settle(pilot, app)
        assert titles(dataset, search.matches.movies)[0] == "Godfather, The (1972)"
        status = app.query_one(NeighborsPane).status_text
        assert "Nearest neighbours of: Godfather, The (1972)" in status


async def test_empty_box_lists_popular_movies_and_no_model_says_how_to_train(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, None)
        await pilot.press("3")
        await settle(pilot, app)
        search = app.query_one("#neighbors-search", MovieSearch)
        counts = app.movie_stats["count"].to_numpy()
        listed = [int(counts[m]) for m in search.matches.movies]
        assert listed and listed == sorted(listed, reverse=True)
        assert len(listed) == min(search.limit, dataset.n_movies)
        await pilot.press("enter")  # focus is in the list: choose the most rated
        await pilot.pause()
        pane = app.query_one(NeighborsPane)
        assert NO_MODEL in pane.status_text
        assert app.query_one("#neighbors-table", ResultsTable).row_count == 0
        # every pane that needs a model says how to get one
        for key, name, table in (("4", "users", "#users-recs"), ("6", "you", "#you-recs")):
            await pilot.press(key)
            await pilot.pause()
            assert NO_MODEL in app.query_one(f"#pane-{name}").status_text
            assert app.query_one(table, ResultsTable).row_count == 0
        await pilot.press("5")
        await pilot.pause()
        assert NO_MODEL in app.query_one(MapPane).status_text
        assert app.query_one("#map-plot", ScatterPlot).point_count == 0


async def test_forest_gump_finds_forrest_gump_in_latest_small(latest_small) -> None:
    model = random_model(latest_small)
    app = MovieLensApp(dataset=latest_small)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, model)
        search = await _search(pilot, app, "forest gump")
        assert titles(latest_small, search.matches.movies)[0] == "Forrest Gump (1994)"
        await pilot.press("enter")
        await pilot.pause()
        pane = app.query_one(NeighborsPane)
        assert "Nearest neighbours of: Forrest Gump (1994)" in pane.status_text
        table = app.query_one("#neighbors-table", ResultsTable)
        gump = search.matches.movies[0]
        assert table.movies == [h.movie for h in scoring.neighbors(model, gump, "dot", 6)]
        rows = scoring.hits_table(latest_small, scoring.neighbors(model, gump, "dot", 6))
        assert column(table, "genres")[0] == ", ".join(rows[0]["genres"])
