"""Train pane: pick a preset, edit its hyperparameters, watch the metrics live.

Training is a job (:func:`movielens_tui.tui.training_job.train_job` in a thread worker):
it posts :class:`TrainingProgress` at most ~5 times a second, stops within a second when
the worker is cancelled ("s" again, or quitting), saves the model and ends with one
:class:`TrainingEnded`. The pane only shows it: a finished model becomes the app's active
model; until then the previous one stays active.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker

from movielens_tui.errors import ParamError
from movielens_tui.models.presets import (
    DEFAULT_PRESET,
    PARAM_SPECS,
    PRESETS,
    get_preset,
    resolve_params,
)
from movielens_tui.tui.jobs import Done
from movielens_tui.tui.messages import TrainingEnded, TrainingProgress
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.training_job import train_job
from movielens_tui.tui.widgets.loss_chart import LossChart
from movielens_tui.tui.widgets.safe_select import SafeSelect

if TYPE_CHECKING:
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel
    from movielens_tui.tui.training_job import TrainedRun

STOP_GRACE = 0.25  # how long a cancelled worker waits for the trainer to notice


def format_seconds(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for elapsed time and ETA."""
    if not math.isfinite(seconds) or seconds < 0:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_param(value: object) -> str:
    """How a parameter value is shown in its Input (lists comma-separated)."""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


