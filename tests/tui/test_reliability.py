"""Faults while the app works: divergence, cancelling, resizing and quitting mid-download.

Training tests start with a previous model saved at the dataset's default path (the
app loads it at start-up); a failed or stopped run must leave it active and its file
byte-identical.
Downloads come from a deliberately slow HTTP server on 127.0.0.1; no test uses the
network. The last test runs the real program in tmux and times ctrl+q mid-download.
"""

from __future__ import annotations

import math
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pane_support import ended_done, ended_failed
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from movielens_tui.data import source
from movielens_tui.models import store, trainer
from movielens_tui.models.trained import TrainedModel
from movielens_tui.paths import cache_dir
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.messages import (
    ModelActivated,
    TrainingProgress,
)
from movielens_tui.tui.panes.train import TrainPane
from movielens_tui.tui.training_job import TRAIN_THREAD_NAME
from movielens_tui.tui.widgets.loss_chart import LossChart

TMUX = shutil.which("tmux")

HUNG = 15.0  # seconds after ctrl+q that count as a hang (not a speed claim)


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def tiny_model(small_dataset) -> TrainedModel:
    """A real mf model (10 iterations) on the small dataset."""
    return trainer.train(small_dataset, "mf", {"iterations": 10})


@pytest.fixture
def saved_model(tiny_model: TrainedModel, small_dataset) -> Path:
    """``tiny_model`` saved where the app looks for the dataset's model at start-up."""
    path = store.default_model_path(small_dataset.name)
    store.save(tiny_model, path)
    return path


async def _wait_until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def _training_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == TRAIN_THREAD_NAME and t.is_alive()]


def _wait_for_training_threads(timeout: float = 30) -> None:
    """Stopped runs leave their daemon thread to notice; later tests need the lock free."""
    for thread in _training_threads():
        thread.join(timeout)
    assert not _training_threads()


async def _start_with_previous_model(app: MovieLensApp, pilot: Pilot, settle) -> TrainedModel:
    """Wait for the saved model to become active; open Train with the mf preset."""
    await settle(pilot, app)
    await _wait_until(pilot, lambda: app.model is not None)
    await pilot.press("2")
    await pilot.pause()
    select = app.query_one("#preset", Select)
    if select.value != "mf":
        select.value = "mf"
        await settle(pilot, app)
    assert app.model is not None
    return app.model


async def _fill(app: MovieLensApp, pilot: Pilot, **values: str) -> None:
    for name, value in values.items():
        app.query_one(f"#param-{name}", Input).value = value
    await pilot.pause()
    app.query_one("#train-button", Button).focus()


def _status(app: MovieLensApp) -> str:
    return str(app.query_one("#train-status", Static).render())


def _charted(app: MovieLensApp) -> list[float]:
    return [v for chart in app.query(LossChart) for vs in chart.series.values() for v in vs]


