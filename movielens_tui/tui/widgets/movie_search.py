"""A title search box with its list of matches, shared by the Neighbors and You panes.

Every keystroke searches the title index: small indexes (ml-100k's 1,682 titles take
well under a millisecond) are answered at once, so enter or a key typed right after
acts on the new results; bigger ones run in a thread worker (exclusive group "search")
where each query carries a number and only the newest query's results are shown, so a
slow search can never overwrite a newer one. An empty box lists the most-rated movies.
``enter`` in the box chooses the highlighted match (the best one unless you moved);
``down`` moves into the list, where ``enter`` chooses too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input

from movielens_tui.tui.constants import MAX_QUERY
from movielens_tui.tui.focus import focus_now
from movielens_tui.tui.widgets.results_table import ResultsTable
from movielens_tui.tui.widgets.shared import movie_stats_for, title_index_for

MATCH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("count", "Ratings"),
    ("genres", "Genres"),
)
if TYPE_CHECKING:
    from movielens_tui.tui.app import MovieLensApp

SYNC_LIMIT = 20_000
POPULAR_HINT = "Most rated (/ to search)"


class MovieSearch(Vertical):
    """An Input plus a :class:`ResultsTable` of fuzzy title matches."""

    DEFAULT_CSS = """
    MovieSearch { height: auto; }
    MovieSearch > Input { margin: 0 0 1 0; }
    MovieSearch > ResultsTable { height: 7; }
    """
    BINDINGS = [Binding("down", "focus_matches", "Matches", show=False)]

    class Chosen(Message):
        """The user chose ``movie`` (internal position) with enter."""

        def __init__(self, search: MovieSearch, movie: int) -> None:
            super().__init__()
            self.search = search
            self.movie = movie

        @property
        def control(self) -> MovieSearch:
            return self.search

    class Updated(Message):
        """New matches are shown for ``query`` (internal movie positions, best first)."""

        def __init__(self, search: MovieSearch, query: str, movies: list[int]) -> None:
            super().__init__()
            self.search = search
            self.query = query
            self.movies = movies

        @property
        def control(self) -> MovieSearch:
            return self.search

    class _Results(Message):
        def __init__(self, number: int, query: str, movies: list[int], scores: list[float]):
            super().__init__()
            self.number = number
            self.query = query
            self.movies = movies
            self.scores = scores

    def __init__(
        self,
        *,
        placeholder: str = "Search a movie title (fuzzy)…",
        limit: int = 20,
        columns: Sequence[tuple[str, str]] = MATCH_COLUMNS,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.placeholder = placeholder
        self.limit = limit
        self.columns = columns
        self.row_extra: Callable[[int], Mapping[str, Any]] | None = None
        self.query = ""
        self.shown_query: str | None = None
        self.scores: dict[int, float] = {}
        """Match score (0-100) of each listed movie; empty for the popular list."""
        self._number = 0
        self.sync_limit = SYNC_LIMIT
        """Indexes up to this many titles are searched at once, bigger ones in a worker."""
        self._choose_when_shown = False
        self._shown_for: Any = None

    @property
    def app(self) -> MovieLensApp:  # type: ignore[override]
        return cast("MovieLensApp", super().app)

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, id=f"{self.id or 'search'}-input",
                    compact=True, max_length=MAX_QUERY)  # fmt: skip
        yield ResultsTable(self.columns, id=f"{self.id or 'search'}-matches")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def matches(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    def on_mount(self) -> None:
        self.watch(self.app, "dataset", self._dataset_changed, init=False)
        self.call_after_refresh(self.search, "")

    def _dataset_changed(self) -> None:
        self.shown_query = None
        self.search(self.query)

    # ----------------------------------------------------------------- searching
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.search(event.value)

    def search(self, query: str) -> None:
        """Start a search for ``query``; only the newest one's results will be shown.

        At most ``MAX_QUERY`` characters are searched (the box takes no more)."""
        query = query[:MAX_QUERY]
        self.query = query
        self._number += 1
        index = title_index_for(self.app, self.app.dataset)
        if not query.strip() or index is None:
            self._show(query, self._popular(), [])
            return
        if _size(index) <= self.sync_limit:
            # Small indexes answer in well under a millisecond: answering at once means
            # enter or a rating key typed right after the query acts on its results.
            found = index.search(query, limit=self.limit)
            self._show(query, [int(m.index) for m in found], [float(m.score) for m in found])
            return
        self._run_search(self._number, query, index)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run_search(self, number: int, query: str, index: Any) -> None:
        found = index.search(query, limit=self.limit)
        movies = [int(m.index) for m in found]
        self.post_message(self._Results(number, query, movies, [float(m.score) for m in found]))

    @property
    def pending(self) -> bool:
        """Whether the shown matches are not yet those of the typed query."""
        return self.shown_query != self.query

    @on(_Results)
    def _results(self, message: _Results) -> None:
        message.stop()
        if message.number != self._number:
            return  # a newer query was typed meanwhile
        self._show(message.query, message.movies, message.scores)

    def refresh_matches(self) -> None:
        """Redraw the shown matches (the extra columns changed); search if none shown yet."""
        dataset = self.app.dataset
        if self.shown_query == self.query and self._shown_for is dataset:
            movies = self.matches.movies
            self._show(self.query, movies, [self.scores.get(m, 0.0) for m in movies])
        else:
            self.search(self.query)

    def _popular(self) -> list[int]:
        stats = movie_stats_for(self.app, self.app.dataset)
        if stats is None:
            return []
        order = (-stats["count"].to_numpy()).argsort(kind="stable")
        return [int(i) for i in order[: self.limit]]

    def _show(self, query: str, movies: list[int], scores: list[float]) -> None:
        self._shown_for = self.app.dataset
        self.scores = dict(zip(movies, scores, strict=False))
        rows = [self.row_for(movie) for movie in movies]
        title = POPULAR_HINT if not query.strip() else "Title"
        self.matches.show_rows(rows, movies, labels={"title": title})
        if self.matches.row_count and query != self.shown_query:
            self.matches.move_cursor(row=0)
        self.shown_query = query
        if self._choose_when_shown and query == self.query:
            self._choose_when_shown = False
            if movies:
                self.post_message(self.Chosen(self, movies[0]))
        self.post_message(self.Updated(self, query, movies))

    def row_for(self, movie: int) -> dict[str, Any]:
        """Cells of one match row: title, genres, number of ratings (+ pane extras)."""
        dataset = self.app.dataset
        stats = movie_stats_for(self.app, dataset)
        row: dict[str, Any] = {}
        if stats is not None:
            row = {
                "title": stats["title"].iat[movie],
                "genres": stats["genres"].iat[movie],
                "count": int(stats["count"].iat[movie]),
            }
        elif dataset is not None:
            row = {"title": dataset.movies["title"].iat[movie]}
        if self.row_extra is not None:
            row.update(self.row_extra(movie))
        return row

    # ----------------------------------------------------------------- choosing
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.pending:  # enter came before the results: choose the best one when shown
            self._choose_when_shown = True
            focus_now(self.matches)
            return
        movie = self.matches.highlighted_movie()
        if movie is not None:
            focus_now(self.matches)  # keys typed right after enter no longer edit the box
            self.post_message(self.Chosen(self, movie))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        movie = self.matches.highlighted_movie()
        if movie is not None:
            self.post_message(self.Chosen(self, movie))

    def action_focus_matches(self) -> None:
        if self.input.has_focus and self.matches.row_count:
            focus_now(self.matches)

    def focus_input(self, select: bool = True) -> None:
        """Focus the search box (and select its text so typing replaces it)."""
        focus_now(self.input)
        if select and self.input.value:
            self.input.select_all()

    @property
    def highlighted_movie(self) -> int | None:
        return self.matches.highlighted_movie()


def _size(index: Any) -> int:
    try:
        return len(index)
    except TypeError:
        return SYNC_LIMIT + 1  # unknown size: search in the worker
