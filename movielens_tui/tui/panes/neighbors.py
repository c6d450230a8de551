"""Neighbors: fuzzy-search a movie, see its nearest movies in the embedding space.

Like the colab's ``movie_neighbors``: the chosen movie is listed first (it is its own
nearest neighbour) and the other candidate matches of the query are named. The score
column follows ``app.measure`` (``m`` toggles DOT/COSINE); ``+`` / ``-`` change k.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from movielens_tui.tui.constants import K_MAX, K_MIN, NO_MODEL, measure_word
from movielens_tui.tui.focus import focus_now
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import HIT_COLUMNS, ResultsTable
from movielens_tui.tui.widgets.shared import model_for, no_model_text

K_DEFAULT = 6
MAX_CANDIDATES = 5
CANDIDATE_SCORE = 60.0  # search tiers from "query inside a word" up; fuzzy ones are noise


class NeighborsPane(Vertical, Pane):
    """Search box, candidate matches, and the neighbours table of the chosen movie."""

    DEFAULT_CSS = """
    NeighborsPane { height: 1fr; }
    NeighborsPane #neighbors-status { height: auto; padding: 0 1; }
    NeighborsPane #neighbors-candidates { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("plus,equals_sign", "change_k(1)", "k+1", id="neighbors-k-up"),
        Binding("minus", "change_k(-1)", "k-1", id="neighbors-k-down"),
        Binding("slash", "focus_search", "Search", id="neighbors-search"),
        Binding("w", "why", "Why?", id="neighbors-why", show=False),
    ]

    k: reactive[int] = reactive(K_DEFAULT, init=False)
    movie: reactive[int | None] = reactive(None, init=False)

    NAME = "neighbors"

    def __init__(self) -> None:
        super().__init__()
        self.candidates: list[int] = []
        self.hits: list[Any] = []
        self._status_plain = ""
        self._candidates_plain = ""

    def compose(self) -> ComposeResult:
        yield MovieSearch(id="neighbors-search", limit=20)
        yield Static(id="neighbors-status")
        yield Static(id="neighbors-candidates")
        yield ResultsTable(HIT_COLUMNS, id="neighbors-table")

    def on_mount(self) -> None:
        self.app.restore_pane_settings(self)
        self.watch(self.app, "model", self._refresh, init=False)
        self.watch(self.app, "measure", self._refresh, init=False)
        self.watch(self.app, "dataset", self._dataset_changed, init=False)
        self._refresh()

    # ------------------------------------------------------------------ focus
    def focus_default(self) -> None:
        """Where focus goes when the pane is shown: the neighbours table (keys work)."""
        table = self.query_one("#neighbors-table", ResultsTable)
        if table.row_count:
            focus_now(table)
        else:
            focus_now(self.query_one(MovieSearch).matches)

    def focus_search(self) -> bool:
        self.query_one(MovieSearch).focus_input()
        return True

    def action_focus_search(self) -> None:
        self.focus_search()

    # ------------------------------------------------------------------ events
    @on(MovieSearch.Chosen, "#neighbors-search")
    def _chosen(self, event: MovieSearch.Chosen) -> None:
        scores = event.search.scores
        bar = min(CANDIDATE_SCORE, scores.get(event.movie, 0.0))
        self.candidates = (
            [m for m in event.search.matches.movies if m != event.movie and scores.get(m, 0) >= bar]
            if scores
            else []
        )
        self.choose(event.movie)
        focus_now(self.query_one("#neighbors-table", ResultsTable))

    def choose(self, movie: int) -> None:
        """Show the neighbours of internal movie ``movie``."""
        if self.movie == movie:
            self._refresh()  # same movie, maybe other candidates
        else:
            self.movie = movie

    def action_change_k(self, step: int) -> None:
        self.k = max(K_MIN, min(K_MAX, self.k + step))

    def action_why(self) -> None:
        """``w``: what ties the highlighted neighbour to the chosen movie."""
        dataset = self.app.dataset
        model = model_for(self.app, dataset)
        movie = self.query_one("#neighbors-table", ResultsTable).highlighted_movie()
        if model is None or dataset is None or self.movie is None or movie is None:
            self.notify("No neighbour to explain", title="Why?")
            return
        from movielens_tui.models.explain import explain_neighbours
        from movielens_tui.tui.screens.why import WhyScreen, neighbour_text

        (explanation,) = explain_neighbours(dataset, self.movie, [movie])
        self.app.push_screen(WhyScreen(neighbour_text(explanation, dataset)))

    def watch_k(self) -> None:
        self._refresh()

    def watch_movie(self) -> None:
        self._refresh()

    def _dataset_changed(self) -> None:
        self.movie = None
        self.candidates = []
        self._refresh()

    # ------------------------------------------------------------------ drawing
    def _refresh(self) -> None:
        app = self.app
        status = _Line(self, "#neighbors-status", "_status_plain")
        candidates = _Line(self, "#neighbors-candidates", "_candidates_plain")
        table = self.query_one("#neighbors-table", ResultsTable)
        measure = measure_word(app.measure)
        settings = f"measure [b]{measure}[/b] (m) · k={self.k} (+/-)"
        dataset = app.dataset
        model = model_for(app, dataset)
        self.hits = []
        if dataset is None:
            status.update(f"Loading the dataset… · {settings}")
            table.show_rows([], [])
            candidates.update("")
            return
        if model is None:
            status.update(f"[b]{no_model_text(app, dataset, NO_MODEL)}[/b] · {settings}")
            table.show_rows([], [])
            candidates.update("")
            return
        if self.movie is None:
            status.update(f"Type a title, enter shows its neighbours · {settings}")
            table.show_rows([], [])
            candidates.update("")
            return
        from movielens_tui.errors import MovieLensError
        from movielens_tui.models import scoring

        title = dataset.movies["title"].iat[self.movie]
        try:
            self.hits = scoring.neighbors(model, self.movie, measure=app.measure, k=self.k)
        except MovieLensError as exc:  # e.g. a restricted EASE model: movie outside its top-N
            self.hits = []
            status.update(f"[b]{_escape(title)}[/b]: {_escape(str(exc))} · {settings}")
            table.show_rows([], [])
            candidates.update("")
            return
        rows = scoring.hits_table(dataset, self.hits)
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        table.show_rows(
            rows, [h.movie for h in self.hits], labels={"score": f"{app.measure} score"}
        )
        status.update(f"Nearest neighbours of: [b]{_escape(title)}[/b] · {settings}")
        if self.candidates:
            names = [dataset.movies["title"].iat[m] for m in self.candidates[:MAX_CANDIDATES]]
            more = len(self.candidates) - MAX_CANDIDATES
            tail = f" (+{more} more)" if more > 0 else ""
            candidates.update(f"Other candidates: {_escape('; '.join(names))}{tail}")
        else:
            candidates.update("")

    @property
    def status_text(self) -> str:
        """The plain text of the status line (measure word, k, chosen title)."""
        return self._status_plain

    @property
    def candidates_text(self) -> str:
        return self._candidates_plain


class _Line:
    """A Static updated with markup whose plain text is kept on the pane for tests."""

    def __init__(self, pane: Widget, selector: str, attribute: str) -> None:
        self.static = pane.query_one(selector, Static)
        self.pane = pane
        self.attribute = attribute

    def update(self, markup: str) -> None:
        self.static.update(markup)
        setattr(self.pane, self.attribute, Text.from_markup(markup).plain)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
