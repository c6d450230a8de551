"""Hostile input in the text fields: the app stays responsive and keeps running.

- 10,000 characters typed into the title search kept the app busy for ~70 s (every
  keystroke searched a longer query): the box takes ``MAX_QUERY`` characters.
- 4,400 digits pasted into the Users filter crashed the app.
"""

from __future__ import annotations

import asyncio
import time

from pane_support import settle
from textual import events
from textual.widgets import Input

from movielens_tui.tui.constants import MAX_QUERY
from movielens_tui.tui.widgets.movie_search import MovieSearch

SIZE = (100, 30)


async def _drain(pilot, app, timeout: float) -> float:  # noqa: ANN001
    """Seconds until every queued event is handled (fails past ``timeout``)."""
    started = time.monotonic()
    await asyncio.wait_for(pilot.wait_for_scheduled_animations(), timeout)
    await asyncio.wait_for(app.workers.wait_for_complete(), timeout)
    await pilot.pause()
    return time.monotonic() - started


async def test_typing_10000_characters_into_the_title_search(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        search = app.query_one("#neighbors-search", MovieSearch)
        assert app.focused is search.input
        text = ("star wars " * 1000)[:10_000]
        started = time.monotonic()
        for char in text:  # a burst of key presses, as from a stuck key or a script
            key = "space" if char == " " else char
            app.post_message(events.Key(key, char))
        await _drain(pilot, app, 60)
        elapsed = time.monotonic() - started
        assert search.input.value == text[:MAX_QUERY]
        assert search.query == text[:MAX_QUERY] and not search.pending
        assert elapsed < 30, f"10,000 key presses took {elapsed:.1f} s"
        # a paste of the same text leaves the box as it was (too long) and the app answers
        app.post_message(events.Paste(text))
        await _drain(pilot, app, 10)
        assert len(search.input.value) <= MAX_QUERY
        await pilot.press("escape", "4")
        assert app.active_pane_name == "users"


async def test_a_query_longer_than_the_limit_is_cut(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        search = app.query_one("#neighbors-search", MovieSearch)
        started = time.monotonic()
        search.search("a b " * 5_000)
        assert time.monotonic() - started < 2
        assert len(search.query) == MAX_QUERY


async def test_pasting_4400_digits_into_the_users_filter(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await pilot.press("slash")
        field = app.query_one("#users-filter", Input)
        assert app.focused is field
        app.post_message(events.Paste("7" * 4_400))
        await _drain(pilot, app, 20)
        assert app.is_running and app._exception is None
        assert field.value == "7" * 4_400
        pane = app.pane("users")
        assert pane.hint_text  # says why nobody matches instead of crashing
        await pilot.press("escape", "1")
        assert app.active_pane_name == "dataset"
