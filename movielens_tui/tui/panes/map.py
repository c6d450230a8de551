"""Map: the movie embeddings in 2-D coloured by genre, and embedding norm vs ratings.

PCA is the default (instant); ``t`` computes the colab's t-SNE as a job
(:mod:`movielens_tui.tui.jobs`; ``t`` or ``escape`` again cancels; elapsed time is shown
meanwhile), ``p`` goes
back to PCA. ``g`` / ``G`` (or the select box) choose a genre: its movies are drawn in
colour, the others in grey. ``n`` hides or shows the norm plot. Projections are cached
per model and method.

At scale the pane works on seeded samples (:mod:`movielens_tui.data.sampling`): t-SNE
runs on at most TSNE_CAP movies and says so ("t-SNE on 5,000 of 87,585 movies"), and
each plot draws at most DRAW_CAP points (plotext redraws every point on each repaint:
87k points take ~250 ms, 10k ~25 ms). A sample always holds the KEEP_POPULAR most rated
movies and, when a genre is chosen, its movies (up to three quarters of the sample).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Select, Static
from textual.worker import Worker

from movielens_tui.tui.constants import NO_MODEL
from movielens_tui.tui.jobs import Cancelled, Done, run_job
from movielens_tui.tui.messages import ProjectionEnded
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.widgets.safe_select import SafeSelect
from movielens_tui.tui.widgets.scatter_plot import MUTED, PALETTE, ScatterPlot, Series
from movielens_tui.tui.widgets.shared import model_for, movie_stats_for, no_model_text

if TYPE_CHECKING:
    import numpy as np

    from movielens_tui.models.trained import TrainedModel

ALL = "__all__"
DRAW_CAP = 10_000  # points drawn per plot at most (ml-latest-small's 9,742 all drawn)
TSNE_CAP = 5_000  # movies t-SNE runs on at most (sklearn's t-SNE is O(n log n), minutes)
KEEP_POPULAR = 1_000  # the most rated movies are always in a sample
STACK_HEIGHT = 34  # below this many rows one plot is shown at a time (n switches)
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}


class MapPane(Vertical, Pane):
    """Genre-coloured 2-D embedding map plus the norm-vs-popularity plot."""

    DEFAULT_CSS = """
    MapPane { height: 1fr; }
    MapPane #map-bar { height: 1; }
    MapPane #map-genre { width: 26; }
    MapPane #map-status { width: 1fr; padding: 0 1; }
    MapPane #map-plot { height: 2fr; }
    MapPane #map-legend { height: auto; max-height: 3; padding: 0 1; }
    MapPane #map-norms { height: 1fr; }
    MapPane.-one.-show-map #map-norms { display: none; }
    MapPane.-one.-show-norms #map-plot { display: none; }
    MapPane.-one.-show-norms #map-legend { display: none; }
    """
    BINDINGS = [
        Binding("t", "project('tsne')", "t-SNE", id="map-tsne"),
        Binding("p", "project('pca')", "PCA", id="map-pca"),
        Binding("g", "cycle_genre(1)", "Genre", id="map-genre-next"),
        Binding("G", "cycle_genre(-1)", "Prev genre", show=False, id="map-genre-prev"),
        Binding("n", "toggle_view", "Map/norms", id="map-norms"),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    method: reactive[str] = reactive("pca", init=False)
    genre: reactive[str] = reactive(ALL, init=False)

    NAME = "map"

    def __init__(self) -> None:
        super().__init__(classes="-one -show-map")
        # (model id, method) -> (movie positions projected, their 2-D coordinates)
        self._cache: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
        self._chosen: dict[str, np.ndarray] = {}
        self.drawn: np.ndarray | None = None  # movie positions drawn on the map
        self._norms: dict[int, np.ndarray] = {}
        self._running: tuple[int, str] | None = None
        self._started = 0.0
        self._worker: Worker[None] | None = None
        self._ticker: Any = None
        self.status_text = ""
        self.error: str | None = None
        self._visible = False
        self._dirty = True

    def compose(self) -> ComposeResult:
        with Horizontal(id="map-bar"):
            yield SafeSelect([("All genres", ALL)], allow_blank=False, value=ALL, id="map-genre",
                         compact=True)  # fmt: skip
            yield Static(id="map-status")
        yield ScatterPlot("Movie embeddings", id="map-plot")
        yield Static(id="map-legend")
        yield ScatterPlot("Embedding norm vs number of ratings", id="map-norms")

    def on_mount(self) -> None:
        self.watch(self.app, "dataset", self._dataset_changed, init=False)
        self.watch(self.app, "model", self._model_changed, init=False)
        self._dataset_changed()

    def focus_default(self) -> None:
        self.focus_self()

    # ------------------------------------------------------------------ state
    def _dataset_changed(self) -> None:
        dataset = self.app.dataset
        genres = list(dataset.genres) if dataset is not None else []
        # after a refresh: a Select composed a moment ago has no label widget to update yet
        # (pressing 2 on a fresh start crashed here with NoMatches '#label')
        self.call_after_refresh(self._set_genres, genres)
        self.genre = ALL
        self._chosen.clear()
        self._model_changed()

    def _set_genres(self, genres: list[str]) -> None:
        select = self.query_one("#map-genre", Select)
        with self.prevent(Select.Changed):
            select.set_options([("All genres", ALL), *((g, g) for g in genres)])
            select.value = ALL

    def _model_changed(self) -> None:
        self._cache.clear()
        self._norms.clear()
        if self._worker is not None:
            self._worker.cancel()
        self._running = None
        self.error = None
        self._redraw()

    def watch_method(self) -> None:
        self._redraw()

    def watch_genre(self) -> None:
        self._redraw()

    @on(Select.Changed, "#map-genre")
    def _genre_selected(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is not Select.NULL:
            self.genre = str(event.value)

    def action_cycle_genre(self, step: int) -> None:
        dataset = self.app.dataset
        if dataset is None:
            return
        choices = [ALL, *dataset.genres]
        index = choices.index(self.genre) if self.genre in choices else 0
        self.query_one("#map-genre", Select).value = choices[(index + step) % len(choices)]

    def action_toggle_view(self) -> None:
        """Switch the single plot shown on short screens between the map and the norms."""
        showing_map = self.has_class("-show-map")
        self.set_class(not showing_map, "-show-map")
        self.set_class(showing_map, "-show-norms")

    def on_resize(self) -> None:
        self.set_class(self.size.height < STACK_HEIGHT, "-one")
        if self._visible:
            self.call_after_refresh(self._redraw)  # the legend wraps to the new width

    def action_project(self, method: str) -> None:
        """Show the ``method`` projection; ``t`` while t-SNE runs cancels it."""
        if method == "tsne" and self._running is not None and self._running[1] == "tsne":
            self.action_cancel()
            return
        self.method = method
        self._redraw()

    def action_cancel(self) -> None:
        if self._worker is not None and self._running is not None:
            self._worker.cancel()
            self._running = None
            if self.method == "tsne":
                self.method = "pca"
            self._redraw()
            self.notify("t-SNE cancelled", title="Map")

    # ------------------------------------------------------------------ projecting
    def _projection(
        self, model: TrainedModel, counts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The cached projection (movie positions, coordinates), or None after starting
        its worker (t-SNE on a seeded sample of at most TSNE_CAP movies)."""
        import numpy as np

        key = (id(model), self.method)
        if key not in self._cache and self.method == "pca":
            from movielens_tui.models import embedding_map

            xy = embedding_map.project(model, method="pca")  # milliseconds
            self._cache[key] = (np.arange(len(xy)), xy)
        if key in self._cache:
            return self._cache[key]
        if self._running != key:
            from movielens_tui.data.sampling import sample_indices

            self._running = key
            self._started = time.monotonic()
            movies = sample_indices(model.n_movies, TSNE_CAP, seed=0, keep=_popular(counts))
            self._worker = self._project(model, self.method, key, movies)
            if self._ticker is None:
                self._ticker = self.set_interval(0.5, self._tick)
        return None

    @work(thread=True, exclusive=True, group="map-project", exit_on_error=False)
    def _project(
        self, model: TrainedModel, method: str, key: tuple[int, str], movies: np.ndarray
    ) -> None:
        """Project ``movies`` as a job: cancelling or quitting never waits for sklearn's
        t-SNE (which cannot be interrupted)."""
        import dataclasses

        from movielens_tui.models import embedding_map

        part = model
        if len(movies) < model.n_movies:
            part = dataclasses.replace(model, movie_embeddings=model.movie_embeddings[movies])

        def job(stop: Any) -> tuple[np.ndarray, np.ndarray]:
            return movies, embedding_map.project(part, method=method, seed=0, should_stop=stop)

        outcome = run_job(job, low_priority=True, what="projection")
        self.post_message(ProjectionEnded(key, outcome))

    @on(ProjectionEnded)
    def _projected(self, message: ProjectionEnded) -> None:
        message.stop()
        key, outcome = message.key, message.outcome
        if isinstance(outcome, Done):
            model = self.app.model
            if model is not None and key[0] == id(model):
                self._cache[key] = outcome.value
            if self._running == key:
                self._running = None
            self._redraw()
        elif isinstance(outcome, Cancelled) or self._running != key:
            self._redraw()  # a projection that was cancelled or replaced stopped as asked
        else:
            self._running = None
            self.error = outcome.message
            if self.method == "tsne":
                self.method = "pca"
            self.notify(self.error, title="Map", severity="error", timeout=10)
            self._redraw()

    def _tick(self) -> None:
        if self._running is not None and self._visible:
            self._show_status()

    # ------------------------------------------------------------------ drawing
    def _show_status(self) -> None:
        app = self.app
        model = model_for(app, app.dataset)
        method = METHOD_NAMES.get(self.method, self.method)
        if app.dataset is None:
            text = "Loading…"
        elif model is None:
            text = f"[b]{no_model_text(app, app.dataset, NO_MODEL)}[/b]"
        elif self._running is not None:
            elapsed = time.monotonic() - self._started
            text = (
                f"Computing {METHOD_NAMES[self._running[1]]}{self._tsne_note(model)}… "
                f"{elapsed:.0f} s (t or esc cancels)"
            )
        else:
            other = "t t-SNE" if self.method == "pca" else "p PCA"
            text = f"{escape(model.preset)} · [b]{method}[/b] ({other}) · g genre · n map/norms"
        self.query_one("#map-status", Static).update(text)
        self.status_text = Text.from_markup(text).plain

    @staticmethod
    def _tsne_note(model: TrainedModel) -> str:
        n = model.n_movies
        return f" on {min(n, TSNE_CAP):,} of {n:,} movies" if n > TSNE_CAP else ""

    def on_show(self) -> None:
        self._visible = True
        if self._dirty:
            self._redraw()

    def on_hide(self) -> None:
        self._visible = False

    def _redraw(self) -> None:
        """Draw now if the pane is shown, else when it is shown next (no hidden work);
        the one-line status is always kept current (it costs nothing)."""
        if not (self._visible or self.region.area > 0):  # area: shown before on_show ran
            self._dirty = True
            self._show_status()
            return
        self._dirty = False
        self._draw()

    def _draw(self) -> None:
        self._show_status()
        app = self.app
        dataset = app.dataset
        model = model_for(app, dataset)
        plot = self.query_one("#map-plot", ScatterPlot)
        norms_plot = self.query_one("#map-norms", ScatterPlot)
        legend = self.query_one("#map-legend", Static)
        if dataset is None or model is None:
            plot.show([], title="Movie embeddings")
            norms_plot.show([], title="Embedding norm vs number of ratings")
            legend.update("")
            return
        import numpy as np

        from movielens_tui.data.sampling import sample_indices

        movies = dataset.movies
        n = len(movies)
        main_genre = movies["genre"].to_numpy()
        names = [*dataset.genres, "Other"]
        colors = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(names)}
        stats = movie_stats_for(self.app, dataset)
        counts = (
            stats["count"].to_numpy()
            if stats is not None
            else np.bincount(dataset.ratings["movie"].to_numpy(), minlength=dataset.n_movies)
        )
        keep = _popular(counts)
        chosen = None
        if self.genre == ALL:
            items = [(g, colors[g]) for g in names if (main_genre == g).any()]
        else:
            chosen = self._chosen.get(self.genre)
            if chosen is None:
                lists = movies["genres"].to_numpy()
                chosen = np.fromiter((self.genre in g for g in lists), bool, len(lists))
                self._chosen[self.genre] = chosen
            keep = np.union1d(np.flatnonzero(chosen), keep)
            items = [(f"{self.genre} ({int(chosen.sum())})", colors.get(self.genre, PALETTE[0])),
                     ("others", MUTED)]  # fmt: skip
        legend.update(_legend(items, max(20, (legend.size.width or self.size.width) - 2)))

        def groups(shown: np.ndarray) -> list[tuple[str, np.ndarray, int]]:
            """(label, positions into ``shown``, colour) per colour group."""
            if chosen is None:
                genre_of = main_genre[shown]
                return [(g, np.flatnonzero(genre_of == g), colors[g]) for g in names]
            mine = chosen[shown]
            color = colors.get(self.genre, PALETTE[0])
            return [("other", np.flatnonzero(~mine), MUTED),
                    (self.genre, np.flatnonzero(mine), color)]  # fmt: skip

        def drawn_of(projected: np.ndarray) -> np.ndarray:
            """Positions into ``projected`` to draw: all, or a seeded DRAW_CAP sample."""
            inside = np.flatnonzero(np.isin(projected, keep))
            return sample_indices(len(projected), DRAW_CAP, seed=0, keep=inside)

        projection = self._projection(model, counts)
        method = METHOD_NAMES.get(self.method, self.method)
        if projection is None:
            self.drawn = None
            plot.show([], title=f"Movie embeddings ({method}{self._tsne_note(model)}: computing…)")
        else:
            projected, xy = projection
            at = drawn_of(projected)
            shown, xy = projected[at], xy[at]
            self.drawn = shown
            on = f" on {len(projected):,} of {n:,} movies" if len(projected) < n else ""
            sampled = f" · {len(shown):,} of {n:,} drawn" if len(shown) < n else ""
            plot.show(
                [Series(xy[i, 0], xy[i, 1], c, g) for g, i, c in groups(shown)],
                title=f"Movie embeddings ({method}{on}, {model.preset}{sampled})",
            )
        norms = self._norms.get(id(model))
        if norms is None:
            from movielens_tui.models import embedding_map

            norms = self._norms[id(model)] = embedding_map.norms(model)
        shown = drawn_of(np.arange(n))
        sampled = f" ({len(shown):,} of {n:,} drawn)" if len(shown) < n else ""
        norms_plot.show(
            [Series(counts[shown[i]], norms[shown[i]], c, g) for g, i, c in groups(shown)],
            title=f"Embedding norm vs number of ratings{sampled}",
            xlabel="ratings",
            ylabel="norm",
        )


def _popular(counts: np.ndarray) -> np.ndarray:
    """Positions of the KEEP_POPULAR most rated movies."""
    import numpy as np

    if len(counts) <= KEEP_POPULAR:
        return np.arange(len(counts))
    return np.argpartition(-counts, KEEP_POPULAR)[:KEEP_POPULAR]


def _legend(items: list[tuple[str, int]], width: int) -> Text:
    """``● name`` entries, wrapped by hand so an entry never splits across lines."""
    text = Text()
    used = 0
    for name, color in items:
        size = len(name) + 2
        if used and used + 2 + size > width:
            text.append("\n")
            used = 0
        elif used:
            text.append("  ")
            used += 2
        text.append("●", style=f"color({color})")
        text.append(f" {name}")
        used += size
    return text


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)