class TrainPane(Horizontal, Pane):
    """Hyperparameter form on the left, live metric charts and figures on the right."""

    BINDINGS = [
        Binding(
            "s",
            "toggle_training",
            "Start/stop",
            id="train-toggle",
            tooltip="Start training with the form's values, or stop the run",
        ),
        Binding("p", "focus_preset", "Preset", id="train-preset", tooltip="Choose a preset"),
        Binding(
            "d",
            "reset_params",
            "Defaults",
            id="train-defaults",
            tooltip="Put the preset's default values back in the form",
        ),  # fmt: skip
    ]

    running: reactive[bool] = reactive(False)
    """Whether a training run is in progress."""

    NAME = "train"

    def __init__(self) -> None:
        super().__init__()
        self.preset_name = DEFAULT_PRESET if DEFAULT_PRESET in PRESETS else next(iter(PRESETS))
        self.run = 0
        self.errors: dict[str, str] = {}
        self.params: dict[str, Any] | None = None
        self._worker: Worker[None] | None = None
        self._thread: threading.Thread | None = None
        self._last_step = 0
        self._total = 0
        self._stopping = False
        self._form_generation = 0

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        # the remembered preset goes in at compose time: setting a Select's value in
        # on_mount, before its own children exist, crashed a lazily mounted pane
        remembered = self.app.settings.get("preset")
        if remembered in PRESETS:
            self.preset_name = remembered
        with Vertical(id="train-side"):
            # one scrolling column: every hyperparameter and the whole description
            # reachable; the Start/Stop button stays in view below it
            with VerticalScroll(id="train-form-scroll"):
                yield SafeSelect(
                    [(name, name) for name in PRESETS],
                    value=self.preset_name,
                    allow_blank=False,
                    compact=True,
                    id="preset",
                )
                yield Static("", id="preset-description")
                yield Vertical(id="param-form")
                yield Static("", id="form-error")
            yield Button("Start (s)", id="train-button", variant="success")
        with Vertical(id="train-live"):
            yield Static("", id="train-status")
            yield Static("", id="train-values")
            yield LossChart(id="chart-0")
            yield LossChart(id="chart-1")

    async def on_mount(self) -> None:
        await self._build_form(self.preset_name)
        self.watch(self.app, "model", self._model_changed)
        self.watch(self.app, "dataset", self._dataset_changed, init=False)
        self._show_idle()

    def focus_default(self) -> None:
        """Focus Start/Stop (or the first invalid field) so "s" works at once."""
        button = self.query_one("#train-button", Button)
        target: Widget = self.query_one("#preset", Select)
        if not button.disabled:
            target = button
        else:
            invalid = [
                f for f in self.query(".param-input").results(Input) if f.has_class("-invalid")
            ]
            target = invalid[0] if invalid else target
        self.screen.set_focus(target)

    async def _build_form(self, preset_name: str) -> None:
        """One labelled Input per hyperparameter of the preset, with its error line."""
        preset = get_preset(preset_name)
        self.preset_name = preset.name
        self._form_generation += 1
        generation = self._form_generation
        form = self.query_one("#param-form", Vertical)
        await form.remove_children()
        widgets: list[Widget] = []
        for name, value in preset.params.items():
            spec = PARAM_SPECS.get(name)
            tip = f"{name}: {spec.help}" if spec else name
            field = Input(format_param(value), id=f"param-{name}", classes="param-input",
                          compact=True, tooltip=tip)  # fmt: skip
            label = Label(name, classes="param-label")
            label.tooltip = tip
            widgets.append(Horizontal(label, field, classes="param-row"))
            widgets.append(Static("", id=f"error-{name}", classes="param-error"))
        await form.mount_all(widgets)
        if generation == self._form_generation:
            self.query_one("#preset-description", Static).update(preset.description)
            self.validate()
            self._reset_charts()

    def _reset_charts(self) -> None:
        groups = get_preset(self.preset_name).metric_groups or [[]]
        for index, chart in enumerate(self.query(LossChart)):
            if index < len(groups):
                chart.display = True
                chart.reset(groups[index], _group_title(groups[index]))
            else:
                chart.display = False
                chart.reset([], "")

    # ------------------------------------------------------------------ form

    def form_values(self) -> dict[str, str]:
        """The raw text of every parameter field."""
        return {
            field.id.removeprefix("param-"): field.value
            for field in self.query(".param-input").results(Input)
            if field.id
        }

    def validate(self) -> dict[str, Any] | None:
        """Check every field (inline errors); returns the resolved params or None."""
        values = self.form_values()
        errors: dict[str, str] = {}
        for name, text in values.items():
            try:
                resolve_params(self.preset_name, {name: text})
            except ParamError as exc:
                errors[exc.field] = exc.reason
        params: dict[str, Any] | None = None
        form_error = ""
        if not errors:
            try:
                params = resolve_params(self.preset_name, values)
            except ParamError as exc:
                errors[exc.field] = exc.reason
                if exc.field not in values:
                    form_error = str(exc)
        self.errors = errors
        self.params = params
        for name in values:
            error = self.query_one(f"#error-{name}", Static)
            error.update(errors.get(name, ""))
            error.display = name in errors
            self.query_one(f"#param-{name}", Input).set_class(name in errors, "-invalid")
        self.query_one("#form-error", Static).update(form_error)
        self._update_button()
        return params

    @on(Input.Changed, ".param-input")
    def _param_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.validate()

    @on(Input.Submitted, ".param-input")
    def _param_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#train-button", Button).focus()

    @on(Select.Changed, "#preset")
    async def _preset_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.preset_name:
            await self._build_form(event.value)

    def _update_button(self) -> None:
        button = self.query_one("#train-button", Button)
        if self.running:
            button.label = "Stop (s)"
            button.variant = "error"
            button.disabled = False
        else:
            button.label = "Start (s)"
            button.variant = "success"
            button.disabled = self.params is None or self._thread_alive()
        self.query_one("#preset", Select).disabled = self.running
        for field in self.query(".param-input").results(Input):
            field.disabled = self.running

    def watch_running(self) -> None:
        if self.is_mounted:
            self._update_button()

    # ------------------------------------------------------------------ actions

    @on(Button.Pressed, "#train-button")
    def _button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_toggle_training()

    def action_toggle_training(self) -> None:
        """Start a run with the form's parameters, or stop the current one."""
        if self.running:
            self.stop_training()
        else:
            self.start_training()

    def action_focus_preset(self) -> None:
        self.query_one("#preset", Select).focus()

    async def action_reset_params(self) -> None:
        """Put the preset's default values back in the form."""
        if not self.running:
            await self._build_form(self.preset_name)

    def start_training(self) -> bool:
        """Start training unless one is running, the form is invalid or data is loading."""
        if self.running:
            return False
        if self._thread_alive():
            self.notify("The previous run is still stopping; try again in a moment.",
                        severity="warning")  # fmt: skip
            return False
        params = self.validate()
        if params is None:
            bad = ", ".join(self.errors) or "the form"
            self.notify(f"Fix {bad} before training.", severity="error")
            return False
        dataset = self.app.dataset
        if dataset is None:
            self.notify("The dataset is still loading.", severity="warning")
            return False
        self.run += 1
        self._last_step = 0
        self._total = 0
        self._stopping = False
        self._reset_charts()
        self.running = True
        self._set_status(f"Run {self.run}: starting {self.preset_name} (loading TensorFlow)…")
        self.query_one("#train-values", Static).update("")
        self._worker = self._train(self.run, dataset, self.preset_name, params)
        return True

    def stop_training(self) -> None:
        """Ask the running worker to stop (takes effect within a second)."""
        if self._worker is not None and not self._worker.is_finished:
            self._stopping = True
            self._set_status(f"Run {self.run}: stopping…")
            self._worker.cancel()

    def _thread_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ worker

    @work(thread=True, exclusive=True, group="train", exit_on_error=False)
    def _train(self, run: int, dataset: Dataset, preset: str, params: dict[str, Any]) -> None:
        """Train, save as the dataset's default model, post how it ended."""
        from movielens_tui.models import store

        def started(thread: threading.Thread) -> None:
            self._thread = thread

        outcome = train_job(self.post_message, run, dataset, preset, params,
                            save_as=store.default_model_path(dataset.name), grace=STOP_GRACE,
                            on_start=started)  # fmt: skip
        self.post_message(TrainingEnded(run, outcome))

    # ------------------------------------------------------------------ messages

    @on(TrainingProgress)
    def _progress(self, message: TrainingProgress) -> None:
        if message.run != self.run:
            return
        message.stop()
        self._last_step = message.step
        self._total = message.total
        charts = [c for c in self.query(LossChart) if c.display]
        with self.app.batch_update():
            for chart in charts:
                for step, metrics in message.points:
                    chart.add(step, metrics, redraw=False)
                chart.replot()
            self._show_progress(message)

    def _show_progress(self, message: TrainingProgress) -> None:
        done = message.step + 1 if message.total else 1
        total = message.total + 1 if message.total else 1
        rate = message.elapsed / done if done else math.nan
        eta = rate * (total - done)
        state = "stopping…" if self._stopping else "training"
        self._set_status(
            f"Run {message.run}: {self.preset_name} {state}\n"
            f"step {message.step:,} / {message.total:,} · elapsed "
            f"{format_seconds(message.elapsed)} · ETA {format_seconds(eta)}"
        )
        self.query_one("#train-values", Static).update(_values_text(message.metrics))

    @on(TrainingEnded)
    def _ended(self, message: TrainingEnded) -> None:
        message.stop()
        if message.run != self.run:
            self._update_button()
            return
        self.running = False
        outcome = message.outcome
        if isinstance(outcome, Done):
            self._show_trained(message.run, outcome.value)
            return
        kept = self._previous_model_text()
        if message.reason == "cancelled":
            text = f"Run {message.run}: stopped at step {self._last_step:,}. {kept}"
        else:
            text = f"Run {message.run}: {message.message}. {kept}"
            title = "Training diverged" if message.reason == "diverged" else "Training failed"
            self.notify(message.message, title=title, severity="error")
        self._set_status(text)
        self._update_button()
        if self._thread_alive():
            self._wait_for_thread()

    def _show_trained(self, run: int, trained: TrainedRun) -> None:
        model = trained.model
        saved = f"saved as {trained.path.name}" if trained.path else trained.note
        last = int(model.history[-1]["step"]) if model.history else self._last_step
        self._set_status(
            f"Run {run}: done · step {last:,} / {self._total:,} in "
            f"{format_seconds(model.fit_seconds)} · {saved}\n"
            f"{model.preset} is now the active model."
        )
        final = model.history[-1] if model.history else {}
        self.query_one("#train-values", Static).update(
            _values_text({k: v for k, v in final.items() if k != "step"})
        )
        self.app.set_active_model(model, trained.path)
        if trained.note:
            self.notify(trained.note, title="Model", severity="warning")
        self._update_button()

    def _wait_for_thread(self) -> None:
        """Re-enable Start once the stopped run's thread has really finished."""

        def check() -> None:
            if not self._thread_alive():
                timer.stop()
                self._update_button()

        timer = self.set_interval(0.25, check)

    def _previous_model_text(self) -> str:
        model = self.app.model
        if model is None:
            return "No model is active yet."
        return f"The previous model ({model.preset}) stays active."

    # ------------------------------------------------------------------ status

    def _set_status(self, text: str) -> None:
        self.query_one("#train-status", Static).update(text)

    def _show_idle(self) -> None:
        model = self.app.model
        if model is None:
            self._set_status("No trained model yet. Choose a preset, then press s to train.")
        else:
            self._set_status(f"Active model: {model.preset}. Press s to train a new one.")

    def _dataset_changed(self, dataset: Dataset | None) -> None:
        """Another dataset: a run on the previous one stops (its model would not fit)."""
        if self.running:
            self.stop_training()
            name = dataset.name if dataset is not None else "another dataset"
            self.notify(f"Training stopped: {name} is open now", title="Train")
        elif self.run == 0:
            self._show_idle()

    def _model_changed(self, model: TrainedModel | None) -> None:
        if not self.running and self.run == 0:
            self._show_idle()


def _values_text(metrics: dict[str, float]) -> str:
    return "\n".join(
        f"{name} {value:.4f}" if math.isfinite(value) else f"{name} -"
        for name, value in metrics.items()
    )


def _group_title(group: list[str]) -> str:
    return " / ".join(group)
