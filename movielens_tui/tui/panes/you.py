"""You: rate movies yourself and get recommendations at once (the colab's "user 943").

Search a title (``/``), move into the list (``down``) and press ``1``-``5`` on a movie;
``0`` or ``delete`` removes a rating. On a half-star dataset (ml-latest-small, ml-10m
and later: 0.5 to 5) ``h`` adds half a star to the movie's rating or takes it off again
(``4`` then ``h`` is 4.5, ``h`` again is 4; ``5`` then ``h`` is 4.5; ``h`` on a movie
not rated yet is 0.5); on a whole-star dataset it says so. Ratings are checked against
the dataset's scale and saved at once, one file per dataset (``my_ratings``); your
recommendations are computed by fold-in with the active model. ``r`` retrains the active
model's preset with your ratings added as a new user (a thread worker; ``r`` again stops)
and makes the result the active model.

Focus: the rating keys only act while a movie list of this pane has the focus; on the
pane itself (``escape``) or in the search box, ``1``-``6`` switch panes / type as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import Worker

from movielens_tui.tui.constants import NO_MODEL, measure_word, plural
from movielens_tui.tui.focus import focus_now
from movielens_tui.tui.jobs import Done
from movielens_tui.tui.messages import TrainingEnded, TrainingProgress
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.training_job import train_job
from movielens_tui.tui.widgets.movie_search import MovieSearch
from movielens_tui.tui.widgets.results_table import HIT_COLUMNS, ResultsTable
from movielens_tui.tui.widgets.shared import model_for, no_model_text

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel
    from movielens_tui.my_ratings import MyRatings

MATCH_COLUMNS = (("mine", "You"), ("title", "Title"), ("count", "Ratings"), ("genres", "Genres"))
RATED_COLUMNS = (("mine", "You"), ("title", "Title"))
K_RECOMMEND = 10
STOP_GRACE = 1.0
HELP = (
    "[b]/[/b] search · [b]↓[/b] list · [b]1[/b]-[b]5[/b] rate · [b]0[/b] remove · "
    "[b]r[/b] retrain with you · [b]esc[/b] leave list"
)
HALF_HELP = (
    "[b]/[/b] search · [b]↓[/b] list · [b]1[/b]-[b]5[/b] rate · [b]h[/b] ±½ star · "
    "[b]0[/b] remove · [b]r[/b] retrain with you · [b]esc[/b] leave list"
)


def help_line(dataset: Dataset | None) -> str:
    """The key hint: with ``h`` (half stars) only where the dataset's scale has them."""
    return HALF_HELP if dataset is not None and dataset.scale.half_stars else HELP


def toggle_half(rating: float | None, high: float = 5.0) -> float | None:
    """``h``: add half a star to a whole rating, take it off a half one.

    4 -> 4.5 -> 4; the top (5) can only lose half (4.5); not rated (None) -> 0.5 and
    0.5 -> None (no rating left).
    """
    if rating is None:
        return 0.5
    if not float(rating).is_integer():
        whole = float(rating) - 0.5
        return whole if whole > 0 else None
    return float(rating) + 0.5 if rating < high else float(rating) - 0.5


