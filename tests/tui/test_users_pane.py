"""Users pane: filter and pick a user, profile, highest rated, recommendations, m and x."""

from __future__ import annotations

import pandas as pd
import pytest
from pane_support import column, settle, start, titles, trained_model
from textual.widgets import Input

from movielens_tui.data import stats
from movielens_tui.models import scoring
from movielens_tui.tui.panes.users import UsersPane, filter_users
from movielens_tui.tui.widgets.results_table import ResultsTable

SIZE = (100, 30)

USERS = pd.DataFrame(
    {
        "user_id": [1, 2, 3, 4, 196],
        "age": [24, 53, 23, 30, 49],
        "sex": ["M", "F", "M", "F", "M"],
        "occupation": ["technician", "other", "writer", "engineer", "writer"],
    }
)


@pytest.mark.parametrize(
    ("text", "ids", "said"),
    [
        ("", [1, 2, 3, 4, 196], ""),
        ("196", [196], "id 196"),
        ("f", [2, 4], "sex F"),
        ("20-30", [1, 3, 4], "age 20-30"),
        ("30-20 m", [1, 3], "age 20-30, sex M"),
        ("age:53", [2], "age 53"),
        ("writer", [3, 196], "occupation writer"),
        ("eng", [4], "occupation engineer"),
        ("nurse", [], "occupation 'nurse' (none)"),
    ],
)
def test_filter_users(text: str, ids: list[int], said: str) -> None:
    rows, explanation = filter_users(USERS, text)
    assert rows["user_id"].tolist() == ids
    assert explanation == said


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


async def test_pick_a_user_and_get_recommendations_x_and_m(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("4")
        await pilot.pause()
        pane = app.query_one(UsersPane)
        await pilot.press("slash")
        await pilot.press("2", "enter")
        await settle(pilot, app)
        users = app.query_one("#users-list", ResultsTable)
        assert column(users, "user_id") == ["2"]
        assert users.has_focus
        user = dataset.user_index(2)
        assert pane.user == user
        assert pane.profile_text.startswith("User 2 · age ")
        # highest rated first
        top = app.query_one("#users-top", ResultsTable)
        ratings = [float(r) for r in column(top, "rating")]
        assert ratings and ratings == sorted(ratings, reverse=True)
        assert set(top.movies) <= set(dataset.rated_by(user).tolist())
        # recommendations: exclude rated is on, measure DOT
        recs = app.query_one("#users-recs", ResultsTable)
        expected = scoring.recommend(model, dataset, user, "dot", 10, exclude_rated=True)
        assert recs.movies == [h.movie for h in expected]
        assert not set(recs.movies) & set(dataset.rated_by(user).tolist())
        assert "exclude rated: ON" in pane.status_text and "measure DOT" in pane.status_text
        excluded = recs.movies
        await pilot.press("x")
        await pilot.pause()
        assert "exclude rated: OFF" in pane.status_text
        expected = scoring.recommend(model, dataset, user, "dot", 10, exclude_rated=False)
        assert recs.movies == [h.movie for h in expected]
        assert recs.movies != excluded
        dot_scores = column(recs, "score")
        await pilot.press("m")
        await pilot.pause()
        assert "measure COSINE" in pane.status_text
        assert recs.column_label("score") == "cosine score"
        expected = scoring.recommend(model, dataset, user, "cosine", 10, exclude_rated=False)
        assert column(recs, "score") == [f"{h.score:.3f}" for h in expected]
        assert column(recs, "score") != dot_scores
        assert column(recs, "title") == titles(dataset, [h.movie for h in expected])


async def test_filter_by_sex_and_occupation_then_move_through_users(make_app, model) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("4")
        await pilot.pause()
        pane = app.query_one(UsersPane)
        table = stats.user_table(dataset)
        occupation = str(table["occupation"].value_counts().index[0])
        app.query_one("#users-filter", Input).value = f"F {occupation}"
        await settle(pilot, app)
        users = app.query_one("#users-list", ResultsTable)
        want = table[(table["sex"] == "F") & (table["occupation"] == occupation)]
        assert users.movies == want.index.tolist()
        assert pane.filter_text == f"sex F, occupation {occupation}"
        if len(want) > 1:
            users.focus()
            await pilot.press("down")
            await pilot.pause()
            second = want.index[1]
            assert pane.user == second
            assert pane.profile_text.startswith(f"User {want['user_id'].iat[1]} ")
