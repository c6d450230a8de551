"""Compare pane: several presets under one protocol, fold by fold, side by side.

``r`` runs the chosen presets (``p`` picks them; default: the baseline, the colab's
models, biased-mf, EASE and softmax) on the chosen protocol (ml-100k: u1-u5 or u1
alone; elsewhere a seeded 5-fold or its first fold; a holdout; a temporal split) in a
job (:func:`movielens_tui.jobs.run_job`), and ``r`` again cancels it. The table fills
as folds finish: RMSE, MAE, precision/recall/NDCG@10, catalogue coverage and fit
seconds, mean ± spread over folds, the best per column in bold with ★. The chart
below draws the chosen metric (``b`` cycles it). The job saves the result per dataset
(:func:`movielens_tui.compare.save_comparison`), so the pane opens on the last
comparison with its date and protocol. ``e`` exports it as CSV, ``E`` as Markdown.

The engine is :mod:`movielens_tui.compare`, the same as ``movielens-tui compare``.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, ProgressBar, Select, Static

from movielens_tui.models.presets import COMPARE_PRESETS
from movielens_tui.tui.jobs import Done, Failed, run_job
from movielens_tui.tui.messages import CompareEnded, CompareProgressed
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.widgets.safe_select import SafeSelect

if TYPE_CHECKING:
    from movielens_tui.compare import CompareProgress, CompareRow, Comparison
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.evaluate import Protocol

POST_INTERVAL = 0.2  # seconds between step messages of a fit (fold results always go)
STOP_GRACE = 0.25
DEFAULT_METRIC = "precision_at_10"
PENDING = "·"
# the compare module (numpy, the evaluation) is imported when the pane is built, after
# the first paint; these are its names the pane uses
METRICS = ("rmse", "mae", "precision_at_10", "recall_at_10", "ndcg_at_10", "coverage",
           "fit_seconds")  # fmt: skip


def _compare():  # noqa: ANN202 - the module
    from movielens_tui import compare

    return compare


class ComparePane(Vertical, Pane):
    """Controls, progress, the comparison table and a bar chart of one metric."""

    BINDINGS = [
        Binding("r", "toggle_run", "Run/stop", id="compare-run",
                tooltip="Run the comparison with these presets and protocol, or stop it"),
        Binding("p", "pick_presets", "Presets", id="compare-presets",
                tooltip="Choose the presets to compare"),
        Binding("o", "focus_protocol", "Protocol", id="compare-protocol",
                tooltip="Choose the protocol (folds, one fold, holdout, temporal)"),
        Binding("b", "next_metric", "Chart metric", id="compare-metric",
                tooltip="Chart the next metric"),
        Binding("e", "export('csv')", "Export CSV", id="compare-export-csv",
                tooltip="Write the comparison to a CSV file in the data dir's exports folder"),
        Binding("E", "export('markdown')", "Export MD", id="compare-export-md",
                tooltip="Write the comparison as a Markdown table in the exports folder"),
    ]  # fmt: skip

    NAME = "compare"

    def __init__(self) -> None:
        super().__init__()
        self.presets: list[str] = list(COMPARE_PRESETS)
        self.comparison: Comparison | None = None
        """The comparison shown: the running one (filling) or the last finished/saved."""
        self.running = False
        self.run = 0
        self.metric = DEFAULT_METRIC
        self._current: CompareProgress | None = None
        self._last_post = 0.0
        self._protocols: list[str] = []

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="compare-controls"):
            yield Button(self._presets_label(), id="compare-presets-button", compact=True)
            yield SafeSelect([], prompt="Protocol", allow_blank=True, compact=True,
                              id="compare-protocol-select")  # fmt: skip
            yield SafeSelect(
                [(_compare().metric_label(m), m) for m in METRICS],
                value=self.metric, allow_blank=False, compact=True, id="compare-metric-select",
            )  # fmt: skip
            yield Button("Run (r)", id="compare-run-button", variant="success", compact=True)
        with Horizontal(id="compare-progress-row"):
            yield ProgressBar(total=1.0, show_eta=False, id="compare-progress")
            yield Static("", id="compare-status", markup=False)
        yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="compare-note", markup=False)
        from movielens_tui.tui.widgets.metric_chart import MetricChart

        yield MetricChart(id="compare-chart")

    def on_mount(self) -> None:
        table = self.query_one("#compare-table", DataTable)
        table.fixed_columns = 1
        table.add_column("Preset", key="preset")
        for metric in METRICS:
            table.add_column(_compare().metric_label(metric), key=metric)
        table.add_column("Folds", key="folds")
        self.watch(self.app, "dataset", self._dataset_changed)

    def focus_default(self) -> None:
        self.query_one("#compare-table", DataTable).focus()

    # ------------------------------------------------------------------ dataset

    def _dataset_changed(self, dataset: Dataset | None) -> None:
        if self.running:
            self._cancel()
        self.comparison = None
        select = self.query_one("#compare-protocol-select", Select)
        if dataset is None:
            select.set_options([])
            self._show_table()
            self._status("Loading the dataset…")
            return
        from movielens_tui.compare import protocol_choices

        choices = protocol_choices(dataset)
        self._protocols = [key for _, key in choices]
        select.set_options(choices)
        self.call_after_refresh(self._set_protocol, choices[0][1])
        self._load_saved(dataset)

    def _set_protocol(self, key: str) -> None:
        if key in self._protocols:
            self.query_one("#compare-protocol-select", Select).value = key

    def _load_saved(self, dataset: Dataset) -> None:
        from movielens_tui.compare import load_comparison
        from movielens_tui.errors import MovieLensError

        try:
            saved = load_comparison(dataset.name)
        except MovieLensError as exc:
            self._status(f"Last comparison not shown: {exc}")
            self._show_table()
            return
        self.comparison = saved
        self._show_table()
        if saved is not None:
            key = _compare().choice_of(dataset, saved)
            if key is not None:
                self.call_after_refresh(self._set_protocol, key)
        if saved is None:
            self._status(f"No comparison on {dataset.name} yet: r runs {self._presets_text()}")
        else:
            self.presets = [row.label for row in saved.rows]
            self._refresh_presets_button()
            self._status(f"Last comparison: {saved.when} · {saved.protocol} · r runs it again")

    # ------------------------------------------------------------------ actions

    def action_toggle_run(self) -> None:
        if self.running:
            self._cancel()
        else:
            self.start()

    def action_pick_presets(self) -> None:
        if self.running:
            self.notify("Stop the comparison first (r)", title="Compare", severity="warning")
            return
        from movielens_tui.tui.screens.preset_picker import PresetPicker

        def chosen(names: list[str] | None) -> None:
            if names:
                self.presets = names
                self._refresh_presets_button()
                self._status(f"r runs {self._presets_text()}")

        self.app.push_screen(PresetPicker(self.presets), chosen)

    def action_focus_protocol(self) -> None:
        self.query_one("#compare-protocol-select", Select).focus()

    def action_next_metric(self) -> None:
        names = list(METRICS)
        self.metric = names[(names.index(self.metric) + 1) % len(names)]
        self.query_one("#compare-metric-select", Select).value = self.metric

    def action_export(self, fmt: str) -> None:
        from movielens_tui.compare import to_csv, to_markdown
        from movielens_tui.tui.export import write_export

        result = self.comparison
        if result is None or not any(row.folds for row in result.rows):
            self.notify("Nothing to export yet: run a comparison (r)", title="Export",
                        severity="warning")  # fmt: skip
            return
        text, suffix = (to_csv(result), ".csv") if fmt == "csv" else (to_markdown(result), ".md")
        try:
            path = write_export(text.encode("utf-8"), self.NAME, result.dataset, "table", suffix)
        except OSError as exc:
            self.notify(f"Export failed: {exc}", title="Export", severity="error")
            return
        self.notify(f"Exported {len(result.rows)} presets to {path}", title="Export", timeout=8)

    @on(Button.Pressed, "#compare-run-button")
    def _run_pressed(self) -> None:
        self.action_toggle_run()

    @on(Button.Pressed, "#compare-presets-button")
    def _presets_pressed(self) -> None:
        self.action_pick_presets()

    @on(Select.Changed, "#compare-metric-select")
    def _metric_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.metric = event.value
            self._show_chart()

    # ------------------------------------------------------------------ running

    def start(self) -> bool:
        """Start a comparison with the chosen presets and protocol; False (and a
        message) if it cannot start."""
        from movielens_tui import compare
        from movielens_tui.errors import MovieLensError

        dataset = self.app.dataset
        if dataset is None:
            self._status("The dataset is still loading")
            return False
        key = self.query_one("#compare-protocol-select", Select).value
        if not isinstance(key, str):
            key = compare.protocol_choices(dataset)[0][1]
        try:
            protocol, only = compare.protocol_for_choice(dataset, key)
            plan = compare.plan(dataset, self.presets, protocol, only_folds=only)
        except MovieLensError as exc:
            self._status(str(exc))
            return False
        self.run += 1
        self.running = True
        self.comparison = plan
        self._current = None
        self._show_table()
        self.query_one("#compare-run-button", Button).label = "Stop (r)"
        self.query_one("#compare-progress", ProgressBar).update(total=1.0, progress=0.0)
        self.set_class(True, "-running")
        self._status(f"Starting: {len(self.presets)} presets · {plan.protocol}")
        self._compare(self.run, dataset, list(self.presets), protocol, only)
        return True

    def _cancel(self) -> None:
        self.workers.cancel_group(self, "compare")
        self._status("Stopping…")

    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _compare(
        self,
        run: int,
        dataset: Dataset,
        presets: list[str],
        protocol: Protocol,
        only: list[str] | None,
    ) -> None:
        from movielens_tui import compare
        from movielens_tui.evaluate import EvaluationCancelled
        from movielens_tui.models.trainer import TrainingCancelled

        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

        def callback(progress: CompareProgress) -> None:
            now = time.monotonic()
            step = progress.result is None and progress.progress is not None
            if step and now - self._last_post < POST_INTERVAL:  # starts and results always go
                return
            self._last_post = now
            self.post_message(CompareProgressed(run, progress))

        def job(should_stop: Any) -> Comparison:
            return compare.compare(dataset, presets, protocol, only_folds=only,
                                   callback=callback, should_stop=should_stop)  # fmt: skip

        outcome = run_job(job, low_priority=True, grace=STOP_GRACE, what="the comparison",
                          cancelled_by=(EvaluationCancelled, TrainingCancelled))  # fmt: skip
        saved, note = None, ""
        if isinstance(outcome, Done):
            try:  # saving belongs to the job; a failure keeps the result on screen
                saved = compare.save_comparison(outcome.value)
            except OSError as exc:
                note = f"not saved: {exc}"
        self.post_message(CompareEnded(run, outcome, saved, note))

    def on_compare_progressed(self, message: CompareProgressed) -> None:
        if message.run != self.run or not self.running or self.comparison is None:
            return
        progress: CompareProgress = message.progress
        self._current = progress
        if progress.result is not None:
            row = self.comparison.rows[progress.model_index]
            if not any(f.name == progress.result.name for f in row.folds):
                row.folds.append(progress.result)
            self._show_table()
        elif progress.progress is None:  # a fit starts: its row says so
            self._show_table()
        self.query_one("#compare-progress", ProgressBar).update(progress=progress.fraction)
        fit = progress.model_index + 1 + progress.fold_index * progress.n_models
        step = ""
        inner = progress.progress
        if inner is not None and getattr(inner, "total", 0):
            step = f": step {inner.step}/{inner.total}"
        state = "done" if progress.result is not None else f"training{step}"
        self._status(f"{progress.model} on {progress.fold} ({fit} of "
                     f"{progress.n_models * progress.n_folds}) {state}")  # fmt: skip

    def on_compare_ended(self, message: CompareEnded) -> None:
        if message.run != self.run:
            return
        self.running = False
        self._current = None
        self.set_class(False, "-running")
        self.query_one("#compare-run-button", Button).label = "Run (r)"
        outcome = message.outcome
        if isinstance(outcome, Done):
            self.comparison = outcome.value
            self.query_one("#compare-progress", ProgressBar).update(progress=1.0)
            where = f"saved to {message.saved}" if message.saved else message.note
            self._status(f"Done: {self.comparison.protocol} · {where}")
        elif isinstance(outcome, Failed):
            self._status(f"Comparison failed: {outcome.message}")
        else:
            self._status("Comparison stopped; the folds that finished are shown")
        self._show_table()

    # ------------------------------------------------------------------ drawing

    def _status(self, text: str) -> None:
        self.query_one("#compare-status", Static).update(text)

    def show_message(self, text: str) -> None:
        self._status(text)

    def _presets_text(self) -> str:
        return ", ".join(self.presets)

    def _presets_label(self) -> str:
        return f"Presets (p): {len(self.presets)}"

    def _refresh_presets_button(self) -> None:
        self.query_one("#compare-presets-button", Button).label = self._presets_label()

    def _row_cells(self, result: Comparison, row: CompareRow, index: int) -> list[Any]:
        best = result.best()
        cells: list[Any] = [Text(row.label, style="bold")]
        running = self._current
        for metric in result.metrics:
            if not row.folds:
                busy = self.running and running is not None and running.model_index == index
                cells.append(Text("running…" if busy else PENDING, style="dim"))
                continue
            text = _compare().cell_text(row, metric, sep="±", spread_digits=3)
            if best.get(metric) == row.label and text != "-":
                cells.append(Text(f"★{text}", style="bold green"))
            else:
                cells.append(Text(text, style="dim" if text == "-" else ""))
        cells.append(str(len(row.folds)))
        return cells

    def _show_table(self) -> None:
        table = self.query_one("#compare-table", DataTable)
        table.clear()
        result = self.comparison
        note = self.query_one("#compare-note", Static)
        if result is None:
            note.update("")
            self._show_chart()
            return
        for index, row in enumerate(result.rows):
            table.add_row(*self._row_cells(result, row, index), key=row.label)
        folds = sorted({f.name for row in result.rows for f in row.folds})
        note.update(f"{result.dataset} · {result.protocol} · folds {', '.join(folds) or '-'}"
                    f" · mean±spread over folds, ★ best · {result.when}")  # fmt: skip
        self._show_chart()

    def _show_chart(self) -> None:
        from movielens_tui.tui.widgets.metric_chart import MetricChart

        chart = self.query_one("#compare-chart", MetricChart)
        result = self.comparison
        if result is None:
            chart.show(_compare().metric_label(self.metric), [], [])
            return
        pairs = [(row.label, row.mean(self.metric)) for row in result.rows]
        pairs = [(label, v) for label, v in pairs if v is not None]
        best = result.best().get(self.metric)
        title = _compare().metric_label(self.metric) + (f" (best: {best})" if best else "")
        chart.show(title, [p[0] for p in pairs], [float(p[1]) for p in pairs])