class ConcurrencyProbe:
    """Wraps ``trainer.train`` to count how many trainings run at the same time."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.active = 0
        self.most = 0
        self.calls = 0
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()
        real = trainer.train

        def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
            with self._lock:
                self.calls += 1
                self.active += 1
                self.most = max(self.most, self.active)
            try:
                return real(*args, **kwargs)
            except BaseException as exc:
                self.errors.append(exc)
                raise
            finally:
                with self._lock:
                    self.active -= 1

        monkeypatch.setattr(trainer, "train", counted)


# --------------------------------------------------------------------------- training


async def test_divergence_at_learning_rate_1e6_keeps_the_previous_model(
    make_app, settle, saved_model: Path
) -> None:
    seen: list[object] = []
    on_disk = saved_model.read_bytes()
    mtime = saved_model.stat().st_mtime_ns
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        before = await _start_with_previous_model(app, pilot, settle)
        await _fill(app, pilot, iterations="60", learning_rate="1e6")
        pane = app.query_one(TrainPane)
        assert pane.params is not None and pane.params["learning_rate"] == 1e6  # not refused
        activations = sum(isinstance(m, ModelActivated) for m in seen)
        await pilot.press("s")
        assert pane.run == 1
        await settle(pilot, app)
        failed = [m for m in seen if ended_failed(m)]
        assert [m.reason for m in failed] == ["diverged"]
        assert "diverged at step" in _status(app)
        assert "The previous model (mf) stays active." in _status(app)
        assert any("diverged" in n.message for n in app._notifications)
        assert not [m for m in seen if ended_done(m)]
        assert sum(isinstance(m, ModelActivated) for m in seen) == activations
        assert app.model is before
        charted = _charted(app)
        assert charted and all(math.isfinite(v) for v in charted)  # step 0 shown, no NaN
        assert not pane.running
    assert saved_model.read_bytes() == on_disk
    assert saved_model.stat().st_mtime_ns == mtime
    _wait_for_training_threads()


async def test_cancel_mid_run_keeps_the_previous_model_and_never_runs_two(
    make_app, settle, saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = ConcurrencyProbe(monkeypatch)
    seen: list[object] = []
    on_disk = saved_model.read_bytes()
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        before = await _start_with_previous_model(app, pilot, settle)
        await _fill(app, pilot, iterations="2000000")
        pane = app.query_one(TrainPane)
        await pilot.press("s")
        await _wait_until(pilot, lambda: any(isinstance(m, TrainingProgress) for m in seen))
        assert pane.running and probe.active == 1  # mid-run
        await pilot.press("s")
        await settle(pilot, app)
        assert [m.reason for m in seen if ended_failed(m)] == ["cancelled"]
        status = _status(app)
        assert "stopped at step" in status and "The previous model (mf) stays active." in status
        assert app.model is before
        # Hammer s: stops and restarts alternate, never two trainings at once.
        for _ in range(6):
            await pilot.press("s")
            await pilot.pause(0.05)
        if pane.running:
            await pilot.press("s")
        await settle(pilot, app)
        await _wait_until(pilot, lambda: not pane.running and probe.active == 0)
        assert probe.most == 1
        assert all(isinstance(e, trainer.TrainingCancelled) for e in probe.errors)
        assert not [m for m in seen if ended_failed(m) and m.reason == "error"]
        assert not [m for m in seen if ended_done(m)]
        assert app.model is before
        assert pane.run >= 2 and probe.calls == pane.run  # restarts did happen
    assert saved_model.read_bytes() == on_disk
    _wait_for_training_threads()


async def test_resizing_during_training(
    make_app, settle, saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Training is held at step 10 while the terminal shrinks to 40×12 and back."""
    hold, held_at_10 = threading.Event(), threading.Event()
    real_train = trainer.train

    def held(*args, callback=None, **kwargs):  # type: ignore[no-untyped-def]
        def report(progress: trainer.Progress) -> None:
            callback(progress)
            if progress.step == 10:
                held_at_10.set()
                assert hold.wait(60)

        return real_train(*args, callback=report, **kwargs)

    monkeypatch.setattr(trainer, "train", held)
    seen: list[object] = []
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        before = await _start_with_previous_model(app, pilot, settle)
        await _fill(app, pilot, iterations="300")
        pane = app.query_one(TrainPane)
        await pilot.press("s")
        await _wait_until(pilot, held_at_10.is_set)
        await _wait_until(pilot, lambda: any(isinstance(m, TrainingProgress) for m in seen))
        for size in [(40, 12), (120, 40), (20, 6), (40, 12), (81, 25), (100, 30)]:
            await pilot.resize_terminal(*size)
            await pilot.pause(0.05)
            assert app.size == size and pane.running
        hold.set()
        for size in [(40, 12), (100, 30)]:  # and while it runs to the end
            await pilot.resize_terminal(*size)
            await pilot.pause(0.02)
        await settle(pilot, app)
        finished = [m for m in seen if ended_done(m)]
        assert len(finished) == 1 and not [m for m in seen if ended_failed(m)]
        assert app.model is finished[0].trained.model and app.model is not before
        assert app.model.history[-1]["step"] == 300
        assert "done · step 300 / 300" in _status(app)
        assert app.query_one("#chart-0", LossChart).steps[-1] == 300
        assert app.size == (100, 30) and app.is_running
        assert app._exception is None
    _wait_for_training_threads()


