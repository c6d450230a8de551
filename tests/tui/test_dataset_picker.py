"""The dataset picker (c): the registry listed, switching releases, the offline fallback
notice, cancelling a download with escape, and refusing to switch while training.

No test uses the network (tests/conftest.py refuses every non-loopback name lookup);
the download comes from a slow HTTP server on 127.0.0.1 through MOVIELENS_TUI_URL.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, ProgressBar, Static

from movielens_tui.data import registry, source
from movielens_tui.data.download import dataset_dir
from movielens_tui.models.trained import TrainedModel
from movielens_tui.paths import cache_dir
from movielens_tui.tui.app import MovieLensApp
from movielens_tui.tui.screens.dataset_picker import DatasetPicker

SIZE = (100, 30)


async def _wait_until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


async def _open_picker(pilot: Pilot, app: MovieLensApp) -> DatasetPicker:
    app.set_focus(None)
    await pilot.press("c")
    await _wait_until(pilot, lambda: isinstance(app.screen, DatasetPicker))
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def _choose(pilot: Pilot, picker: DatasetPicker, name: str) -> None:
    options = picker.query_one(OptionList)
    options.highlighted = list(registry.REGISTRY).index(name)
    await pilot.pause()
    await pilot.press("enter")


def _summary(app: MovieLensApp) -> str:
    return str(app.query_one("#dataset-summary", Static).render())


def _notice(app: MovieLensApp) -> Static:
    return app.query_one("#dataset-notice", Static)


def _numpy_model(dataset) -> TrainedModel:
    """A small mf model built without TensorFlow (what the app loads is only arrays)."""
    rng = np.random.default_rng(0)
    return TrainedModel(
        preset="mf",
        kind="mf",
        params={"dim": 3},
        movie_embeddings=rng.normal(size=(dataset.n_movies, 3)).astype(np.float32),
        user_embeddings=rng.normal(size=(dataset.n_users, 3)).astype(np.float32),
        history=[{"step": 0, "train_error": 1.0}],
        metric_groups=[["train_error"]],
        dataset_name=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
    )


def _download_entries(name: str) -> list[Path]:
    """What a download of ``name`` left in the cache (its folder, pooch's partial file)."""
    folder = dataset_dir(registry.get(name), cache_dir()).parent
    return list(folder.rglob("*")) + [folder] if folder.exists() else []


async def test_picker_lists_every_release_and_marks_the_bundled_one(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        picker = await _open_picker(pilot, app)
        options = picker.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids == list(registry.REGISTRY) and len(ids) == 7
        lines = {i: str(options.get_option(i).prompt) for i in ids}
        assert "✓ bundled" in lines["ml-latest-small"] and "0.9 MB" in lines["ml-latest-small"]
        assert "● open" in lines[app.dataset.name]
        for name in ids:
            spec = registry.get(name)
            assert spec.summary in lines[name]
            assert f"{spec.size / 1024 / 1024:.1f} MB" in lines[name]
            if name != "ml-latest-small":
                assert "download" in lines[name]  # the cache is empty
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DatasetPicker)


async def test_choosing_ml_latest_small_switches_the_panes(make_app, settle, small_dataset) -> None:
    from movielens_tui.models import store

    store.save(_numpy_model(small_dataset), store.default_model_path(small_dataset.name))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.model is not None and small_dataset.name in app.sub_title
        picker = await _open_picker(pilot, app)
        await _choose(pilot, picker, "ml-latest-small")
        await _wait_until(pilot, lambda: app.dataset.name == "ml-latest-small")
        await settle(pilot, app)
        assert not isinstance(app.screen, DatasetPicker)
        assert app.model is None  # the previous dataset's model is not kept
        assert "ml-latest-small" in app.sub_title
        await _wait_until(pilot, lambda: "610" in _summary(app))
        text = _summary(app)
        assert "610 users" in text and "9,742 movies" in text and "100,836 ratings" in text
        assert any("Opened ml-latest-small" in n.message for n in app._notifications)


async def test_offline_start_falls_back_to_the_bundled_release_with_a_notice(
    settle, small_data_dir: Path
) -> None:
    app = MovieLensApp()  # default ml-100k, no network, empty cache
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.dataset is not None and app.dataset.name == "ml-latest-small"
        notice = _notice(app)
        assert notice.display and notice.region.height == 1
        line = str(notice.render())
        assert "opened the bundled ml-latest-small" in line and "ml-100k" in line
        assert app.notice and "--data" in app.notice
        assert "ml-latest-small" in app.sub_title

        # ml-100k still cannot be downloaded: a one-line failure, everything stays
        picker = await _open_picker(pilot, app)
        await _choose(pilot, picker, "ml-100k")
        await _wait_until(pilot, lambda: picker.busy is None)
        assert "Could not open ml-100k" in picker.status_text
        assert "ml-latest-small stays open" in picker.status_text
        assert app.dataset.name == "ml-latest-small" and notice.display
        await pilot.press("escape")

        # once ml-100k is in the cache, choosing it opens it at once and the notice goes
        shutil.copytree(small_data_dir, dataset_dir(registry.get("ml-100k"), cache_dir()))
        picker = await _open_picker(pilot, app)
        assert "✓ cached" in str(picker.query_one(OptionList).get_option("ml-100k").prompt)
        await _choose(pilot, picker, "ml-100k")
        await _wait_until(pilot, lambda: app.dataset.name == "ml-100k")
        await settle(pilot, app)
        assert not notice.display and app.notice is None


class SlowServer:
    """Answers with a 4 MB Content-Length, then trickles 2 KiB every 50 ms."""

    def __init__(self, total: int = 4_000_000) -> None:
        self.requests: list[str] = []
        self.client_left = threading.Event()
        self.stop_event = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", str(total))
                self.end_headers()
                try:
                    for _ in range(total // 2048):
                        if server.stop_event.wait(0.05):
                            break
                        self.wfile.write(b"\0" * 2048)
                        self.wfile.flush()
                except OSError:
                    server.client_left.set()
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/mirror/ml-1m.zip"

    def stop(self) -> None:
        self.stop_event.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def slow_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowServer]:
    server = SlowServer()
    monkeypatch.setenv(source.URL_ENV, server.url)
    yield server
    server.stop()


async def test_escape_cancels_a_download_and_the_dataset_stays(
    make_app, settle, slow_server: SlowServer
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        before = app.dataset
        picker = await _open_picker(pilot, app)
        await _choose(pilot, picker, "ml-1m")
        bar = picker.query_one(ProgressBar)
        await _wait_until(pilot, lambda: "%" in picker.status_text and bar.progress > 0)
        assert "Downloading ml-1m " in picker.status_text
        assert bar.display and bar.total and bar.progress < bar.total
        assert "esc cancels" in str(picker.query_one("#picker-hint", Static).render())
        assert slow_server.requests == ["/mirror/ml-1m.zip"]
        assert _download_entries("ml-1m")  # pooch's partial file
        worker = next(w for w in app.workers if w.group == "dataset")
        await pilot.press("escape")
        await pilot.pause()
        assert worker.is_cancelled
        assert isinstance(app.screen, DatasetPicker)  # cancelled, still choosing
        assert "Cancelled opening ml-1m" in picker.status_text and not bar.display
        assert slow_server.client_left.wait(5)  # the download thread let go of the socket
        await _wait_until(pilot, lambda: not _download_entries("ml-1m"), timeout=5)
        await settle(pilot, app)
        assert app.dataset is before
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DatasetPicker)


async def test_switching_is_refused_while_training(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        release = asyncio.Event()
        app.run_worker(release.wait(), group="train")  # stands in for a Train pane run
        await pilot.pause()
        app.set_focus(None)
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, DatasetPicker)
        assert any("before switching dataset" in n.message for n in app._notifications)
        release.set()
        await settle(pilot, app)
        await _open_picker(pilot, app)


async def test_palette_entry_opens_the_picker(make_app, settle) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "Choose dataset…" in [c.name for c in app.palette_commands()]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Choose dataset")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await _wait_until(pilot, lambda: isinstance(app.screen, DatasetPicker))
        await pilot.press("2")  # pane keys are off behind the picker
        await pilot.pause()
        assert app.query_one("#tabs").active == "tab-dataset"
