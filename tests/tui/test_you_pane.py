"""You pane: rate movies with 1-5 (and half stars with h where the dataset has them),
saved at once per dataset, fold-in recommendations, retrain."""

from __future__ import annotations

import json

import pytest
from pane_support import (
    TRAIN_PARAMS,
    column,
    ended_done,
    ended_failed,
    random_model,
    settle,
    start,
    titles,
    trained_model,
)
from textual.widgets import Static

from movielens_tui import paths
from movielens_tui.models import foldin
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.messages import TrainingProgress
from movielens_tui.tui.panes.you import YouPane
from movielens_tui.tui.widgets.footer import KeyFooter
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import ResultsTable

SIZE = (100, 30)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


async def _rate(pilot, app, query: str, key: str) -> int:
    """Search ``query`` with "/", enter into the list, press ``key`` on the best match."""
    await pilot.press("slash")
    await pilot.pause()
    search = app.query_one("#you-search", MovieSearch)
    assert search.input.has_focus
    search.input.value = query
    await settle(pilot, app)
    await pilot.press("enter")  # moves into the list, on the best match
    await pilot.pause()
    assert search.matches.has_focus
    movie = search.matches.highlighted_movie()
    await pilot.press(key)
    await pilot.pause()
    return movie


async def test_rate_three_movies_get_recommendations_and_a_saved_file(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await pilot.pause()
        pane = app.query_one(YouPane)
        # the movie list has the focus: down and 1-5 rate at once, as the hint says
        assert app.focused is app.query_one("#you-search", MovieSearch).matches
        assert "Rate a few movies" in pane.status_text
        rated = {
            await _rate(pilot, app, "Aladd", "5"): 5.0,
            await _rate(pilot, app, "godfathr", "4"): 4.0,
            await _rate(pilot, app, "miserables", "2"): 2.0,
        }
        assert titles(dataset, list(rated)) == [
            "Aladdin (1992)", "Godfather, The (1972)", "Misérables, Les (1995)",
        ]  # fmt: skip
        # saved at once, by original movie id
        path = paths.my_ratings_path(dataset.name)
        saved = json.loads(path.read_text())["ratings"]
        ids = {str(int(dataset.movies["movie_id"].iat[m])): int(r) for m, r in rated.items()}
        assert saved == ids
        # the list shows your rating; the side table lists your three ratings
        search = app.query_one("#you-search", MovieSearch)
        assert column(search.matches, "mine")[0] == "2"
        assert app.query_one("#you-rated", ResultsTable).movies == list(rated)
        # recommendations by fold-in, none of the rated movies
        recs = app.query_one("#you-recs", ResultsTable)
        expected = foldin.recommend_for_ratings(model, dataset, rated, "dot", 10)
        assert recs.row_count == 10
        assert recs.movies == [h.movie for h in expected]
        assert not set(recs.movies) & set(rated)
        assert "3 ratings" in pane.status_text and "fold-in" in pane.status_text
        # m follows
        await pilot.press("m")
        await pilot.pause()
        expected = foldin.recommend_for_ratings(model, dataset, rated, "cosine", 10)
        assert recs.movies == [h.movie for h in expected]
        assert "measure COSINE" in pane.status_text
        # 0 removes the highlighted rating (still on Misérables)
        await pilot.press("0")
        await pilot.pause()
        assert len(json.loads(path.read_text())["ratings"]) == 2
        assert "2 ratings" in pane.status_text


async def test_down_then_5_rates_right_after_opening(make_app, model) -> None:
    """Issue 13: the hint line's "↓ list · 1-5 rate" works as soon as the pane opens."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await settle(pilot, app)
        search = app.query_one("#you-search", MovieSearch)
        await pilot.press("down")
        movie = search.matches.highlighted_movie()
        await pilot.press("5")
        await pilot.pause()
        assert app.active_pane_name == "you"
        saved = json.loads(paths.my_ratings_path(dataset.name).read_text())["ratings"]
        assert list(saved.values()) == [5]
        assert movie is not None and search.matches.movies.index(movie) == 0  # Star Wars
        assert "1 rating," in app.query_one(YouPane).status_text
        await pilot.press("down", "4")  # the cursor shows now: down moves it
        await pilot.pause()
        saved = json.loads(paths.my_ratings_path(dataset.name).read_text())["ratings"]
        assert list(saved.values()) == [5, 4]


async def test_5_rates_the_first_movie_right_after_opening(make_app, model) -> None:
    """No ``↓`` needed: the list has the focus, its cursor parked on the first movie."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await settle(pilot, app)
        matches = app.query_one("#you-search", MovieSearch).matches
        assert not matches.show_cursor
        first = matches.movies[0]
        await pilot.press("5")
        await pilot.pause()
        assert matches.show_cursor and matches.highlighted_movie() == first
        saved = json.loads(paths.my_ratings_path(dataset.name).read_text())["ratings"]
        assert list(saved.values()) == [5]


async def test_digit_keys_switch_panes_outside_the_lists(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await pilot.pause()
        await pilot.press("escape", "1")  # out of the list (the pane has the focus): switch
        await pilot.pause()
        assert app.active_pane_name == "dataset"
        await pilot.press("6", "slash", "1", "2")  # in the search box digits are typed
        await settle(pilot, app)
        assert app.query_one("#you-search", MovieSearch).input.value == "12"
        assert app.active_pane_name == "you"
        await pilot.press("down", "3", "escape", "2")  # rate, leave the list, switch
        await pilot.pause()
        assert app.active_pane_name == "train"
        saved = json.loads(paths.my_ratings_path(dataset.name).read_text())["ratings"]
        assert list(saved.values()) == [3]


async def test_ratings_load_on_start_and_a_corrupt_file_is_kept_aside(make_app, model) -> None:
    path = paths.my_ratings_path("ml-100k")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start(pilot, app, model)
        pane = app.query_one(YouPane)
        assert pane.store is not None and pane.store.ratings == {}
        messages = [n.message for n in app._notifications]
        assert any("not valid JSON" in m and "moved it to" in m for m in messages)
        kept = [p for p in path.parent.iterdir() if ".corrupt-" in p.name]
        assert len(kept) == 1 and kept[0].read_text() == "{not json"


async def test_saved_ratings_give_recommendations_at_start(make_app, model, small_dataset) -> None:
    ids = [int(small_dataset.movies["movie_id"].iat[m]) for m in (0, 1, 2)]
    path = paths.my_ratings_path(small_dataset.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 1, "ratings": {str(i): 4 for i in ids}}))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, model)
        await pilot.press("6")
        await pilot.pause()
        pane = app.query_one(YouPane)
        assert pane.positions == {0: 4.0, 1: 4.0, 2: 4.0}
        assert app.query_one("#you-recs", ResultsTable).row_count == 10