async def test_panes_mounting_late_while_the_app_closes_is_harmless(make_app, settle) -> None:
    """A lazy pane's mount may come while quitting tears the screen down."""
    app = make_app()
    outcome: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        close_all = app._close_all

        async def close_then_mount() -> None:
            await close_all()
            try:
                app.mount_panes()
                outcome.append("ok")
            except Exception as exc:  # noqa: BLE001 - recorded for the assertion
                outcome.append(repr(exc))

        app._close_all = close_then_mount  # type: ignore[method-assign]
        await pilot.press("ctrl+q")
    assert outcome == ["ok"]
    assert app.return_code == 0


# --------------------------------------------------------------------------- download


class SlowServer:
    """Answers with a large Content-Length, then trickles ``chunk`` bytes per ``interval``."""

    def __init__(self, total: int = 4_000_000, chunk: int = 2048, interval: float = 0.05) -> None:
        self.requests: list[str] = []
        self.client_left = threading.Event()
        self.stop_event = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(total))
                self.end_headers()
                sent = 0
                try:
                    while sent < total and not server.stop_event.is_set():
                        self.wfile.write(b"\0" * chunk)
                        self.wfile.flush()
                        sent += chunk
                        server.stop_event.wait(interval)
                except OSError:
                    server.client_left.set()
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/mirror/ml-100k.zip"

    def stop(self) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(params=["trickle"])
def slow_server(request, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowServer]:
    """The slow server, set as the download URL through MOVIELENS_TUI_URL.

    "trickle": 2 KiB every 50 ms; "stalled": 64 KiB, then nothing for 100 s.
    """
    if request.param == "stalled":
        server = SlowServer(chunk=65536, interval=100.0)
    else:
        server = SlowServer()
    monkeypatch.setenv(source.URL_ENV, server.url)
    yield server
    server.stop()


def _cache_entries() -> list[str]:
    cache = cache_dir()
    return sorted(str(p.relative_to(cache)) for p in cache.rglob("*")) if cache.exists() else []


