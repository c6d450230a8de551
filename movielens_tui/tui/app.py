"""The Textual app: seven panes in tabs, app-wide keys, the dataset and the active model.

Nothing heavy is imported here: the dataset loads in a job (:mod:`movielens_tui.tui.jobs`)
after the first paint, and TensorFlow is only imported by a training job. The Dataset
pane is composed at once (with a cached release's counts from its manifest, so they are
in the first paint); the other panes are Textual ``Lazy`` widgets (:class:`LazyPane`),
mounted after the paint that shows the Dataset pane's figures, or when asked for. ``c``
opens the dataset picker; the same worker then downloads and opens the chosen release,
and the panes follow ``app.dataset``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingsMap
from textual.content import Content
from textual.lazy import Lazy
from textual.reactive import reactive
from textual.widget import MountError, Widget
from textual.widgets import Header, Input, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from movielens_tui.tui.commands import MovieLensCommands, PaletteCommand
from movielens_tui.tui.constants import TRAINING_GROUPS
from movielens_tui.tui.focus import focus_now
from movielens_tui.tui.jobs import JOB_THREAD_NAME, Cancelled, Done, job_threads_alive, run_job
from movielens_tui.tui.messages import (
    DatasetChosen,
    DatasetFailed,
    DatasetLoaded,
    DatasetSwitchCancelled,
    DownloadProgress,
    ModelActivated,
    ModelLoaded,
    ModelLoadFailed,
)
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.panes.compare import ComparePane
from movielens_tui.tui.panes.dataset import DatasetPane
from movielens_tui.tui.panes.map import MapPane
from movielens_tui.tui.panes.neighbors import NeighborsPane
from movielens_tui.tui.panes.train import TrainPane
from movielens_tui.tui.panes.users import UsersPane
from movielens_tui.tui.panes.you import YouPane
from movielens_tui.tui.priority import freeze_heap
from movielens_tui.tui.process import (
    TEMP_FOLDER,
    install_quit_signals,
    native_stderr_to,
    private_temp_dir,
    remove_private,
    terminal_gone,
)
from movielens_tui.tui.screens.dataset_picker import DatasetPicker
from movielens_tui.tui.training_job import TRAIN_THREAD_NAME
from movielens_tui.tui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from movielens_tui.data.cache_manifest import Manifest
    from movielens_tui.data.movielens import Dataset
    from movielens_tui.models.trained import TrainedModel

PANES: tuple[tuple[str, str, type[Pane]], ...] = (
    ("dataset", "Dataset", DatasetPane),
    ("train", "Train", TrainPane),
    ("neighbors", "Neighbors", NeighborsPane),
    ("users", "Users", UsersPane),
    ("map", "Map", MapPane),
    ("you", "You", YouPane),
    ("compare", "Compare", ComparePane),
)
MEASURES = ("dot", "cosine")
PANE_KEYS = Binding.Group("Panes", compact=True)
NARROW_TITLE_WIDTH = 60  # below this the header shows only the measure
LOG_NAME = "movielens-tui.log"
LOAD_THREAD_NAME = "movielens-load"  # may be stuck in a stalled download; run_app won't wait
BACKGROUND_THREADS = (TRAIN_THREAD_NAME, JOB_THREAD_NAME)  # run_app leaves without them
# seconds a quit on SIGTERM / SIGHUP may take before the process ends regardless: after
# SIGHUP the terminal is usually gone and Textual's shutdown can hang writing to it
SIGNAL_GRACE = {int(signal.SIGTERM): 5.0, int(getattr(signal, "SIGHUP", 1)): 1.0}
PALETTE_NAMES = {"choose-dataset": "Choose dataset…"}  # palette names unlike the footer's
PICKER_BLOCKS = (  # behind the picker
    *("show_pane", "search", "toggle_measure", "choose_dataset", "export_table", "help"),
)
TERMINAL_THEME = (
    "ansi-dark"  # Textual's theme in the terminal's own ANSI colours  # behind the picker
)


class _Cancelled(Exception):
    """Raised inside a download progress callback once the worker is cancelled."""


class NoticeLine(Static):
    """The one-line dataset notice above the footer; a click shows it whole."""

    def on_click(self) -> None:
        app = self.app
        if isinstance(app, MovieLensApp) and app.notice:
            app.notify(app.notice, title="Dataset", severity="warning", timeout=20)


class LazyPane(Lazy):
    """A pane mounted after a paint (Textual's ``Lazy``): the paint after the app has
    released the panes (:meth:`MovieLensApp.release_panes`: the Dataset pane's figures
    are on screen, or the load failed); or at once when a key or the palette asks for it
    (:meth:`mount_now`; mounting twice is a no-op)."""

    def __init__(self, pane: Pane) -> None:
        super().__init__(pane)
        self.pane = pane
        self._started = False

    async def mount_composed_widgets(self, widgets: list[Widget]) -> None:
        app = self.app
        if isinstance(app, MovieLensApp) and app.panes_released:
            self.call_after_refresh(self.mount_now)

    async def mount_now(self) -> None:
        parent = self.parent
        if self._started or not isinstance(parent, Widget) or not parent.is_attached:
            return
        self._started = True
        try:
            await parent.mount(self.pane, after=self)
        except MountError:  # the app is closing: the tab went away meanwhile
            return
        await self.remove()


class MovieLensApp(App[int]):
    """Collaborative filtering on MovieLens: explore, train, search, recommend."""

    CSS_PATH = "app.tcss"
    TITLE = "movielens-tui"
    COMMANDS = App.COMMANDS | {MovieLensCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-normal"), (100, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    NOTIFICATION_TIMEOUT = 4
    BINDINGS = [
        *(
            Binding(
                str(n),
                f"show_pane('{key}')",
                label,
                id=f"show-{key}",
                group=PANE_KEYS,
                tooltip=f"Show the {label} pane",
            )  # fmt: skip
            for n, (key, label, _) in enumerate(PANES, start=1)
        ),
        Binding(
            "slash", "search", "Search", id="search", tooltip="Jump to the movie search (Neighbors)"
        ),
        Binding(
            "m",
            "toggle_measure",
            "Measure",
            id="toggle-measure",
            tooltip="Switch scores between DOT and COSINE",
        ),  # fmt: skip
        Binding(
            "c",
            "choose_dataset",
            "Datasets",
            id="choose-dataset",
            tooltip="Open another MovieLens release (downloads it first if needed)",
        ),  # fmt: skip
        Binding(
            "e",
            "export_table",
            "Export",
            id="export",
            tooltip="Export the table in view to CSV (in the data dir's exports folder)",
        ),  # fmt: skip
        Binding(
            "question_mark,f1",
            "help",
            "Help",
            key_display="?",
            id="help",
            tooltip="This pane's keys and the app's",
        ),  # fmt: skip
        Binding("escape", "leave_input", "Leave field", show=False, id="leave-input"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            priority=True,
            id="quit",
            tooltip="Quit (cancels training and downloads first)",
        ),  # fmt: skip
    ]

    dataset: reactive[Dataset | None] = reactive(None, always_update=True, init=False)
    """The loaded dataset (None while loading)."""
    model: reactive[TrainedModel | None] = reactive(None, always_update=True, init=False)
    """The active model, swapped in one assignment."""
    measure: reactive[str] = reactive("dot", init=False)
    """How scores are computed: "dot" or "cosine"."""

    def __init__(
        self,
        data: str | Path | None = None,
        model_path: Path | None = None,
        dataset: Dataset | None = None,
        dataset_name: str | None = None,
        handle_signals: bool = False,
        remember: bool = False,
    ) -> None:
        super().__init__()
        self.remember = remember
        """Read and write the settings file (``run_app``; tests opt in)."""
        self.settings: dict[str, Any] = {}
        self.settings_warning: str | None = None
        if remember:
            from movielens_tui import settings

            self.settings, self.settings_warning = settings.load()
            if data is None and dataset_name is None and dataset is None:
                dataset_name = self._remembered_dataset()
            if self.settings.get("measure") in MEASURES:
                self.set_reactive(MovieLensApp.measure, self.settings["measure"])
            theme = self.settings.get("theme")
            if isinstance(theme, str) and theme in self.available_themes:
                self.theme = theme
        self.handle_signals = handle_signals
        """Quit like ctrl+q on SIGTERM / SIGHUP (``run_app``, and tests that send them)."""
        self.quit_signal: int | None = None
        self.stuck_quit: Callable[[int], None] | None = None
        """``run_app``: ends the process (with this code) when a signalled quit takes
        longer than ``SIGNAL_GRACE``."""
        self._undo_signals: Callable[[], None] | None = None
        self.data = data
        self.dataset_name = dataset_name
        """The release asked for (``--dataset``); None: ml-100k, or what ``data`` holds."""
        self.model_path_arg = Path(model_path) if model_path else None
        self.model_path: Path | None = None
        self.movie_stats: Any = None
        self.title_index: Any = None
        self.data_error: str | None = None
        self.notice: str | None = None
        """Why another release than the one asked for is open (shown until a switch)."""
        self._given_dataset = dataset
        self._switching: str | None = None  # the release the picker asked for, while loading
        self._cached_counts: Manifest | None | bool = False  # False: not read yet
        self.panes_released = False
        """Whether the lazy panes may mount (the Dataset pane's counts are painted)."""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for n, (key, label, pane_class) in enumerate(PANES, start=1):
                with TabPane(f"{n} {label}", id=f"tab-{key}"):
                    # the first pane is in the first paint; the rest mount right after it
                    yield pane_class() if n == 1 else LazyPane(pane_class())
        yield NoticeLine("", id="dataset-notice", markup=False)
        yield KeyFooter()

    def on_load(self) -> None:
        if self.handle_signals:
            self._undo_signals = install_quit_signals(asyncio.get_running_loop(), self._signalled)

    def on_mount(self) -> None:
        self._show_header()
        self.call_after_refresh(self._focus_inside, PANES[0][0])
        self.load_dataset()
        if self.settings_warning:
            self.notify(self.settings_warning, title="Settings", severity="warning", timeout=10)
        pane = self.settings.get("pane")
        if pane in {key for key, _, _ in PANES} and pane != PANES[0][0]:
            self.call_after_refresh(self.run_action, f"show_pane('{pane}')")
        if self.remember:
            self.watch(self, "theme", self.save_settings, init=False)
            self.watch(self, "measure", self.save_settings, init=False)

    def _remembered_dataset(self) -> str | None:
        name = self.settings.get("dataset")
        from movielens_tui.data import registry

        return name if isinstance(name, str) and name in registry.REGISTRY else None

    def restore_pane_settings(self, pane: Pane) -> None:
        """A pane just mounted takes its remembered value (k, preset); panes call it."""
        if pane.NAME == "neighbors" and isinstance(self.settings.get("k"), int):
            from movielens_tui.tui.constants import K_MAX, K_MIN

            pane.k = max(K_MIN, min(K_MAX, self.settings["k"]))  # type: ignore[attr-defined]

    def current_settings(self) -> dict[str, Any]:
        """What would be remembered now."""
        values: dict[str, Any] = dict(self.settings)
        values["measure"] = self.measure
        values["theme"] = self.theme
        with contextlib.suppress(Exception):
            values["pane"] = self.active_pane_name
        if self.dataset is not None:
            values["dataset"] = self.dataset.name
        for name, attr, key in (("neighbors", "k", "k"), ("train", "preset_name", "preset")):
            with contextlib.suppress(Exception):
                value = getattr(self.pane(name), attr, None)
                if value is not None:
                    values[key] = value
        return values

    def save_settings(self) -> None:
        """Write the remembered values (no-op unless ``remember``); a failure is one line."""
        if not self.remember:
            return
        from movielens_tui import settings

        values = self.current_settings()
        if values == self.settings:
            return
        try:
            settings.save(values)
        except OSError as exc:
            self.notify(f"Settings not saved: {exc}", title="Settings", severity="warning")
            return
        self.settings = values

    def on_unmount(self) -> None:
        if self._undo_signals is not None:
            self._undo_signals()
            self._undo_signals = None

    def _signalled(self, signum: int) -> None:
        """SIGTERM / SIGHUP: quit as ctrl+q does (the terminal is put back on exit)."""
        if self.quit_signal is None:
            self.quit_signal = signum
            self.workers.cancel_all()
            if self.stuck_quit is not None and terminal_gone():
                # hung up: nothing to put back, and Textual's shutdown can hang (its
                # input thread spins on the dead terminal); the cleanup runs, then exit
                self.stuck_quit(128 + signum)
            self.exit(return_code=128 + signum)
            if self.stuck_quit is not None:  # a shutdown stuck on a dead terminal ends
                grace = SIGNAL_GRACE.get(signum, 5.0)
                watchdog = threading.Timer(grace, self.stuck_quit, (128 + signum,))
                watchdog.daemon = True
                watchdog.start()

    def release_panes(self) -> None:
        """Let the other panes mount after the next paint: the Dataset pane's figures
        are on screen, or the load failed. Mounting them takes ~0.4 s of the UI thread,
        which would otherwise slow the dataset job (measured: the counts of a ``--data``
        start 0.3-0.8 s later); until then a pane asked for is mounted at once."""
        if not self.panes_released:
            self.panes_released = True
            self.call_after_refresh(self.mount_panes)

    def cached_counts(self) -> Manifest | None:
        """The start-up release's counts from its cache manifest, read once (None: not
        cached, ``--data`` given, a dataset given, or already loaded)."""
        if self._cached_counts is False:
            self._cached_counts = None
            if self._given_dataset is None:
                from movielens_tui.data import source

                with contextlib.suppress(Exception):  # a broken cache only loses the preview
                    self._cached_counts = source.cached_counts(self.data, self.dataset_name)
        return self._cached_counts or None

    # ------------------------------------------------------------------ dataset

    @work(thread=True, exclusive=True, group="dataset", exit_on_error=False)
    def load_dataset(self, name: str | None = None) -> None:
        """Resolve and parse the dataset, then build the tables panes share.

        With ``name`` None this is the start-up load (``data`` / ``--dataset``, falling
        back to the bundled release offline); else the release the picker chose.
        """
        from movielens_tui.data import source, stats
        from movielens_tui.errors import MovieLensError

        worker = get_current_worker()
        switch = name is not None
        label = name or self.dataset_name or ("" if self.data else "ml-100k")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            now = time.monotonic()
            if now - last[0] >= 0.2 or done >= total:
                last[0] = now
                self.post_message(DownloadProgress(done, total, label, switch))

        def load(_stop: object) -> tuple[Dataset, str | None]:
            if name is not None:
                return open_release(name, progress), None
            if self._given_dataset is not None:
                return self._given_dataset, None
            return source.load_or_fallback(self.data, self.dataset_name, progress)

        # on a job thread: a download whose server stalls blocks in a socket read (up to
        # its timeout) and never reaches the progress callback; quitting must not wait
        outcome = run_job(load, name=LOAD_THREAD_NAME, cancelled_by=(_Cancelled,),
                          what="loading the dataset")  # fmt: skip
        if isinstance(outcome, Cancelled) or worker.is_cancelled:
            return
        if not isinstance(outcome, Done):
            error = outcome.error
            text = str(error) if isinstance(error, MovieLensError) else (
                f"could not load the dataset: {error!r}")  # fmt: skip
            self.post_message(DatasetFailed(text, name, switch))
            return
        dataset, notice = outcome.value
        try:
            movie_stats = stats.movie_table(dataset)
            title_index = _title_index(dataset)
        except Exception as exc:  # noqa: BLE001 - shown to the user, not swallowed
            self.post_message(DatasetFailed(f"could not load the dataset: {exc!r}", name, switch))
            return
        if not worker.is_cancelled:
            self.post_message(DatasetLoaded(dataset, movie_stats, title_index, notice, switch))

    @on(DatasetLoaded)
    def _dataset_loaded(self, message: DatasetLoaded) -> None:
        if message.switch and message.dataset.name != self._switching:
            return  # a load the user cancelled or replaced
        self._switching = None
        previous = self.dataset
        self.movie_stats = message.movie_stats
        self.title_index = message.title_index
        self.data_error = None
        if message.switch:
            self.model_path_arg = None  # --model belonged to the dataset opened at start-up
            if self.model is not None:
                self.set_active_model(None)  # before the dataset: panes never mix the two
        self.show_notice(message.notice)
        self.dataset = message.dataset
        self._show_header()
        picker = self._picker()
        if message.switch and picker is not None:
            picker.dismiss(message.dataset.name)
        if message.switch:
            was = f" (was {previous.name})" if previous is not None else ""
            self.notify(f"Opened {message.dataset.name}{was}", title="Dataset")
        self.call_after_refresh(freeze_heap)  # the dataset and panes stay: spare the GC
        self.load_saved_model(message.dataset, self.model_path_arg)

    @on(DownloadProgress)
    def _download_progress(self, message: DownloadProgress) -> None:
        if message.switch:
            picker = self._picker()
            if picker is not None:
                picker.show_progress(message.done, message.total)
            return
        mb = 1024 * 1024
        pct = f" {message.done / message.total:.0%}" if message.total else ""
        name = f" {message.name}" if message.name else ""
        self.pane("dataset").show_message(
            f"Downloading MovieLens{name}{pct} ({message.done / mb:.1f} of "
            f"{message.total / mb:.1f} MB)… ctrl+q cancels"
        )

    @on(DatasetFailed)
    def _dataset_failed(self, message: DatasetFailed) -> None:
        if message.switch:
            if message.name != self._switching:
                return
            self._switching = None
            short = message.message.split(";")[0].strip()
            picker = self._picker()
            if picker is not None:
                picker.show_failure(f"Could not open {message.name}: {short}.")
            current = f"; {self.dataset.name} stays open" if self.dataset is not None else ""
            self.notify(f"{message.message}{current}", title="Dataset not opened",
                        severity="error", timeout=15)  # fmt: skip
            if self.dataset is not None:
                return
        self.data_error = message.message
        self.release_panes()
        self.pane("dataset").show_message(
            f"Could not load the dataset: {message.message} (c chooses another)"
        )
        if not message.switch:
            self.notify(message.message, title="Dataset", severity="error", timeout=15)

    def show_notice(self, notice: str | None) -> None:
        """Show ``notice`` in the one line above the footer (None hides it)."""
        self.notice = notice
        line = next(iter(self.query("#dataset-notice").results(Static)), None)
        if line is None:  # the app is closing
            return
        line.update(_one_line(notice) if notice else "")
        line.tooltip = notice
        line.set_class(bool(notice), "-shown")
        if notice:
            self.notify(notice, title="Dataset", severity="warning", timeout=8)

    # ------------------------------------------------------------------ dataset picker

    def action_choose_dataset(self) -> None:
        """Open the dataset picker (refused while a training runs)."""
        if self._picker() is not None:
            return
        refusal = self.switch_refusal()
        if refusal:
            self.notify(refusal, title="Dataset", severity="warning", timeout=8)
            return
        current = self.dataset.name if self.dataset is not None else None
        self.push_screen(DatasetPicker(current))

    def switch_refusal(self) -> str | None:
        """Why the dataset cannot be switched now (a training is running), or None."""
        busy = self.busy_training_groups()
        if "train" in busy:
            return "A training run is going on in Train: stop it (2, s) before switching dataset"
        if "you-retrain" in busy:
            return "Retraining with your ratings is going on: stop it (6, r) before switching"
        return None

    def busy_training_groups(self) -> set[str]:
        """The training worker groups (Train, You) with a run going on."""
        return {w.group for w in self.workers if w.group in TRAINING_GROUPS and not w.is_finished}

    def _picker(self) -> DatasetPicker | None:
        screen = self.screen
        return screen if isinstance(screen, DatasetPicker) else None

    @on(DatasetChosen)
    def _dataset_chosen(self, message: DatasetChosen) -> None:
        picker = self._picker()
        refusal = self.switch_refusal()
        if refusal:
            if picker is not None:
                picker.show_failure(refusal + ".")
            return
        self._switching = message.name
        if picker is not None:
            picker.show_busy(message.name)
        self.load_dataset(message.name)

    @on(DatasetSwitchCancelled)
    def _switch_cancelled(self, _message: DatasetSwitchCancelled) -> None:
        name, self._switching = self._switching, None
        self.workers.cancel_group(self, "dataset")
        picker = self._picker()
        if picker is not None and name is not None:
            picker.show_cancelled(name)
        if self.dataset is None:  # the start-up load was replaced, then cancelled
            self.data_error = "No dataset is open: press c to choose one"
            self.release_panes()
            self.pane("dataset").show_message(self.data_error)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """App keys that act on the panes are off while the picker is open."""
        if action in PICKER_BLOCKS and self._picker() is not None:
            return False
        return True

    # ------------------------------------------------------------------ models

    @work(thread=True, exclusive=True, group="model-load", exit_on_error=False)
    def load_saved_model(self, dataset: Dataset, path: Path | None) -> None:
        """Load ``path`` (``--model``) or the dataset's default model if it exists."""
        from movielens_tui.errors import MovieLensError
        from movielens_tui.models import store

        explicit = path is not None
        target = path if path is not None else store.default_model_path(dataset.name)
        if not explicit and not target.exists():
            return
        try:
            model = store.load(target, dataset)
        except MovieLensError as exc:
            self.post_message(ModelLoadFailed(target, str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - a refused file must not stop the app
            self.post_message(ModelLoadFailed(target, f"{target}: cannot load it ({exc!r})"))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(ModelLoaded(model, target))

    @on(ModelLoaded)
    def _model_loaded(self, message: ModelLoaded) -> None:
        fingerprint = getattr(message.model, "dataset_fingerprint", None)
        if self.dataset is not None and fingerprint not in (None, self.dataset.fingerprint):
            return  # loaded for the dataset open before a switch
        if self.model is None or self.model_path_arg is not None:
            self.set_active_model(message.model, message.path)

    @on(ModelLoadFailed)
    def _model_refused(self, message: ModelLoadFailed) -> None:
        self.notify(message.message, title="Model not loaded", severity="warning", timeout=12)

    def set_active_model(self, model: TrainedModel | None, path: Path | None = None) -> None:
        """Make ``model`` the active model (one assignment; panes follow their watchers)."""
        self.model_path = path
        self.model = model
        self.post_message(ModelActivated(model, path))
        if model is not None:
            where = f" from {path.name}" if path else ""
            self.notify(f"Active model: {model.preset}{where}", title="Model", timeout=3)

    # ------------------------------------------------------------------ actions

    @property
    def active_pane_name(self) -> str:
        active = self.query_one("#tabs", TabbedContent).active
        return active.removeprefix("tab-") if active else PANES[0][0]

    def mount_panes(self) -> AwaitComplete:
        """Mount every pane still waiting for its turn (they mount after the first paint)."""
        return AwaitComplete(*(lazy.mount_now() for lazy in self.query(LazyPane)))

    def pane(self, name: str) -> Pane:
        """The pane called ``name`` (dataset, train, neighbors, users, map, you, compare); one
        still waiting to be mounted is returned too (it is mounted next)."""
        found = self.query(f"#pane-{name}").results(Pane)
        pane = next(iter(found), None)
        if pane is not None:
            return pane
        for lazy in self.query(LazyPane):
            if lazy.pane.id == f"pane-{name}":
                self.run_worker(lazy.mount_now(), group="mount-panes")
                return lazy.pane
        return self.query_one(f"#pane-{name}", Pane)

    async def action_show_pane(self, name: str) -> None:
        """Switch to a pane and put the focus inside it so its keys work."""
        await self.mount_panes()
        tabs = self.query_one("#tabs", TabbedContent)
        tabs.active = f"tab-{name}"
        self._focus_inside(name)
        self.save_settings()

    def action_help(self) -> None:
        """Open the help screen: the shown pane's keys, then the app's."""
        from movielens_tui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        name = self.active_pane_name
        label = next((lab for key, lab, _ in PANES if key == name), name)
        pane = self.pane(name)
        pane_bindings = list(self._bindings_of(pane))
        seen_types: set[type] = {type(pane)}
        for widget in pane.query("*"):
            kind = type(widget)
            if kind not in seen_types and kind.__module__.startswith("movielens_tui"):
                seen_types.add(kind)
                pane_bindings += self._bindings_of(widget)
        sections = [(f"{label} pane", pane_bindings), ("Everywhere", self._bindings_of(self))]
        self.push_screen(HelpScreen(sections))

    def action_export_table(self) -> None:
        """Export the table in view to CSV and say where it went (one line)."""
        from movielens_tui.tui.export import export_table, table_in_view

        name = self.active_pane_name
        table = table_in_view(self.pane(name), self.focused)
        if table is None:
            self.notify("Nothing to export here: no table with rows in this pane",
                        title="Export", severity="warning")  # fmt: skip
            return
        dataset = self.dataset.name if self.dataset is not None else None
        try:
            path = export_table(table, name, dataset)
        except OSError as exc:
            self.notify(f"Export failed: {exc}", title="Export", severity="error")
            return
        self.notify(f"Exported {table.row_count} rows to {path}", title="Export", timeout=8)

    def _focus_inside(self, name: str) -> None:
        pane = self.pane(name)
        if not pane.is_mounted:
            return
        focused = self.focused
        if focused is not None and pane in focused.ancestors_with_self:
            return
        pane.focus_default()

    async def action_search(self) -> None:
        """Jump to the Neighbors search box."""
        await self.mount_panes()
        self.query_one("#tabs", TabbedContent).active = "tab-neighbors"
        pane = self.pane("neighbors")
        if not pane.focus_search():
            _focus_first_input(pane)

    def action_toggle_measure(self) -> None:
        """Switch between DOT and COSINE scores."""
        self.measure = MEASURES[(MEASURES.index(self.measure) + 1) % len(MEASURES)]

    def watch_measure(self) -> None:
        self._show_header()

    @property
    def dataset_label(self) -> str:
        """The open release's name, or what is being opened."""
        if self.dataset is not None:
            return self.dataset.name
        return f"{self.dataset_name or ('ml-100k' if not self.data else 'dataset')}…"

    def _show_header(self) -> None:
        self.sub_title = f"{self.dataset_label} · measure: {self.measure.upper()}"

    def format_title(self, title: str, sub_title: str) -> Content:
        """The header: the app name (when there is room), the dataset and the measure."""
        parts: list[str | tuple[str, str]] = []
        if title:
            parts += [title, (" — ", "dim")]
        parts += [(self.dataset_label, "bold"), (" · ", "dim")]
        parts += [("measure: ", "dim"), (self.measure.upper(), "bold")]
        return Content.assemble(*parts)

    def on_resize(self, event: events.Resize) -> None:
        self.title = self.TITLE if event.size.width >= NARROW_TITLE_WIDTH else ""

    def action_leave_input(self) -> None:
        """Leave a text field so the single-key bindings work again."""
        focused = self.focused
        if isinstance(focused, Input):
            self.pane(self.active_pane_name).focus_self()

    async def action_quit(self) -> None:
        """Quit at once: cancel training, downloads and other workers first."""
        with contextlib.suppress(Exception):
            self.save_settings()
        self.workers.cancel_all()
        self.exit(0)

    # ------------------------------------------------------------------ palette

    def palette_commands(self) -> Iterator[PaletteCommand]:
        """Every app and pane action, for the command palette."""

        async def terminal_theme() -> None:
            self.theme = TERMINAL_THEME

        yield PaletteCommand(
            "Theme: follow the terminal",
            "the terminal's own ANSI colours (Textual's ansi-dark); 'Theme' lists all",
            terminal_theme,
        )
        for binding in self._bindings_of(self):
            if binding.id == "leave-input":
                continue
            name = PALETTE_NAMES.get(binding.id or "", binding.description)
            if binding.id and binding.id.startswith("show-"):
                name = f"Go to {binding.description}"
            yield PaletteCommand(
                name,
                f"{_key_label(binding)} · {binding.tooltip or binding.action}",
                _runner(self, binding.action, self, None),
            )
        for name, label, _ in PANES:
            try:
                pane = self.pane(name)
            except Exception:  # noqa: BLE001 - a pane that failed to mount has no commands
                continue
            for binding in self._bindings_of(pane):
                if not binding.description:
                    continue
                yield PaletteCommand(
                    f"{label}: {binding.description}",
                    f"{_key_label(binding)} in {label} · {binding.tooltip or binding.action}",
                    _runner(self, binding.action, pane, name),
                )
            yield from pane.palette_commands()

    @staticmethod
    def _bindings_of(node: Widget | App[Any]) -> list[Binding]:
        seen: set[str] = set()
        out = []
        for bindings in BindingsMap(type(node).BINDINGS).key_to_bindings.values():
            for binding in bindings:
                if binding.action not in seen:
                    seen.add(binding.action)
                    out.append(binding)
        return out


def _one_line(notice: str) -> str:
    """``notice`` for the one-line display: the download URL left out (the toast and
    the tooltip show it whole)."""
    return re.sub(r"downloading \S+ failed: ", "", notice)


def open_release(name: str, progress: Any = None) -> Dataset:
    """Open the registry release ``name`` (bundled, cached, or downloaded now).

    ``MOVIELENS_TUI_DATA`` names one local copy for start-up; a release chosen in the
    picker comes from the package or the cache instead.
    """
    from movielens_tui.data import layouts, registry, source
    from movielens_tui.data.download import fetch
    from movielens_tui.paths import cache_dir

    if not os.environ.get(source.DATA_ENV):
        return source.load(None, name, progress)
    spec = registry.get(name)
    bundled = registry.bundled_zip(spec)
    if bundled is not None:
        return source.load(bundled, name)
    folder = fetch(spec, cache_dir(), progress, url=os.environ.get(source.URL_ENV) or None)
    return layouts.load(folder, spec)


def _key_label(binding: Binding) -> str:
    key = binding.key_display or binding.key
    return {"slash": "/", "ctrl+q": "ctrl+q"}.get(key, key)


def _runner(app: MovieLensApp, action: str, node: Any, pane: str | None) -> Any:
    async def run() -> None:
        if pane is not None:
            await app.action_show_pane(pane)
        await app.run_action(action, node)

    return run


def _focus_first_input(pane: Widget) -> None:
    for widget in pane.query(Input):
        focus_now(widget)
        return


def _title_index(dataset: Dataset) -> Any:
    """The fuzzy title index shared by the search boxes."""
    from movielens_tui.search import TitleIndex

    return TitleIndex(list(dataset.movies["title"]))


# ---------------------------------------------------------------------- running


def _discard_abandoned_download(started: float) -> None:
    """Quit mid-download: the stuck thread dies with the process; remove its partial files
    (of whichever release it was: the start-up one or one chosen in the picker)."""
    from movielens_tui.data import registry
    from movielens_tui.data.download import discard_partial
    from movielens_tui.paths import cache_dir

    for spec in registry.REGISTRY.values():
        with contextlib.suppress(Exception):
            discard_partial(spec, cache_dir(), started)


def run_app(
    data: str | Path | None = None,
    model_path: Path | None = None,
    debug: bool = False,
    dataset_name: str | None = None,
) -> int:
    """Open the app (the ``movielens-tui`` default command); returns the exit code.

    ``dataset_name`` is ``--dataset`` (None: ml-100k, or the release ``data`` holds).

    While the app runs, native stderr (TensorFlow's C++ logging) goes to
    ``<data dir>/movielens-tui.log``; with ``debug`` its path is printed on exit.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from movielens_tui.paths import cache_dir, data_dir

    log_path = data_dir() / LOG_NAME
    app = MovieLensApp(data=data, model_path=model_path, dataset_name=dataset_name,
                       handle_signals=True, remember=True)  # fmt: skip
    started = time.time()
    # TensorFlow's autograph files go to a private folder removed below: os._exit skips
    # the interpreter exit where TensorFlow would remove them
    with (
        private_temp_dir(cache_dir() / TEMP_FOLDER) as temp,
        native_stderr_to(log_path) as used_log,
    ):

        def stuck_quit(code: int) -> None:
            if temp is not None:
                remove_private(temp)
            if job_threads_alive((LOAD_THREAD_NAME,)):
                _discard_abandoned_download(started)
            os._exit(code)

        app.stuck_quit = stuck_quit
        app.run()
    code = app.return_code or 0
    if job_threads_alive((LOAD_THREAD_NAME,)):
        _discard_abandoned_download(started)
    if debug:
        print(f"native stderr of this session: {used_log or 'discarded'}", file=sys.stderr)
    if job_threads_alive(BACKGROUND_THREADS) or "tensorflow" in sys.modules or app.quit_signal:
        # Leave at once: without waiting for a training thread still importing
        # TensorFlow, without TensorFlow's slow (seconds) and chatty teardown, and after
        # SIGHUP without Textual's input thread, which spins on a terminal that is gone.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    return code