async def test_r_retrains_with_your_ratings_and_activates_the_model(make_app, model) -> None:
    app = make_app()
    messages: list = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await pilot.pause()
        await _rate(pilot, app, "Aladd", "5")
        await _rate(pilot, app, "godfathr", "1")
        await pilot.press("r")
        await settle(pilot, app, rounds=4)
        pane = app.query_one(YouPane)
        assert not pane.retraining
        progress = [m for m in messages if isinstance(m, TrainingProgress)]
        failed = [m.message for m in messages if ended_failed(m)]
        assert progress, failed
        assert progress[-1].step == progress[-1].total == TRAIN_PARAMS["iterations"]
        assert [m.run for m in messages if ended_done(m)] == [pane.run]
        new = app.model
        assert new is not model and new.preset == model.preset
        assert new.n_users == dataset.n_users + 1
        assert "retrained with you" in pane.status_text
        assert app.query_one("#you-recs", ResultsTable).row_count == 10


async def test_half_stars_on_latest_small_with_h(latest_small) -> None:
    app = MovieLensApp(dataset=latest_small)
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, random_model(latest_small))
        await pilot.press("6")
        await pilot.pause()
        pane = app.query_one(YouPane)
        assert "h ±½ star" in pane.query_one("#you-help", Static).render().plain
        gump = await _rate(pilot, app, "forrest gump", "4")
        assert titles(dataset, [gump]) == ["Forrest Gump (1994)"]
        assert "h ½ star" in app.query_one(KeyFooter).render().plain
        path = paths.my_ratings_path("ml-latest-small")
        movie_id = str(int(dataset.movies["movie_id"].iat[gump]))

        def saved() -> dict:
            return json.loads(path.read_text())["ratings"]

        await pilot.press("h")  # 4 -> 4.5
        await pilot.pause()
        assert saved() == {movie_id: 4.5}
        search = app.query_one("#you-search", MovieSearch)
        assert column(search.matches, "mine")[0] == "4.5"
        assert column(app.query_one("#you-rated", ResultsTable), "mine") == ["4.5"]
        assert "For you: 1 rating," in pane.status_text  # not "1 ratings"
        await pilot.press("h")  # 4.5 -> 4
        await pilot.pause()
        assert saved() == {movie_id: 4}
        await pilot.press("5", "h")  # the top can only lose half a star
        await pilot.pause()
        assert saved() == {movie_id: 4.5}
        await pilot.press("0", "h")  # not rated: half a star
        await pilot.pause()
        assert saved() == {movie_id: 0.5}
        assert pane.positions == {gump: 0.5}
        assert app.query_one("#you-recs", ResultsTable).row_count == 10


async def test_h_on_a_whole_star_dataset_says_so_and_changes_nothing(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("6")
        await pilot.pause()
        pane = app.query_one(YouPane)
        assert "h ±½" not in pane.query_one("#you-help", Static).render().plain
        await _rate(pilot, app, "Aladd", "4")
        assert "½ star" not in app.query_one(KeyFooter).render().plain
        await pilot.press("h")
        await pilot.pause()
        saved = json.loads(paths.my_ratings_path(dataset.name).read_text())["ratings"]
        assert list(saved.values()) == [4]
        messages = [n.message for n in app._notifications]
        assert any("takes whole stars only (1 to 5)" in m for m in messages)


async def test_a_half_star_in_a_whole_star_file_is_named_and_kept(make_app, model, small_dataset):
    half, whole = (int(small_dataset.movies["movie_id"].iat[m]) for m in (0, 1))
    path = paths.my_ratings_path(small_dataset.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 1, "ratings": {str(half): 3.5, str(whole): 4}}))
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start(pilot, app, model)
        pane = app.query_one(YouPane)
        assert pane.positions == {1: 4.0}
        messages = [n.message for n in app._notifications]
        line = next(m for m in messages if "not on ml-100k's scale" in m)
        assert "\n" not in line and f"movie {half}: 3.5" in line and "kept in the file" in line
        assert json.loads(path.read_text())["ratings"] == {str(half): 3.5, str(whole): 4}