class YouPane(Vertical, Pane):
    """Search-and-rate, your ratings, and your recommendations."""

    DEFAULT_CSS = """
    YouPane { height: 1fr; }
    YouPane #you-help { height: 1; padding: 0 1; color: $text-muted; }
    YouPane #you-top { height: 11; }
    YouPane #you-search { width: 1fr; }
    YouPane #you-search > ResultsTable { height: 9; }
    YouPane #you-rated { width: 34; height: 1fr; }
    YouPane #you-status { height: auto; padding: 0 1; }
    YouPane #you-recs { height: 1fr; }
    """
    BINDINGS = [
        Binding("1", "rate(1)", "Rate", key_display="1-5", id="you-rate-1"),
        *(Binding(str(n), f"rate({n})", show=False) for n in range(2, 6)),
        Binding(
            "h",
            "half_star",
            "½ star",
            id="you-half-star",
            tooltip="Add or take off half a star (4 → 4.5 → 4); half-star datasets",
        ),
        # the same key on a whole-star dataset: not in the footer, says why it does nothing
        Binding("h", "whole_stars_only", show=False),
        Binding("0,delete,backspace", "unrate", "Remove", key_display="0", id="you-unrate"),
        Binding("r", "retrain", "Retrain with you", id="you-retrain"),
        Binding("slash", "focus_search", "Search", id="you-search"),
        Binding("escape", "leave_list", "Leave list", show=False),
        Binding("w", "why", "Why?", id="you-why", show=False),
    ]

    retraining: reactive[bool] = reactive(False, init=False)

    NAME = "you"

    def __init__(self) -> None:
        super().__init__()
        self.store: MyRatings | None = None
        self.hits: list[Any] = []
        self.status_text = ""
        self.run = 0
        self._worker: Worker[None] | None = None
        self._retrained: tuple[TrainedModel, Dataset, int, dict[int, float]] | None = None
        self._pending: tuple[Dataset, int, dict[int, float]] | None = None
        self._last_progress = ""

    def compose(self) -> ComposeResult:
        yield Static(HELP, id="you-help")
        with Horizontal(id="you-top"):
            yield MovieSearch(id="you-search", columns=MATCH_COLUMNS, limit=30)
            yield ResultsTable(RATED_COLUMNS, id="you-rated")
        yield Static(id="you-status")
        yield ResultsTable(HIT_COLUMNS, id="you-recs")

    def on_mount(self) -> None:
        self.query_one(MovieSearch).row_extra = self._mine_cell
        self.watch(self.app, "dataset", self._dataset_changed, init=False)
        self.watch(self.app, "model", self._show_recommendations, init=False)
        self.watch(self.app, "measure", self._show_recommendations, init=False)
        self._dataset_changed()

    # ------------------------------------------------------------------ focus and keys
    def focus_default(self) -> None:
        """Focus the movie list: ``↓`` and ``1``-``5`` (``h``) rate at once, as the hint
        line says; ``/`` starts a search, ``esc`` leaves the list (then 1-6 switch panes)."""
        matches = self.query_one(MovieSearch).matches
        focus_now(matches)
        matches.park_cursor()  # ↓ shows the first movie; 5 then rates it

    def action_focus_search(self) -> None:
        self.query_one(MovieSearch).focus_input()

    def action_leave_list(self) -> None:
        self.focus_self()

    def _focused_table(self) -> ResultsTable | None:
        focused = self.app.focused
        if isinstance(focused, ResultsTable) and self in focused.ancestors:
            return focused
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("half_star", "whole_stars_only"):
            dataset = self.app.dataset
            half = dataset is not None and dataset.scale.half_stars
            if half != (action == "half_star"):
                return False
        if action in ("rate", "unrate", "leave_list", "half_star", "whole_stars_only"):
            # Only inside a movie list: elsewhere the keys switch panes or type.
            return self._focused_table() is not None
        return True

    # ------------------------------------------------------------------ ratings
    def _dataset_changed(self) -> None:
        dataset = self.app.dataset
        self.store = None
        self._retrained = None
        self._pending = None
        if self.retraining:  # a retraining on the previous dataset: stop it, drop its result
            if self._worker is not None:
                self._worker.cancel()
            self.run += 1
            self.retraining = False
            self._last_progress = ""
        self.query_one("#you-help", Static).update(help_line(dataset))
        self.refresh_bindings()  # "h" is shown only on half-star datasets
        if dataset is not None:
            from movielens_tui.my_ratings import MyRatings

            self.store, warning = MyRatings.open(dataset.name, scale=dataset.scale)
            if warning:
                self.notify(warning, title="Your ratings", severity="warning", timeout=15)
            unknown = self.store.unknown_ids(dataset)
            if unknown:
                self.notify(
                    f"{len(unknown)} of your rated movie ids are not in {dataset.name}; "
                    "they are kept but ignored",
                    title="Your ratings",
                    severity="warning",
                )
        self._refresh_all()

    def _mine_cell(self, movie: int) -> dict[str, Any]:
        rating = self._rating_of(movie)
        return {"mine": rating if rating is not None else ""}

    def _rating_of(self, movie: int) -> float | None:
        dataset = self.app.dataset
        if self.store is None or dataset is None:
            return None
        movie_id = int(dataset.movies["movie_id"].iat[movie])
        return self.store.get(movie_id) if self.store.usable(movie_id) else None

    def action_rate(self, rating: int) -> None:
        table = self._focused_table()
        search = self.query_one(MovieSearch)
        if table is search.matches and search.pending:
            self.notify("Still searching; press the key again in a moment", title="Rate")
            return
        if table is not None:
            table.unpark_cursor()
        movie = table.highlighted_movie() if table is not None else None
        if movie is not None:
            self.rate(movie, rating)

    def action_half_star(self) -> None:
        """Add half a star to the highlighted movie's rating, or take it off."""
        dataset = self.app.dataset
        if dataset is None:
            return
        if not dataset.scale.half_stars:
            self.action_whole_stars_only()
            return
        table = self._focused_table()
        search = self.query_one(MovieSearch)
        if table is search.matches and search.pending:
            self.notify("Still searching; press the key again in a moment", title="Rate")
            return
        if table is not None:
            table.unpark_cursor()
        movie = table.highlighted_movie() if table is not None else None
        if movie is not None:
            self.rate(movie, toggle_half(self._rating_of(movie), dataset.scale.high))

    def action_whole_stars_only(self) -> None:
        """``h`` on a whole-star dataset: say why no half star is given."""
        dataset = self.app.dataset
        if dataset is not None:
            self.notify(
                f"{dataset.name} takes whole stars only ({dataset.scale.describe()}); "
                "h gives half stars on half-star datasets such as ml-latest-small",
                title="Half stars",
            )

    def action_unrate(self) -> None:
        table = self._focused_table()
        if table is not None:
            table.unpark_cursor()
        movie = table.highlighted_movie() if table is not None else None
        if movie is not None:
            self.rate(movie, None)

    def rate(self, movie: int, rating: float | None) -> None:
        """Rate internal movie ``movie`` (None removes the rating), save, refresh."""
        from movielens_tui.errors import MovieLensError

        dataset = self.app.dataset
        if self.store is None or dataset is None:
            return
        movie_id = int(dataset.movies["movie_id"].iat[movie])
        try:
            if rating is None:
                self.store.remove(movie_id)
            else:
                self.store.set(movie_id, rating)
        except (MovieLensError, ValueError) as exc:
            self.notify(str(exc), title="Your ratings", severity="error", timeout=10)
            return
        self._refresh_all()

    @property
    def positions(self) -> dict[int, float]:
        """Your ratings as ``{internal movie: rating}`` for the current dataset."""
        dataset = self.app.dataset
        if self.store is None or dataset is None:
            return {}
        return self.store.positions(dataset)

    def _refresh_all(self) -> None:
        self.query_one(MovieSearch).refresh_matches()
        self._show_rated()
        self._show_recommendations()

    def _show_rated(self) -> None:
        table = self.query_one("#you-rated", ResultsTable)
        dataset = self.app.dataset
        if dataset is None:
            table.show_rows([], [], labels={"title": "Your ratings"})
            return
        mine = sorted(self.positions.items(), key=lambda mr: (-mr[1], mr[0]))
        titles = dataset.movies["title"]
        table.show_rows(
            [{"mine": r, "title": titles.iat[m]} for m, r in mine],
            [m for m, _ in mine],
            labels={"title": f"Your ratings ({len(mine)})"},
        )

    # ------------------------------------------------------------------ recommendations
    def _show_recommendations(self) -> None:
        recs = self.query_one("#you-recs", ResultsTable)
        self.hits = []
        status = self._recommend()
        if self.hits:
            app = self.app
            from movielens_tui.models import scoring

            rows = scoring.hits_table(app.dataset, self.hits)
            for rank, row in enumerate(rows, start=1):
                row["rank"] = rank
            labels = {"score": f"{app.measure} score"}
            recs.show_rows(rows, [h.movie for h in self.hits], labels=labels)
        else:
            recs.show_rows([], [])
        if self.retraining:
            status = self._last_progress
        self._set_status(f"{status} · measure [b]{measure_word(self.app.measure)}[/b] (m)")

    def _recommend(self) -> str:
        """Fill ``self.hits`` for your ratings; returns the status line (markup)."""
        app = self.app
        dataset = app.dataset
        model = model_for(app, dataset)
        if dataset is None:
            return "Loading…"
        if model is None:
            return f"[b]{no_model_text(app, dataset, NO_MODEL)}[/b]"
        ratings = self.positions
        if not ratings:
            return "Rate a few movies to get recommendations"
        from movielens_tui.errors import MovieLensError
        from movielens_tui.models import foldin, scoring

        retrained = self._retrained
        try:
            if retrained is not None and retrained[0] is model and retrained[3] == ratings:
                _, extended, user, _ = retrained
                self.hits = scoring.recommend(
                    model, extended, user, measure=app.measure, k=K_RECOMMEND,
                    exclude_rated=True,
                )  # fmt: skip
                source = "from the model retrained with you"
            else:
                self.hits = foldin.recommend_for_ratings(
                    model, dataset, ratings, app.measure, K_RECOMMEND, exclude_rated=True
                )
                source = "by fold-in"
        except MovieLensError as exc:
            self.hits = []
            return f"[b]{escape(str(exc))}[/b]"
        return f"For you: {plural(len(ratings), 'rating')}, {escape(model.preset)} {source}"

    def _set_status(self, markup: str) -> None:
        self.query_one("#you-status", Static).update(markup)
        self.status_text = Text.from_markup(markup).plain

    def action_why(self) -> None:
        """``w``: why the highlighted recommendation is there (your ratings, fold-in)."""
        dataset = self.app.dataset
        model = model_for(self.app, dataset)
        movie = self.query_one("#you-recs", ResultsTable).highlighted_movie()
        ratings = self.positions
        if model is None or dataset is None or not ratings or movie is None:
            self.notify("No recommendation to explain", title="Why?")
            return
        from movielens_tui.errors import MovieLensError
        from movielens_tui.models.explain import explain_ratings
        from movielens_tui.tui.screens.why import WhyScreen, recommendation_text

        measure = self.app.measure
        try:
            (explanation,) = explain_ratings(model, dataset, ratings, [movie], measure)
        except (MovieLensError, ValueError) as exc:
            self.notify(str(exc), title="Why?", severity="warning")
            return
        self.app.push_screen(WhyScreen(recommendation_text(explanation, dataset, measure)))

    # ------------------------------------------------------------------ retraining
    def action_retrain(self) -> None:
        """Retrain the active model's preset with your ratings (``r`` again stops)."""
        app = self.app
        if self.retraining:
            if self._worker is not None:
                self._worker.cancel()
            self._last_progress = "Stopping the retraining…"
            self._show_recommendations()
            return
        dataset = app.dataset
        model = model_for(app, dataset)
        if model is None or dataset is None:
            self.notify(no_model_text(app, dataset, NO_MODEL), title="Retrain", severity="warning")
            return
        ratings = self.positions
        if not ratings:
            self.notify("Rate at least one movie first", title="Retrain", severity="warning")
            return
        if "train" in app.busy_training_groups():
            self.notify(
                "A training run is going on in Train; wait for it or stop it (2, s)",
                title="Retrain",
                severity="warning",
            )
            return
        extended, user = dataset.with_extra_user(ratings)
        self.run += 1
        self.retraining = True
        self._last_progress = (
            f"Retraining {escape(model.preset)} with your {plural(len(ratings), 'rating')}… "
            "(r stops)"
        )
        self._show_recommendations()
        self._pending = (extended, user, dict(ratings))
        self._worker = self._retrain(self.run, extended, model.preset, dict(model.params))

    @work(thread=True, exclusive=True, group="you-retrain", exit_on_error=False)
    def _retrain(self, run: int, dataset: Dataset, preset: str, params: dict[str, Any]) -> None:
        """Train on the dataset with you added (not saved: your ratings are)."""
        outcome = train_job(self.post_message, run, dataset, preset, params, grace=STOP_GRACE)
        self.post_message(TrainingEnded(run, outcome))

    @on(TrainingProgress)
    def _progress(self, message: TrainingProgress) -> None:
        message.stop()
        if message.run != self.run or not self.retraining:
            return
        metrics = " · ".join(f"{k} {v:.3f}" for k, v in list(message.metrics.items())[:2])
        self._last_progress = (
            f"Retraining: step {message.step:,}/{message.total:,} · {message.elapsed:.1f} s"
            f" · {metrics} (r stops)"
        )
        self._set_status(f"{self._last_progress} · measure [b]{measure_word(self.app.measure)}[/b]")

    @on(TrainingEnded)
    def _ended(self, message: TrainingEnded) -> None:
        message.stop()
        if message.run != self.run:
            return
        self.retraining = False
        self._last_progress = ""
        outcome = message.outcome
        if isinstance(outcome, Done):
            if self._pending is not None:
                extended, user, ratings = self._pending
                self._retrained = (outcome.value.model, extended, user, ratings)
            self.app.set_active_model(outcome.value.model, None)
        else:
            self._retrained = None
            cancelled = message.reason == "cancelled"
            text = "Retraining stopped" if cancelled else f"Retraining failed: {message.message}"
            self.notify(text, title="Retrain", severity="information" if cancelled else "error",
                        timeout=10)  # fmt: skip
        self._show_recommendations()

    @on(MovieSearch.Chosen, "#you-search")
    def _chosen(self, event: MovieSearch.Chosen) -> None:
        """Enter on a match: move into the list so 1-5 (and h) rate it."""
        event.stop()
        focus_now(event.search.matches)
