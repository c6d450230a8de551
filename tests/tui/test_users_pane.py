"""Users pane: filter and pick a user, profile, highest rated, recommendations, m and x;
only the attributes the dataset has (ml-latest-small: ids; ml-1m: age bands)."""

from __future__ import annotations

import pandas as pd
import pytest
from pane_support import column, random_model, settle, start, titles, trained_model
from textual.widgets import Input

from movielens_tui.data import layouts, registry, stats
from movielens_tui.data.synthetic import write_dat_release
from movielens_tui.data.users_filter import filter_users, hint
from movielens_tui.models import scoring
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.panes.users import UsersPane
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


@pytest.mark.parametrize(
    ("text", "ids", "said"),
    [
        ("", [1, 2, 3, 4, 196], ""),
        ("196", [196], "id 196"),
        ("student", [1, 2, 3, 4, 196], "ignored student (users have only an id)"),
        ("F 20-30 4", [4], "id 4, ignored F 20-30 (users have only an id)"),
    ],
)
def test_filter_users_without_demographics(text: str, ids: list[int], said: str) -> None:
    rows, explanation = filter_users(USERS[["user_id"]], text, attributes=())
    assert rows["user_id"].tolist() == ids
    assert explanation == said


ML_1M_USERS = pd.DataFrame(
    {
        "user_id": [1, 2, 3, 4, 5],
        "age": [1, 18, 25, 50, 56],
        "sex": ["F", "M", "M", "F", "M"],
        "occupation": ["K-12 student", "writer", "writer", "other", "retired"],
        "age_band": ["Under 18", "18-24", "25-34", "50-55", "56+"],
    }
)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("25-34", [3]),
        ("20-30", [2, 3]),  # the bands 18-24 and 25-34 overlap it
        ("age:16", [1]),
        ("age:52", [4]),
        ("50+", [4, 5]),
        ("0-17 f", [1]),
    ],
)
def test_filter_users_on_ml_1m_age_bands(text: str, ids: list[int]) -> None:
    rows, _ = filter_users(ML_1M_USERS, text, banded=True)
    assert rows["user_id"].tolist() == ids


def test_hint_names_only_what_there_is() -> None:
    assert hint(("age", "sex", "occupation")) == "by id, age, sex or occupation"
    assert hint(("age", "sex", "occupation"), banded=True) == "by id, age band, sex or occupation"
    assert hint(()) == "by user id only (no demographics)"


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


async def test_latest_small_users_have_only_ids(latest_small) -> None:
    """No demographics: id-only filter and hint, no empty attribute columns, no "age nan"."""
    app = MovieLensApp(dataset=latest_small)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, random_model(latest_small))
        await pilot.press("4")
        await pilot.pause()
        pane = app.query_one(UsersPane)
        users = app.query_one("#users-list", ResultsTable)
        assert users.column_keys == ["user_id", "count", "mean"]
        assert users.row_count == latest_small.n_users == 610
        assert users.column_label("user_id") == "User (610/610)"
        assert pane.hint_text == "by user id only (no demographics)"
        field = app.query_one("#users-filter", Input)
        assert field.placeholder.startswith("user id, e.g. ")
        field.value = "student"  # not an attribute here: ignored, and said so
        await settle(pilot, app)
        assert users.row_count == 610
        assert pane.hint_text == "ignored student (users have only an id)"
        field.value = "414"
        await settle(pilot, app)
        assert column(users, "user_id") == ["414"]
        table = stats.user_table(latest_small)
        row = table[table["user_id"] == 414].iloc[0]
        assert pane.profile_text == (
            f"User 414 · {int(row['count']):,} ratings (mean {row['mean']:.2f})"
        )
        assert "age" not in pane.profile_text and "nan" not in pane.profile_text
        top = app.query_one("#users-top", ResultsTable)
        ratings = [float(r) for r in column(top, "rating")]
        assert ratings == sorted(ratings, reverse=True) and len(ratings) == 10
        assert app.query_one("#users-recs", ResultsTable).row_count == 10


async def test_ml_1m_users_show_their_age_bands(tmp_path) -> None:
    folder = write_dat_release(tmp_path / "ml-1m", "ml-1m")
    dataset = layouts.load(folder, registry.get("ml-1m"))
    app = MovieLensApp(dataset=dataset)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, app, None)
        await pilot.press("4")
        await pilot.pause()
        pane = app.query_one(UsersPane)
        users = app.query_one("#users-list", ResultsTable)
        assert users.column_keys == ["user_id", "age_band", "sex", "occupation"]
        assert pane.hint_text == "by id, age band, sex or occupation"
        app.query_one("#users-filter", Input).value = "25-34"
        await settle(pilot, app)
        assert set(column(users, "age_band")) == {"25-34"}
        assert pane.profile_text.startswith(f"User {column(users, 'user_id')[0]} · age 25-34 · ")
