"""Snapshots of the Neighbors, Users, Map and You panes at a fixed size, with a small
trained model active, on the generated dataset.

Update after an intended change with ``pytest tests/tui/test_snapshots_panes.py
--snapshot-update`` and look at the SVGs in ``__snapshots__``.
"""

from __future__ import annotations

import pytest
from pane_support import settle, trained_model
from textual.pilot import Pilot

SIZE = (100, 30)


@pytest.fixture(scope="module")
def model(small_data_dir):
    return trained_model(small_data_dir)


def _steps(model, *actions):
    """``run_before``: activate ``model``, then run each action (keys or a callable)."""

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        app.set_active_model(model)
        await pilot.pause()
        for action in actions:
            if callable(action):
                action(app)
            else:
                await pilot.press(*action)
            await settle(pilot, app, rounds=2)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def _type(selector: str, text: str):
    def action(app) -> None:
        app.query_one(selector).value = text

    return action


NEIGHBORS = (("slash",), _type("#neighbors-search-input", "Aladd"), ("enter",))


def test_neighbors_pane(snap_compare, make_app, model) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_steps(model, *NEIGHBORS))


def test_neighbors_pane_cosine_at_80x24(snap_compare, make_app, model) -> None:
    steps = _steps(model, *NEIGHBORS, ("m",))
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steps)


def test_users_pane(snap_compare, make_app, model) -> None:
    steps = _steps(model, ("4", "slash"), _type("#users-filter", "2"), ("enter",))
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steps)


def test_map_pane(snap_compare, make_app, model) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_steps(model, ("5",)))


def test_you_pane(snap_compare, make_app, model) -> None:
    steps = _steps(
        model,
        ("6", "slash"),
        _type("#you-search-input", "Aladd"),
        ("enter", "5", "down", "3", "slash"),
        _type("#you-search-input", "godfathr"),
        ("enter", "4"),
    )
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=steps)
