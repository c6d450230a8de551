"""The job helper (typed outcomes, cancellation) and the start-up / process pieces:
counts from the cache manifest in the first paint, the private temp folder, SIGTERM."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest
from pane_support import settle
from textual.app import App

from movielens_tui.errors import DataError
from movielens_tui.tui.app import LazyPane, MovieLensApp
from movielens_tui.tui.jobs import Cancelled, Done, Failed, job_threads_alive, run_job
from movielens_tui.tui.panes.base import Pane
from movielens_tui.tui.process import private_temp_dir, remove_stale_temp


class _Host(App[None]):
    """A bare app to run thread workers in."""


async def _run(work, **options):  # noqa: ANN001, ANN003, ANN202 - test helper
    """run_job(work) in a thread worker of a bare app; returns (outcome, worker)."""
    app = _Host()
    async with app.run_test():
        worker = app.run_worker(lambda: run_job(work, **options), thread=True)
        await worker.wait()
        return worker.result, worker


async def test_a_job_that_returns_is_done() -> None:
    outcome, _ = await _run(lambda stop: 42)
    assert outcome == Done(42)


async def test_a_job_that_raises_fails_with_one_line() -> None:
    def work(stop):  # noqa: ANN001, ANN202
        raise DataError("u.data: line 3 is not a rating")

    outcome, _ = await _run(work)
    assert isinstance(outcome, Failed)
    assert outcome.message == "u.data: line 3 is not a rating"  # a domain error's own text
    outcome, _ = await _run(lambda stop: 1 / 0, what="projection")
    assert isinstance(outcome, Failed) and outcome.message.startswith("projection failed: ")
    assert isinstance(outcome.error, ZeroDivisionError)


async def test_the_jobs_own_stop_exception_means_cancelled() -> None:
    class Stopped(Exception):
        pass

    def work(stop):  # noqa: ANN001, ANN202
        raise Stopped

    outcome, _ = await _run(work, cancelled_by=(Stopped,))
    assert isinstance(outcome, Cancelled)


async def test_cancel_returns_at_once_even_when_the_work_is_stuck() -> None:
    """The worker comes back within a poll; the stuck thread is left behind (daemon)."""
    release = threading.Event()
    seen_stop: list[bool] = []

    def work(stop):  # noqa: ANN001, ANN202
        release.wait(10)  # e.g. a socket read of a stalled download
        seen_stop.append(stop())
        return "late"

    app = _Host()
    async with app.run_test():
        outcomes: list[object] = []
        worker = app.run_worker(
            lambda: outcomes.append(run_job(work, name="test-stuck-job")), thread=True
        )
        await _until(lambda: job_threads_alive(("test-stuck-job",)))
        started = time.monotonic()
        worker.cancel()
        await _until(lambda: bool(outcomes), 5)
        assert time.monotonic() - started < 1.0
        assert outcomes == [Cancelled()]
        assert job_threads_alive(("test-stuck-job",))
    release.set()
    await _until(lambda: not job_threads_alive(("test-stuck-job",)))
    assert seen_stop == [True]  # the work was told to stop


async def _until(predicate, timeout: float = 5.0) -> None:  # noqa: ANN001
    import asyncio

    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.01)


# ---------------------------------------------------------------------- panes


async def test_panes_are_lazy_and_typed(make_app) -> None:
    """The Dataset pane is in the first paint; the others are mounted just after it;
    every pane is a Pane whose app is the MovieLensApp."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        assert not app.query(LazyPane)
        panes = list(app.query(".pane").results(Pane))
        names = ("dataset", "train", "neighbors", "users", "map", "you", "compare")
        assert [p.id for p in panes] == [f"pane-{n}" for n in names]
        assert all(p.app is app for p in panes)
        assert app.pane("dataset").focusable  # a VerticalScroll pane keeps its focus


# ---------------------------------------------------------------------- start-up counts


def _fill_cache(small_data_dir: Path) -> None:
    """ml-100k in the cache dir, as a download leaves it, with its columnar cache."""
    from movielens_tui.data import registry, source
    from movielens_tui.data.download import dataset_dir
    from movielens_tui.paths import cache_dir

    target = dataset_dir(registry.get("ml-100k"), cache_dir())
    shutil.copytree(small_data_dir, target)
    source.load()  # writes the columnar cache and its manifest


async def test_cached_start_shows_the_counts_before_the_dataset_loads(
    small_data_dir, small_dataset, monkeypatch, settle
) -> None:
    from movielens_tui.data import source

    _fill_cache(small_data_dir)
    real = source.load_or_fallback
    hold = threading.Event()

    def slow(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        hold.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(source, "load_or_fallback", slow)
    app = MovieLensApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        summary = str(app.query_one("#dataset-summary").render())
        assert app.dataset is None
        assert f"{small_dataset.n_users} users" in summary
        assert f"{small_dataset.n_movies} movies" in summary
        assert f"{small_dataset.n_ratings:,} ratings" in summary
        assert "loading the figures" in summary
        hold.set()
        await settle(pilot, app)
        summary = str(app.query_one("#dataset-summary").render())
        assert app.dataset is not None and "density" in summary
        assert f"{small_dataset.n_ratings:,} ratings" in summary


async def test_no_cached_counts_with_data_or_without_a_cache(make_app) -> None:
    app = make_app()
    assert app.cached_counts() is None  # --data: the files must be read
    assert MovieLensApp().cached_counts() is None  # nothing cached yet


# ---------------------------------------------------------------------- process


def test_private_temp_dir_is_used_and_removed(tmp_path: Path) -> None:
    before = tempfile.gettempdir()
    with private_temp_dir(tmp_path / "tmp") as folder:
        assert folder is not None and folder.parent == tmp_path / "tmp"
        assert tempfile.gettempdir() == str(folder) == os.environ["TMPDIR"]
        with tempfile.NamedTemporaryFile(prefix="__autograph_generated_file", suffix=".py",
                                         delete=False) as handle:  # fmt: skip
            assert Path(handle.name).parent == folder
    assert not folder.exists()
    assert tempfile.gettempdir() == before


def test_stale_private_temp_dirs_are_removed(tmp_path: Path) -> None:
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f"run-{gone}-abc"
    mine = tmp_path / f"run-{os.getpid()}-xyz"
    other = tmp_path / "keep-me"
    for folder in (stale, mine, other):
        folder.mkdir()
    remove_stale_temp(tmp_path)
    assert not stale.exists() and mine.exists() and other.exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
async def test_sigterm_and_sighup_quit_like_ctrl_q(make_app, settle, signum) -> None:
    app = make_app(handle_signals=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        os.kill(os.getpid(), signum)
        await _until(lambda: app.quit_signal is not None, 5)
        await pilot.pause()
    assert app.return_code == 128 + signum
    assert app.quit_signal == signum
    assert signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler, None)
