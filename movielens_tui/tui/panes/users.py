"""Users: pick a user, see their profile and favourite movies, and their recommendations.

The filter box takes space-separated terms: a number is a user id (``196``), ``F`` /
``M`` the sex, ``20-30`` (or ``age:25``) an age range and any other word an occupation
(``student``, ``eng`` for engineer). Moving the cursor in the user list shows that user.
Recommendations follow ``app.measure`` (``m``); ``x`` toggles "exclude rated".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from movielens_tui.tui.focus import focus_now
from movielens_tui.tui.panes.neighbors import K_MAX, K_MIN, NO_MODEL, measure_word
from movielens_tui.tui.widgets.results_table import HIT_COLUMNS, ResultsTable

if TYPE_CHECKING:
    import pandas as pd

USER_COLUMNS = (("user_id", "User"), ("age", "Age"), ("sex", "Sex"), ("occupation", "Occupation"))
TOP_COLUMNS = (("rating", "★"), ("title", "Title"), ("genres", "Genres"))
TOP_RATED = 10
K_DEFAULT = 10
_RANGE = re.compile(r"^(?:age[:=])?(\d{1,3})\s*-\s*(\d{1,3})$")
_AGE = re.compile(r"^age[:=](\d{1,3})$")
_ID = re.compile(r"^(?:id[:=]|#)?(\d+)$")


def filter_users(table: pd.DataFrame, text: str) -> tuple[pd.DataFrame, str]:
    """Rows of ``table`` (users with ``user_id, age, sex, occupation``) matching ``text``.

    Returns the matching rows and a one-line explanation of the filter applied.
    """
    import pandas as pd

    mask = pd.Series(True, index=table.index)
    said: list[str] = []
    occupations = sorted({str(o) for o in table["occupation"]})
    for term in text.replace(",", " ").split():
        low = term.lower()
        if m := _RANGE.match(low):
            lo, hi = sorted((int(m.group(1)), int(m.group(2))))
            mask &= table["age"].between(lo, hi)
            said.append(f"age {lo}-{hi}")
        elif m := _AGE.match(low):
            mask &= table["age"] == int(m.group(1))
            said.append(f"age {m.group(1)}")
        elif m := _ID.match(low):
            mask &= table["user_id"] == int(m.group(1))
            said.append(f"id {m.group(1)}")
        elif low in ("m", "f", "sex:m", "sex:f"):
            sex = low[-1].upper()
            mask &= table["sex"].astype(str).str.upper() == sex
            said.append(f"sex {sex}")
        else:
            word = low.removeprefix("occupation:").removeprefix("occ:")
            hits = [o for o in occupations if o.lower().startswith(word)] or [
                o for o in occupations if word in o.lower()
            ]
            mask &= table["occupation"].isin(hits)
            said.append(f"occupation {'/'.join(hits) if hits else repr(word) + ' (none)'}")
    return table[mask], ", ".join(said)


class UsersPane(Vertical):
    """User list with filter; profile, highest-rated movies; recommendations."""

    DEFAULT_CSS = """
    UsersPane { height: 1fr; }
    UsersPane #users-top-row { height: 12; }
    UsersPane #users-left { width: 36; }
    UsersPane #users-filter { margin-bottom: 1; }
    UsersPane #users-list { height: 1fr; }
    UsersPane #users-right { width: 1fr; }
    UsersPane #users-profile { height: auto; padding: 0 1; }
    UsersPane #users-top { height: 1fr; }
    UsersPane #users-status { height: auto; padding: 0 1; }
    UsersPane #users-recs { height: 1fr; }
    """
    BINDINGS = [
        Binding("x", "toggle_exclude", "Exclude rated", id="users-exclude-rated"),
        Binding("plus,equals_sign", "change_k(1)", "k+1", id="users-k-up"),
        Binding("minus", "change_k(-1)", "k-1", id="users-k-down"),
        Binding("slash", "focus_filter", "Filter users", id="users-filter"),
    ]

    user: reactive[int | None] = reactive(None, init=False)
    exclude_rated: reactive[bool] = reactive(True, init=False)
    k: reactive[int] = reactive(K_DEFAULT, init=False)

    def __init__(self) -> None:
        super().__init__(id="pane-users", classes="pane")
        self.user_table: pd.DataFrame | None = None
        self.hits: list[Any] = []
        self.status_text = ""
        self.profile_text = ""
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="users-top-row"):
            with Vertical(id="users-left"):
                yield Input(
                    placeholder="filter: 196 · F · 20-30 · student", id="users-filter", compact=True
                )
                yield ResultsTable(USER_COLUMNS, id="users-list")
            with Vertical(id="users-right"):
                yield Static(id="users-profile")
                yield ResultsTable(TOP_COLUMNS, id="users-top")
        yield Static(id="users-status")
        yield ResultsTable(HIT_COLUMNS, id="users-recs")

    def on_mount(self) -> None:
        self.watch(self.app, "dataset", self._dataset_changed, init=False)
        self.watch(self.app, "model", self._show_recommendations, init=False)
        self.watch(self.app, "measure", self._show_recommendations, init=False)
        self._dataset_changed()

    # ------------------------------------------------------------------ focus
    def focus_default(self) -> None:
        focus_now(self.query_one("#users-list", ResultsTable))

    def action_focus_filter(self) -> None:
        focus_now(self.query_one("#users-filter", Input))

    # ------------------------------------------------------------------ users list
    def _dataset_changed(self) -> None:
        dataset = getattr(self.app, "dataset", None)
        if dataset is None:
            self.user_table = None
            self.user = None
            self._fill_users()
            return
        from movielens_tui.data import stats

        self.user_table = stats.user_table(dataset)
        self.user = None
        self._fill_users()

    @on(Input.Changed, "#users-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill_users()

    @on(Input.Submitted, "#users-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        users = self.query_one("#users-list", ResultsTable)
        if users.row_count:
            focus_now(users)

    def _fill_users(self) -> None:
        users = self.query_one("#users-list", ResultsTable)
        table = self.user_table
        if table is None:
            users.show_rows([], [])
            self._show_user()
            return
        text = self.query_one("#users-filter", Input).value
        shown, said = filter_users(table, text)
        self.filter_text = said
        users.show_rows(
            shown.to_dict("records"),
            shown.index.tolist(),
            labels={"user_id": f"User ({len(shown)}/{len(table)})"},
        )
        self.user = users.highlighted_movie()

    @on(DataTable.RowHighlighted, "#users-list")
    def _user_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.user = self.query_one("#users-list", ResultsTable).highlighted_movie()

    @on(DataTable.RowSelected, "#users-list")
    def _user_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.user = self.query_one("#users-list", ResultsTable).highlighted_movie()
        focus_now(self.query_one("#users-recs", ResultsTable))

    def select_user(self, user_id: int) -> None:
        """Show the user with original id ``user_id`` (clears the filter to that id)."""
        self.query_one("#users-filter", Input).value = str(user_id)
        self._fill_users()

    # ------------------------------------------------------------------ user view
    def watch_user(self) -> None:
        self._show_user()

    def watch_exclude_rated(self) -> None:
        self._show_recommendations()

    def watch_k(self) -> None:
        self._show_recommendations()

    def action_toggle_exclude(self) -> None:
        self.exclude_rated = not self.exclude_rated

    def action_change_k(self, step: int) -> None:
        self.k = max(K_MIN, min(K_MAX, self.k + step))

    def _show_user(self) -> None:
        dataset = getattr(self.app, "dataset", None)
        profile = self.query_one("#users-profile", Static)
        top = self.query_one("#users-top", ResultsTable)
        if dataset is None or self.user is None or self.user_table is None:
            self._set(profile, "profile_text", "No user selected" if dataset else "Loading…")
            top.show_rows([], [])
            self._show_recommendations()
            return
        row = self.user_table.iloc[self.user]
        mean = "-" if row["mean"] != row["mean"] else f"{row['mean']:.2f}"
        self._set(
            profile,
            "profile_text",
            f"[b]User {row['user_id']}[/b] · age {row['age']} · {escape(str(row['sex']))} · "
            f"{escape(str(row['occupation']))} · {row['count']} ratings (mean {mean})",
        )
        ratings = dataset.ratings
        mine = ratings[ratings["user"].to_numpy() == self.user]
        stats = getattr(self.app, "movie_stats", None)
        counts = stats["count"].to_numpy() if stats is not None else None
        order = sorted(
            zip(mine["movie"].tolist(), mine["rating"].tolist(), strict=True),
            key=lambda mr: (-mr[1], -(counts[mr[0]] if counts is not None else 0), mr[0]),
        )[:TOP_RATED]
        movies = dataset.movies
        rows = [
            {"rating": r, "title": movies["title"].iat[m], "genres": movies["genres"].iat[m]}
            for m, r in order
        ]
        top.show_rows(rows, [m for m, _ in order], labels={"title": "Their highest rated"})
        self._show_recommendations()

    def _show_recommendations(self) -> None:
        app: Any = self.app
        status = self.query_one("#users-status", Static)
        recs = self.query_one("#users-recs", ResultsTable)
        exclude = "ON" if self.exclude_rated else "OFF"
        settings = (
            f"measure [b]{measure_word(app.measure)}[/b] (m) · exclude rated: "
            f"[b]{exclude}[/b] (x) · +/- k"
        )
        dataset, model = app.dataset, app.model
        self.hits = []
        if model is None:
            self._set(status, "status_text", f"[b]{NO_MODEL}[/b] · {settings}")
            recs.show_rows([], [])
            return
        if dataset is None or self.user is None or self.user_table is None:
            self._set(status, "status_text", f"Pick a user for recommendations · {settings}")
            recs.show_rows([], [])
            return
        from movielens_tui.errors import MovieLensError
        from movielens_tui.models import scoring

        user_id = self.user_table["user_id"].iat[self.user]
        try:
            self.hits = scoring.recommend(
                model, dataset, self.user, measure=app.measure, k=self.k,
                exclude_rated=self.exclude_rated,
            )  # fmt: skip
        except MovieLensError as exc:
            self._set(status, "status_text", f"[b]{escape(str(exc))}[/b] · {settings}")
            recs.show_rows([], [])
            return
        rows = scoring.hits_table(dataset, self.hits)
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        recs.show_rows(rows, [h.movie for h in self.hits], labels={"score": f"{app.measure} score"})
        self._set(status, "status_text", f"Top {self.k} for user {user_id} · {settings}")

    def _set(self, widget: Static, attribute: str, markup: str) -> None:
        widget.update(markup)
        setattr(self, attribute, Text.from_markup(markup).plain)
