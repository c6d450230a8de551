"""Dataset pane: counts, the rating histogram, per-user and per-movie distributions, top lists.

Filtering by occupation and by genre restricts the ratings every figure is computed from
(the colab's interactive charts). Figures are computed in a thread worker. Everything
follows the open dataset: the histogram has one bar per value of its rating scale (ten
half-star bars on ml-latest-small), the genres are its own, the mean age is shown only
where users have ages, and the occupation filter only where they have occupations
(elsewhere it is hidden and ``o`` says why). The figures themselves come from
:mod:`movielens_tui.data.dataset_view`. On a start from the cache the counts are shown
at once, from the cache's manifest, until the figures are ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, Select, Static

from movielens_tui.data.dataset_view import (
    DEFAULT_TOP,
    MAX_TOP,
    MIN_RATINGS,
    DatasetView,
    compute_view,
    occupations,
)
from movielens_tui.tui.messages import DatasetViewReady
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.widgets.bar_chart import BarChart
from movielens_tui.tui.widgets.safe_select import SafeSelect

if TYPE_CHECKING:
    from movielens_tui.data.cache_manifest import Manifest
    from movielens_tui.data.movielens import Dataset

TABLE_FIXED_WIDTH = 3 + 7 + 4 + 4 * 2 + 2  # rank, ratings, mean, cell padding, scrollbar


def _bin_labels(edges: list[float], values: list[int]) -> list[str]:
    return [f"{e:.0f}" for e in edges[: len(values)]]


def counts_line(counts: Manifest) -> str:
    """The summary line from a cache manifest, before the dataset is loaded."""
    return (
        f"[b]{counts.n_users:,}[/b] users · [b]{counts.n_movies:,}[/b] movies · "
        f"[b]{counts.n_ratings:,}[/b] ratings · {counts.name} (loading the figures…)"
    )


class DatasetPane(VerticalScroll, Pane):
    """The colab's exploration of the ratings, users and movies."""

    BINDINGS = [
        Binding("o", "focus_filter('occupation-filter')", "Occupation", id="dataset-occupation"),
        # the same key where users have no occupation: not in the footer, says so
        Binding("o", "no_occupations", show=False),
        Binding("g", "focus_filter('genre-filter')", "Genre", id="dataset-genre"),
        Binding("r", "reset_filters", "All ratings", id="dataset-reset"),
    ]

    NAME = "dataset"

    def __init__(self) -> None:
        super().__init__()
        self.view: DatasetView | None = None

    def compose(self) -> ComposeResult:
        counts = self.app.cached_counts() if self.app.dataset is None else None
        yield Static(counts_line(counts) if counts else "Loading…", id="dataset-summary")
        with Horizontal(id="dataset-filters"):
            yield SafeSelect([], prompt="All occupations", id="occupation-filter", compact=True)
            yield SafeSelect([], prompt="All genres", id="genre-filter", compact=True)
            yield Label("Top", classes="top-label")
            yield Input(str(DEFAULT_TOP), type="integer", id="top-n", max_length=3, compact=True,
                        tooltip=f"how many movies the top lists show (1-{MAX_TOP})")  # fmt: skip
        # the top lists first: whole at 80x24; the charts follow (the pane scrolls)
        with Grid(id="dataset-tables"):
            with Vertical():
                yield Label("Most rated", classes="table-title")
                yield DataTable(id="top-by-count", cursor_type="row", zebra_stripes=True)
            with Vertical():
                yield Label(f"Highest mean (≥{MIN_RATINGS} ratings)", classes="table-title")
                yield DataTable(id="top-by-mean", cursor_type="row", zebra_stripes=True)
        with Grid(id="dataset-charts"):
            yield BarChart("Ratings by value", id="rating-histogram")
            yield BarChart("Ratings per user", id="ratings-per-user")
            yield BarChart("Ratings per movie", id="ratings-per-movie")

    def on_mount(self) -> None:
        self._title_width = 0
        self._set_columns(24)
        self.watch(self.app, "dataset", self._dataset_changed)

    def _set_columns(self, title_width: int) -> None:
        """(Re)create the top-list columns with the title as wide as the table allows."""
        if title_width == self._title_width:
            return
        self._title_width = title_width
        for table_id in ("#top-by-count", "#top-by-mean"):
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            table.add_column("#", key="rank", width=3)
            table.add_column("Title", key="title", width=title_width)
            table.add_column("Ratings", key="count", width=7)
            table.add_column("Mean", key="mean", width=4)
        if self.view is not None:
            self._fill("#top-by-count", self.view.top_by_count)
            self._fill("#top-by-mean", self.view.top_by_mean)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_tables)

    def _fit_tables(self) -> None:
        width = self.query_one("#top-by-count", DataTable).size.width
        if width:
            self._set_columns(max(10, width - TABLE_FIXED_WIDTH))

    def focus_default(self) -> None:
        self.screen.set_focus(self)

    def watch_has_focus(self, _has_focus: bool) -> None:
        """Restyle the pane alone: no CSS depends on its focus below it, and re-applying
        the styles of all its widgets took longer than the rest of a pane switch."""
        self.app.stylesheet.update_nodes([self], animate=True)

    # ------------------------------------------------------------------ data

    def _dataset_changed(self, dataset: Dataset | None) -> None:
        if dataset is None:
            if self.app.data_error:
                self.query_one("#dataset-summary", Static).update(self.app.data_error)
            return
        jobs = occupations(dataset)
        occupation = self.query_one("#occupation-filter", Select)
        with self.app.batch_update(), self.prevent(Select.Changed):
            occupation.set_options((o, o) for o in jobs)
            occupation.display = bool(jobs)
            occupation.disabled = not jobs
            self.query_one("#genre-filter", Select).set_options((g, g) for g in dataset.genres)
        self.refresh_bindings()  # "o" is shown only where there are occupations
        self.refresh_view()

    def show_message(self, text: str) -> None:
        """Progress or error text while there are no figures to show."""
        if self.view is None:
            self.query_one("#dataset-summary", Static).update(text)

    @on(Select.Changed)
    def _filter_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.refresh_view()

    @on(Input.Changed, "#top-n")
    def _top_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._top_n() is not None:
            self.refresh_view()

    def _top_n(self) -> int | None:
        text = self.query_one("#top-n", Input).value.strip()
        try:
            value = int(text)
        except ValueError:
            return None
        return value if 1 <= value <= MAX_TOP else None

    def _selected(self, select_id: str) -> str | None:
        value = self.query_one(select_id, Select).value
        return value if isinstance(value, str) else None

    def refresh_view(self) -> None:
        """Recompute the figures for the current filters (in a worker)."""
        dataset = self.app.dataset
        if dataset is None:
            return
        self._compute(dataset, self._selected("#occupation-filter"),
                      self._selected("#genre-filter"), self._top_n() or DEFAULT_TOP)  # fmt: skip

    @work(thread=True, exclusive=True, group="dataset-view", exit_on_error=False)
    def _compute(self, dataset: Dataset, occupation: str | None, genre: str | None,
                 top: int) -> None:  # fmt: skip
        self.post_message(DatasetViewReady(compute_view(dataset, occupation, genre, top)))

    @on(DatasetViewReady)
    def _show_view(self, message: DatasetViewReady) -> None:
        from movielens_tui.data.stats import rating_label

        view = message.view
        dataset = self.app.dataset
        if dataset is None or view.dataset_id != id(dataset):
            return  # figures of a dataset replaced meanwhile
        self.view = view
        where = " · ".join(x for x in (view.occupation, view.genre) if x) or "all ratings"
        mean = f"{view.mean_rating:.2f}" if view.ratings else "-"
        age = "" if view.mean_age != view.mean_age else f" · mean age [b]{view.mean_age:.1f}[/b]"
        self.query_one("#dataset-summary", Static).update(
            f"[b]{view.users:,}[/b] users · [b]{view.movies:,}[/b] movies · "
            f"[b]{view.ratings:,}[/b] ratings · density [b]{view.density:.2%}[/b] · "
            f"mean rating [b]{mean}[/b]{age}   ({where})"
        )
        scale = "rating (half stars)" if dataset.scale.half_stars else "rating"
        self.query_one("#rating-histogram", BarChart).show(
            [rating_label(k) for k in view.histogram], list(view.histogram.values()), scale
        )
        edges, counts = view.per_user
        self.query_one("#ratings-per-user", BarChart).show(
            _bin_labels(edges, counts), counts, "ratings (bar = users)"
        )
        edges, counts = view.per_movie
        self.query_one("#ratings-per-movie", BarChart).show(
            _bin_labels(edges, counts), counts, "ratings (bar = movies)"
        )
        self._fill("#top-by-count", view.top_by_count)
        self._fill("#top-by-mean", view.top_by_mean)
        self.app.release_panes()  # mounted after this paint

    def _fill(self, table_id: str, rows: list[dict[str, Any]]) -> None:
        from rich.text import Text

        table = self.query_one(table_id, DataTable)
        table.clear()
        for rank, row in enumerate(rows, start=1):
            table.add_row(
                Text(str(rank), justify="right"),
                Text(row["title"], overflow="ellipsis", no_wrap=True),
                Text(f"{row['count']:,}", justify="right"),
                Text(f"{row['mean']:.2f}", justify="right"),
            )
        if not rows:
            table.add_row("", "no movie matches", "", "")

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "no_occupations" or parameters == ("occupation-filter",):
            dataset = self.app.dataset
            has = dataset is None or bool(occupations(dataset))
            return has != (action == "no_occupations")
        return True

    def action_focus_filter(self, select_id: str) -> None:
        select = self.query_one(f"#{select_id}", Select)
        if select.disabled:
            self.action_no_occupations()
            return
        select.focus()

    def action_no_occupations(self) -> None:
        """``o`` where users have no occupation: say so."""
        dataset = self.app.dataset
        name = dataset.name if dataset is not None else "this dataset"
        self.notify(f"{name} has no user occupations: there is nothing to filter by",
                    title="Occupation")  # fmt: skip

    def action_reset_filters(self) -> None:
        """Show all ratings again."""
        for select_id in ("#occupation-filter", "#genre-filter"):
            self.query_one(select_id, Select).clear()
