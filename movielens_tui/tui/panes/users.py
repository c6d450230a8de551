"""Users: pick a user, see their profile and favourite movies, and their recommendations.

The filter box takes space-separated terms (:mod:`movielens_tui.data.users_filter`): a
number is a user id (``196``) and, where the dataset has demographics, ``F`` / ``M`` the
sex, ``20-30`` (or ``age:25``, ``50+``) an age range and any other word an occupation
(``student``, ``eng`` for engineer). ml-1m's ages are bands (``25-34``); ml-latest-small
and the other CSV releases have only user ids, which the hint under the box says. The
user list shows the dataset's own attribute columns (number of ratings and mean rating
where there are none). Moving the cursor in the user list shows that user.
Recommendations follow ``app.measure`` (``m``); ``x`` toggles "exclude rated".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Static

from movielens_tui.data.users_filter import attributes_of, banded_ages, hint
from movielens_tui.tui.constants import K_MAX, K_MIN, NO_MODEL, measure_word, plural
from movielens_tui.tui.focus import focus_now
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.widgets.results_table import HIT_COLUMNS, ResultsTable, format_cell
from movielens_tui.tui.widgets.shared import model_for, movie_stats_for, no_model_text

if TYPE_CHECKING:
    import pandas as pd

    from movielens_tui.data.movielens import Dataset
    from movielens_tui.data.user_search import UserIndex

USER_COLUMNS = (("user_id", "User"), ("age", "Age"), ("sex", "Sex"), ("occupation", "Occupation"))
ID_ONLY_COLUMNS = (("user_id", "User"), ("count", "Ratings"), ("mean", "Mean"))
TOP_COLUMNS = (("rating", "★"), ("title", "Top rated"), ("genres", "Genres"))
TOP_RATED = 10
K_DEFAULT = 10
# Users listed at most (ml-32m has 200,948): the list is a window on the filter, which
# always answers over every user (UserIndex); the line under the filter says
# "first 2,000 of 200,948 users · type an id or filter".
MAX_LISTED = 2000
LEFT_MIN, LEFT_MAX_SHARE = 35, 0.6  # user-list width: what its columns need, within these
FULL_HINT = hint(("age", "sex", "occupation"))


def user_columns(dataset: Dataset | None) -> tuple[tuple[str, str], ...]:
    """The user-list columns for the attributes ``dataset`` has (ml-1m: its age bands)."""
    if dataset is None:
        return USER_COLUMNS
    attributes = attributes_of(dataset)
    if not attributes:
        return ID_ONLY_COLUMNS
    age = "age_band" if banded_ages(dataset) else "age"
    names = {"age": (age, "Age"), "sex": ("sex", "Sex"), "occupation": ("occupation", "Occupation")}
    return (("user_id", "User"), *(names[a] for a in attributes))


def profile_line(row: Any, dataset: Dataset) -> str:
    """The profile markup of one user-table row, naming only the attributes there are."""
    import pandas as pd

    def known(value: Any) -> bool:
        return (
            value is not None and not pd.isna(value) and str(value).strip() not in ("", "unknown")
        )

    parts = [f"[b]User {int(row['user_id'])}[/b]"]
    attributes = attributes_of(dataset)
    if "age" in attributes:
        age = row.get("age_band") if banded_ages(dataset) else row.get("age")
        if known(age):
            parts.append(f"age {escape(str(age))}")
    parts += [escape(str(row.get(a))) for a in ("sex", "occupation")
              if a in attributes and known(row.get(a))]  # fmt: skip
    mean = "-" if pd.isna(row["mean"]) else f"{row['mean']:.2f}"
    parts.append(f"{plural(int(row['count']), 'rating')} (mean {mean})")
    return " · ".join(parts)


def fit_genres(genres: Any, width: int) -> str:
    """As many whole genres as fit in ``width`` cells, then ``+n`` for the rest."""
    names = [str(g) for g in genres] if isinstance(genres, (list, tuple)) else [str(genres)]
    if not names:
        return "-"
    for shown in range(len(names), 0, -1):
        more = len(names) - shown
        text = ", ".join(names[:shown]) + (f" +{more}" if more else "")
        if len(text) <= width or shown == 1:
            return text
    return names[0]


def fit_rows(
    rows: list[dict[str, Any]], columns: Any, labels: dict[str, str], width: int
) -> list[dict[str, Any]]:
    """``rows`` with titles and genres shortened so every column fits ``width`` cells
    (the other columns keep their full text; genres stay whole words)."""
    if width <= 0 or not rows:
        return rows
    flexible = ("title", "genres")
    fixed = 2  # the vertical scrollbar
    for key, label in columns:
        fixed += 2  # cell padding
        if key not in flexible:
            cells = [format_cell(key, row.get(key)).plain for row in rows]  # type: ignore[union-attr]
            fixed += max(len(labels.get(key, label)), *(len(c) for c in cells))
    room = max(12, width - fixed)
    genre_room = max(8, room * 2 // 5)
    out = []
    for row in rows:
        genres = fit_genres(row.get("genres") or (), genre_room)
        title = str(row.get("title", ""))
        title_room = max(6, room - genre_room)
        if len(title) > title_room:
            title = title[: title_room - 1] + "…"
        out.append({**row, "title": title, "genres": genres})
    return out


class UsersPane(Vertical, Pane):
    """User list with filter; profile, highest-rated movies; recommendations."""

    DEFAULT_CSS = """
    UsersPane { height: 1fr; }
    UsersPane #users-top-row { height: 12; }
    UsersPane #users-left { width: 36; }
    UsersPane #users-hint { height: 1; color: $text-muted; }
    UsersPane #users-count { height: auto; max-height: 2; color: $text-muted; }
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
        Binding("w", "why", "Why?", id="users-why", show=False),
    ]

    user: reactive[int | None] = reactive(None, init=False)
    exclude_rated: reactive[bool] = reactive(True, init=False)
    k: reactive[int] = reactive(K_DEFAULT, init=False)

    NAME = "users"

    def __init__(self) -> None:
        super().__init__()
        self.user_table: pd.DataFrame | None = None
        self.index: UserIndex | None = None
        self.count_text = ""
        self._top_rows: list[dict[str, Any]] = []
        self._top_movies: list[int] = []
        self.hits: list[Any] = []
        self.status_text = ""
        self.profile_text = ""
        self.filter_text = ""
        self.hint_text = FULL_HINT

    def compose(self) -> ComposeResult:
        with Horizontal(id="users-top-row"):
            with Vertical(id="users-left"):
                yield Input(
                    placeholder="filter: 196 · F · 20-30 · student", id="users-filter", compact=True
                )
                yield Static(FULL_HINT, id="users-hint", markup=False)
                yield Static(id="users-count", markup=False)
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
        dataset = self.app.dataset
        if dataset is None:
            self.user_table = None
            self.index = None
            self.user = None
            self._fill_users()
            return
        from movielens_tui.data import stats

        self.user_table = table = stats.user_table(dataset)
        self.user = None
        from movielens_tui.data.user_search import UserIndex  # numpy: after the first paint

        attributes = attributes_of(dataset)
        self.index = UserIndex(table, attributes, banded_ages(dataset))
        columns = user_columns(dataset)
        self.query_one("#users-list", ResultsTable).set_columns(columns)
        self._list_width = _list_width(table, columns)
        self._size_left()
        examples = {"sex": "F", "age": "25-34" if banded_ages(dataset) else "20-30",
                    "occupation": "student"}  # fmt: skip
        field = self.query_one("#users-filter", Input)
        field.placeholder = " · ".join(["filter: 196", *(examples[a] for a in attributes)])
        if not attributes:
            field.placeholder = f"user id, e.g. {int(dataset.users['user_id'].iat[0])}"
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
        table, index = self.user_table, self.index
        if table is None or index is None:
            users.show_rows([], [])
            self._show_count("")
            self._show_user()
            return
        text = self.query_one("#users-filter", Input).value
        rows, said = index.search(text)  # over every user, in milliseconds
        self.filter_text = said
        self._show_hint(said or hint(index.attributes, index.low is not None))
        positions = rows[:MAX_LISTED]
        listed = table.iloc[positions]
        from movielens_tui.data.user_search import listing_note

        self._show_count(listing_note(len(positions), len(rows), len(table), bool(text.split())))
        users.show_rows(listed.to_dict("records"), positions.tolist())
        self.user = users.highlighted_movie()

    def _show_count(self, text: str) -> None:
        self.count_text = text
        self.query_one("#users-count", Static).update(text)

    def _size_left(self) -> None:
        """The user list as wide as its columns need (no clipped occupation), at most
        LEFT_MAX_SHARE of the pane."""
        width = getattr(self, "_list_width", LEFT_MIN)
        cap = int((self.size.width or 80) * LEFT_MAX_SHARE)
        self.query_one("#users-left").styles.width = max(LEFT_MIN, min(width, cap))

    def on_resize(self) -> None:
        self._size_left()
        self.call_after_refresh(self._fit_tables)

    def _fit_tables(self) -> None:
        top = self.query_one("#users-top", ResultsTable)
        rows = fit_rows(self._top_rows, TOP_COLUMNS, {}, self._width_of(top))
        top.show_rows(rows, self._top_movies, labels={"title": "Top rated"})
        if self.hits:
            self._show_recommendations()

    def _show_hint(self, text: str) -> None:
        self.hint_text = text
        self.query_one("#users-hint", Static).update(text)

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

    def action_why(self) -> None:
        """``w``: why the highlighted recommendation is there."""
        dataset = self.app.dataset
        model = model_for(self.app, dataset)
        movie = self.query_one("#users-recs", ResultsTable).highlighted_movie()
        if model is None or dataset is None or self.user is None or movie is None:
            self.notify("No recommendation to explain", title="Why?")
            return
        from movielens_tui.errors import MovieLensError
        from movielens_tui.models.explain import explain_user
        from movielens_tui.tui.screens.why import WhyScreen, recommendation_text

        try:
            (explanation,) = explain_user(model, dataset, self.user, [movie], self.app.measure)
        except (MovieLensError, ValueError) as exc:
            self.notify(str(exc), title="Why?", severity="warning")
            return
        self.app.push_screen(WhyScreen(recommendation_text(explanation, dataset, self.app.measure)))

    def _show_user(self) -> None:
        dataset = self.app.dataset
        profile = self.query_one("#users-profile", Static)
        top = self.query_one("#users-top", ResultsTable)
        if dataset is None or self.user is None or self.user_table is None:
            self._set(profile, "profile_text", "No user selected" if dataset else "Loading…")
            self._top_rows, self._top_movies = [], []
            top.show_rows([], [])
            self._show_recommendations()
            return
        row = self.user_table.iloc[self.user]
        self._set(profile, "profile_text", profile_line(row, dataset))
        ratings = dataset.ratings
        mine = ratings[ratings["user"].to_numpy() == self.user]
        stats = movie_stats_for(self.app, dataset)
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
        self._top_rows, self._top_movies = rows, [m for m, _ in order]
        fitted = fit_rows(rows, TOP_COLUMNS, {}, self._width_of(top))
        top.show_rows(fitted, self._top_movies, labels={"title": "Top rated"})
        self._show_recommendations()

    def _show_recommendations(self) -> None:
        app = self.app
        status = self.query_one("#users-status", Static)
        recs = self.query_one("#users-recs", ResultsTable)
        exclude = "ON" if self.exclude_rated else "OFF"
        settings = (
            f"measure [b]{measure_word(app.measure)}[/b] (m) · exclude rated: "
            f"[b]{exclude}[/b] (x) · +/- k"
        )
        dataset = app.dataset
        model = model_for(app, dataset)
        self.hits = []
        if model is None:
            text = no_model_text(app, dataset, NO_MODEL)
            self._set(status, "status_text", f"[b]{text}[/b] · {settings}")
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
        labels = {"score": f"{app.measure} score"}
        rows = fit_rows(rows, HIT_COLUMNS, labels, self._width_of(recs))
        recs.show_rows(rows, [h.movie for h in self.hits], labels=labels)
        self._set(status, "status_text", f"Top {self.k} for user {user_id} · {settings}")

    def _width_of(self, table: ResultsTable) -> int:
        """Cells ``table`` can show (its width once laid out, else an estimate)."""
        if table.size.width:
            return table.size.width
        width = self.size.width or 80
        if table.id == "users-top":
            return width - int(self.query_one("#users-left").styles.width.value)  # type: ignore[union-attr]
        return width

    def _set(self, widget: Static, attribute: str, markup: str) -> None:
        widget.update(markup)
        setattr(self, attribute, Text.from_markup(markup).plain)


def _list_width(table: pd.DataFrame, columns: Any) -> int:
    """Cells the user list needs to show every value of ``columns`` unclipped."""
    width = 2  # the vertical scrollbar
    for key, label in columns:
        if key == "mean":
            longest = 4
        elif key in ("user_id", "count"):
            longest = len(str(int(table[key].max()))) if len(table) else 1
        else:
            values = table[key].dropna().astype(str).unique()
            longest = max((len(v) for v in values), default=1)
        width += max(len(label), longest) + 2
    return width
