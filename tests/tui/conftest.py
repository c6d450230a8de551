"""Fixtures for the app's Pilot tests: an app on the small generated dataset, steady cursors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from movielens_tui.tui.app import MovieLensApp


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """No blinking cursor, so screenshots do not depend on timing."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None, raising=False)
    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)


@pytest.fixture
def make_app(small_data_dir: Path) -> Callable[..., MovieLensApp]:
    """Build the app on the generated dataset (keyword arguments go to MovieLensApp)."""

    def build(**kwargs: object) -> MovieLensApp:
        kwargs.setdefault("data", small_data_dir)
        return MovieLensApp(**kwargs)  # type: ignore[arg-type]

    return build


async def _settle(pilot: Pilot, app: MovieLensApp) -> None:
    """Let every worker finish and every posted message be handled."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


@pytest.fixture
def settle() -> Callable[[Pilot, MovieLensApp], Awaitable[None]]:
    """``await settle(pilot, app)``: wait for workers and pending messages."""
    return _settle
