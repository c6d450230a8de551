"""Users pane: filter and pick a user, profile, highest rated, recommendations, m and x;
only the attributes the dataset has (ml-latest-small: ids; ml-1m: age bands)."""

from __future__ import annotations

import pandas as pd
import pytest
from pane_support import column, random_model, settle, start, titles, trained_model
from textual.widgets import Input

from movielens_tui.data import layouts, registry, stats
from movielens_tui.data.synthetic import write_csv_release, write_dat_release
from movielens_tui.data.user_search import UserIndex, listing_note
from movielens_tui.data.users_filter import filter_users, hint
from movielens_tui.models import scoring
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.panes.users import MAX_LISTED, UsersPane, fit_genres
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


@pytest.mark.parametrize(
    "text", ["", "196", "f", "20-30", "30-20 m", "age:53", "writer", "eng", "nurse", "x 50+"]
)
def test_user_index_answers_as_filter_users(text: str) -> None:
    rows, said = UserIndex(USERS).search(text)
    want, want_said = filter_users(USERS, text)
    assert USERS.index[rows].tolist() == want.index.tolist() and said == want_said


@pytest.mark.parametrize("text", ["25-34", "20-30", "age:16", "50+", "0-17 f", "writer"])
def test_user_index_on_ml_1m_bands(text: str) -> None:
    rows, said = UserIndex(ML_1M_USERS, banded=True).search(text)
    want, want_said = filter_users(ML_1M_USERS, text, banded=True)
    assert ML_1M_USERS.index[rows].tolist() == want.index.tolist() and said == want_said


def test_listing_note_and_fit_genres() -> None:
    assert listing_note(2000, 200_948, 200_948, False) == (
        "first 2,000 of 200,948 users · type an id or filter"
    )
    assert listing_note(2000, 9_000, 200_948, True) == (
        "first 2,000 of 9,000 match · type an id or filter"
    )
    assert listing_note(3, 3, 200_948, True) == "3 of 200,948 match"
    assert listing_note(943, 943, 943, False) == "943 users"
    assert fit_genres(["Action", "Comedy", "Drama"], 40) == "Action, Comedy, Drama"
    assert fit_genres(["Action", "Comedy", "Drama"], 15) == "Action +2"
    assert fit_genres(["Documentary"], 5) == "Documentary"  # never cut inside a word


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
        assert users.column_label("user_id") == "User"
        assert pane.count_text == "610 users"
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
        assert pane.count_text == "1 of 610 match"
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


async def test_80x24_columns_are_not_clipped(make_app, model) -> None:
    """The occupation and the genres are shown whole at 80x24 (whole genres, "+n")."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        dataset = await start(pilot, app, model)
        await pilot.press("4")
        await settle(pilot, app)
        await pilot.pause()
        users = app.query_one("#users-list", ResultsTable)
        table = stats.user_table(dataset)
        longest = max(table["occupation"].astype(str), key=len)
        app.query_one("#users-filter", Input).value = longest
        await settle(pilot, app)
        await pilot.pause()
        assert users.row_count
        # every column fits in the list's width: nothing to scroll, so nothing cut off
        assert users.virtual_size.width <= users.scrollable_content_region.width
        assert set(column(users, "occupation")) == {longest}
        for table_id in ("#users-top", "#users-recs"):
            shown = app.query_one(table_id, ResultsTable)
            assert shown.row_count
            assert shown.virtual_size.width <= shown.scrollable_content_region.width, table_id
            genres = [g for g in column(shown, "genres")]
            names = set(dataset.genres) | {"-"}
            for cell in genres:
                for word in cell.split(" +")[0].split(", "):
                    assert word in names, (table_id, cell)


async def test_200k_users_list_a_page_and_filter_over_all(tmp_path) -> None:
    """A CSV release with 200,948 users: the list shows the first 2,000 and says so; an
    id past them is found (the filter answers over every user)."""
    folder = write_csv_release(
        tmp_path / "ml-latest-small", n_users=200_948, n_movies=300, n_ratings=420_000,
        tags=False, links=False,
    )  # fmt: skip
    dataset = layouts.load(folder, registry.get("ml-latest-small"))
    assert dataset.n_users == 200_948
    app = MovieLensApp(dataset=dataset)
    async with app.run_test(size=(80, 24)) as pilot:
        await start(pilot, app, None)
        await pilot.press("4")
        await settle(pilot, app)
        pane = app.query_one(UsersPane)
        users = app.query_one("#users-list", ResultsTable)
        assert users.row_count == MAX_LISTED
        assert pane.count_text == "first 2,000 of 200,948 users · type an id or filter"
        last = int(dataset.users["user_id"].iat[-1])
        app.query_one("#users-filter", Input).value = str(last)
        await settle(pilot, app)
        assert column(users, "user_id") == [str(last)]
        assert pane.count_text == "1 of 200,948 match"
        assert pane.profile_text.startswith(f"User {last} · ")