async def test_quit_during_a_download_cancels_it_and_leaves_the_cache_clean(
    slow_server: SlowServer, settle, monkeypatch: pytest.MonkeyPatch
) -> None:
    ended = threading.Event()
    outcome: dict[str, object] = {}
    real_load = source.load

    def load(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return real_load(*args, **kwargs)
        except BaseException as exc:
            outcome["error"] = type(exc).__name__  # not the exception: its frames hold the socket
            raise
        finally:
            outcome["ended"] = time.monotonic()
            ended.set()

    monkeypatch.setattr(source, "load", load)
    app = MovieLensApp()  # no --data, no MOVIELENS_TUI_DATA, empty cache: it downloads
    async with app.run_test(size=(100, 30)) as pilot:

        def summary() -> str:
            return str(app.query_one("#dataset-summary", Static).render())

        await _wait_until(pilot, lambda: "Downloading MovieLens" in summary(), timeout=20)
        assert "ctrl+q cancels" in summary()
        assert slow_server.requests == ["/mirror/ml-100k.zip"]
        assert [p for p in _cache_entries() if "tmp" in p]  # pooch's partial file exists
        worker = next(w for w in app.workers if w.group == "dataset")
        assert worker.is_running
        quit_at = time.monotonic()
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    assert worker.is_cancelled
    assert ended.wait(10), "the download thread kept running"
    took = float(outcome["ended"]) - quit_at  # type: ignore[arg-type]
    print(f"download thread ended {took:.2f} s after ctrl+q")
    assert took < HUNG
    assert outcome.get("error") == "_Cancelled"
    assert slow_server.client_left.wait(5)  # the connection was closed
    assert _cache_entries() == []
    assert app.dataset is None


class Tmux:
    """``python -m movielens_tui ARGS`` in a private tmux server (100×30)."""

    def __init__(self, args: str, env_names: tuple[str, ...]) -> None:
        env = {name: os.environ[name] for name in env_names}
        env["TERM"] = "xterm-256color"
        assignments = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        command = (
            f"env -u MOVIELENS_TUI_DATA {assignments} {shlex.quote(sys.executable)} "
            f"-m movielens_tui {args}; echo EXITED-$?; sleep 30"
        )
        self.name = f"mltui-rel-{uuid.uuid4().hex[:8]}"
        self._tmux("new-session", "-d", "-s", "app", "-x", "100", "-y", "30", command)

    def _tmux(self, *args: str) -> str:
        out = subprocess.run([TMUX, "-L", self.name, *args], capture_output=True, text=True,
                             timeout=20)  # type: ignore[list-item]  # fmt: skip
        return out.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "app")

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "app", *keys)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text not in (screen := self.screen()):
            assert time.monotonic() < deadline, f"never saw {text!r}:\n{screen}"
            time.sleep(0.05)
        return screen

    def quit_and_time(self) -> float:
        """Send ctrl+q; seconds until the process is gone (fails after ``HUNG`` s: a hang
        detector, generous for a loaded machine, not a speed claim)."""
        self.send("C-q")
        sent = time.monotonic()
        while "EXITED-" not in (screen := self.screen()):
            assert time.monotonic() - sent < HUNG, f"still running {HUNG} s after ctrl+q:\n{screen}"
            time.sleep(0.02)
        took = time.monotonic() - sent
        assert "EXITED-0" in screen and "Traceback" not in screen, screen
        return took

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
@pytest.mark.parametrize("slow_server", ["trickle", "stalled"], indirect=True)
def test_real_process_quits_mid_download_at_once(slow_server: SlowServer) -> None:
    """``python -m movielens_tui`` downloading from the slow server; ctrl+q ends it.

    Stalled, the download thread is blocked in a socket read (30 s timeout): the
    program must exit without it and remove its partial file itself.
    """
    term = Tmux("", ("MOVIELENS_TUI_HOME", "MOVIELENS_TUI_CACHE", "MOVIELENS_TUI_URL"))
    try:
        term.wait_for("Downloading MovieLens")
        assert any("tmp" in p for p in _cache_entries())  # pooch's partial file
        time.sleep(0.3)  # stalled: the read is now blocked
        took = term.quit_and_time()
        print(f"real process gone {took:.2f} s after ctrl+q mid-download")
    finally:
        term.close()
    assert _cache_entries() == []


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
def test_real_process_quits_mid_training_at_once(saved_model: Path, small_data_dir: Path) -> None:
    """ctrl+q right after s: gone at once, the previous model file untouched."""
    on_disk = saved_model.read_bytes()
    term = Tmux(f"--data {shlex.quote(str(small_data_dir))}",
                ("MOVIELENS_TUI_HOME", "MOVIELENS_TUI_CACHE"))  # fmt: skip
    try:
        term.wait_for("Active model: mf")
        term.send("2")
        term.wait_for("Start (s)")
        term.send("s")
        screen = term.wait_for("Stop (s)")
        # Quit at once: the training thread is importing TensorFlow (seconds, not
        # interruptible) or fitting; neither may hold the exit up.
        took = term.quit_and_time()
        words = " ".join(screen.split())
        assert "Run 1: starting biased-mf" in words or "training" in words
        print(f"real process gone {took:.2f} s after ctrl+q mid-training")
    finally:
        term.close()
    assert saved_model.read_bytes() == on_disk


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed")
@pytest.mark.parametrize("slow_server", ["stalled"], indirect=True)
def test_real_process_quits_mid_picker_download_at_once(
    slow_server: SlowServer, small_data_dir: Path
) -> None:
    """ctrl+q while the dataset picker downloads ml-1m from a stalled server: gone at
    once, and the partial file of that release (not the default one) is removed."""
    from movielens_tui.data import registry
    from movielens_tui.data.download import dataset_dir

    folder = dataset_dir(registry.get("ml-1m"), cache_dir()).parent
    term = Tmux(f"--data {shlex.quote(str(small_data_dir))}",
                ("MOVIELENS_TUI_HOME", "MOVIELENS_TUI_CACHE", "MOVIELENS_TUI_URL"))  # fmt: skip
    try:
        term.wait_for("c Datasets")
        term.send("c")
        term.wait_for("Choose a dataset")
        term.send("Down", "Down", "Enter")  # ml-100k is open: two rows down is ml-1m
        term.wait_for("Downloading ml-1m")
        term.wait_for("% (")  # bytes arrived: pooch's partial file exists
        assert folder.is_dir() and any(p.name.startswith("tmp") for p in folder.iterdir())
        time.sleep(0.3)  # the read is now blocked
        took = term.quit_and_time()
        print(f"real process gone {took:.2f} s after ctrl+q mid picker download")
    finally:
        term.close()
    assert not folder.exists()
